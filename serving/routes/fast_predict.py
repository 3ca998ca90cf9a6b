"""A shortcut for the everyday POST /v1/predict: a valid key and a valid ticket.

Litestar's per-request machinery between the middleware and the handler (request object,
signature model and kwargs, dependency injection, guards, response pipeline) cost ~0.2-0.3 ms
per request, about as much as the model itself. This route middleware does the same steps by
hand for the common case (the key check, the body size limit, the typed decode, the configured
limits, the decision, storage, the stored JSON as the body) and hands every other request to
the route unchanged, with its body replayed: a missing or wrong key, a body that is too large,
malformed or invalid, a chunked body. Those answers therefore come from the one error map in
`serving.errors`, exactly as before; the route stays the documented handler for OpenAPI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from litestar.enums import ScopeType
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

from classifier.errors import ClassifierError
from serving.auth import Keyring, authorization_header
from serving.errors import classifier_error_body, internal_error_body
from serving.schemas import LimitExceeded, TicketIn, to_ticket

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

    from serving.service import Runtime

_decode = msgspec.json.Decoder(TicketIn).decode
_encode = msgspec.json.Encoder().encode
_JSON = (b"content-type", b"application/json")


def _plain_body_length(scope: Scope) -> int | None:
    """The body's Content-Length, or None when it is missing or the body is compressed (the
    route answers that with 415, so such requests are passed on). One pass over the headers."""
    length = None
    for name, value in scope["headers"]:
        lowered = name if name.islower() else name.lower()
        if lowered == b"content-length":
            try:
                length = int(value)
            except ValueError:
                return None
        elif lowered == b"content-encoding" and value.strip().lower() not in (b"", b"identity"):
            return None
    return length


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, list[ReceiveMessage]] | None:
    """The whole body and the messages it came in; None on a disconnect or past `limit`."""
    messages: list[ReceiveMessage] = []
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return (chunks[0] if len(chunks) == 1 else b"".join(chunks)), messages


def _replay(messages: list[ReceiveMessage], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> ReceiveMessage:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


async def _send_json(send: Send, status: int, body: bytes) -> None:
    length = (b"content-length", str(len(body)).encode())
    await send({"type": "http.response.start", "status": status, "headers": [_JSON, length]})
    await send({"type": "http.response.body", "body": body, "more_body": False})


class PredictFastPath:
    """Route middleware of POST /v1/predict answering valid requests without Litestar's
    handler pipeline; anything else goes to the route (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap the route's ASGI app."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer the request, or pass it on to the route."""
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        runtime: Runtime = state.runtime
        keyring: Keyring = state.keyring
        limit = runtime.settings.limits.request_bytes
        length = _plain_body_length(scope)
        if length is None or length > limit:
            await self.app(scope, receive, send)
            return
        try:
            key = keyring.authorize(authorization_header(scope), "predict")
        except (NotAuthorizedException, PermissionDeniedException):
            await self.app(scope, receive, send)
            return
        read = await _read_body(receive, limit)
        if read is None:
            await self.app(scope, receive, send)
            return
        body, messages = read
        try:
            data = _decode(body)
            ticket = to_ticket(data, runtime.settings.limits)
        except (
            msgspec.DecodeError,
            UnicodeDecodeError,
            RecursionError,
            LimitExceeded,
            ClassifierError,
        ):
            await self.app(scope, _replay(messages, receive), send)
            return
        log_state: dict[str, Any] = scope["state"]  # type: ignore[typeddict-item]
        if key is not None:
            log_state["api_key_id"] = key.key_id
        try:
            answer = await runtime.answer([ticket], [data], log_state)
        except Exception as exc:  # noqa: BLE001 - the 500 the error map gives for a bug
            error = internal_error_body(scope.get("path", ""), exc, log_state.get("request_id"))
            await _send_json(send, error.status, _encode(error))
            return
        result = answer.results[0]
        if isinstance(result, ClassifierError):
            error = classifier_error_body(result)
            await _send_json(send, error.status, _encode(error))
        else:
            await _send_json(send, 200, result.json)
