"""A shortcut for the everyday POST /v1/predict: a valid key and a valid ticket.

Litestar's per-request machinery between the middleware and the handler (request object,
signature model and kwargs, dependency injection, guards, response pipeline) cost ~0.2-0.3 ms
per request, about as much as the model itself. This route middleware does the same steps by
hand for the common case (the key check, the body size limit, the typed decode, the configured
limits, the decision, storage, the stored JSON as the body) and hands every other request to
the route unchanged, with its body replayed: a missing or wrong key, a body that is too large,
malformed or invalid, a chunked body, a malformed idempotency key. Those answers therefore come
from the one error map in `serving.errors`, exactly as before; the route stays the documented
handler for OpenAPI. A request with a valid idempotency key is answered here too
(`Runtime.answer_once`); one without pays for nothing but a comparison per header.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import msgspec
from litestar.enums import ScopeType
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

from classifier.errors import ClassifierError
from serving.auth import Keyring, authorization_header
from serving.errors import WireError, classifier_error_body, internal_error_body
from serving.idempotency import parse_key, scoped_key
from serving.schemas import LimitExceeded, TicketIn, to_ticket

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

    from classifier.schema import Ticket
    from serving.service import Runtime

_decode = msgspec.json.Decoder(TicketIn).decode
_encode = msgspec.json.Encoder().encode
_JSON = (b"content-type", b"application/json")


def _plain_body_length(scope: Scope, key_header: bytes) -> tuple[int | None, bytes | None]:
    """The body's Content-Length, or None when it is missing or the body is compressed (the
    route answers that with 415, so such requests are passed on), and the value of the
    `key_header` header (lower case; b"" reads none). One pass over the headers."""
    length = None
    key = None
    for name, value in scope["headers"]:
        lowered = name if name.islower() else name.lower()
        if lowered == b"content-length":
            try:
                length = int(value)
            except ValueError:
                return None, key
        elif lowered == b"content-encoding" and value.strip().lower() not in (b"", b"identity"):
            return None, key
        elif lowered == key_header:
            key = value if key is None else b""  # twice: the route says so
    return length, key


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


async def _send_json(
    send: Send, status: int, body: bytes, added: Sequence[tuple[str, str]] = ()
) -> None:
    length = (b"content-length", str(len(body)).encode())
    headers = [_JSON, length]
    if added:
        headers += [(name.lower().encode(), value.encode()) for name, value in added]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


class PredictFastPath:
    """Route middleware of POST /v1/predict answering valid requests without Litestar's
    handler pipeline; anything else goes to the route (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap the route's ASGI app."""
        self.app = app
        self._key_header: bytes | None = None  # from the settings, on the first request

    def _idempotency_header(self, runtime: Runtime) -> bytes:
        if self._key_header is None:
            window = runtime.settings.idempotency
            self._key_header = window.header.lower().encode() if window.enabled else b""
        return self._key_header

    def _admit(self, scope: Scope, runtime: Runtime, limit: int) -> tuple[str | None] | None:
        """None when the headers send the request to the route (no or too large a length, a
        compressed body, a malformed idempotency key); else the idempotency key, if any."""
        key_header = self._key_header
        if key_header is None:
            key_header = self._idempotency_header(runtime)
        length, raw_key = _plain_body_length(scope, key_header)
        if length is None or length > limit:
            return None
        if raw_key is None:
            return (None,)
        try:
            return (parse_key(raw_key, runtime.settings.idempotency.header),)
        except WireError:  # the route answers it
            return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer the request, or pass it on to the route."""
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        runtime: Runtime = state.runtime
        keyring: Keyring = state.keyring
        limit = runtime.settings.limits.request_bytes
        admitted = self._admit(scope, runtime, limit)
        if admitted is None:
            await self.app(scope, receive, send)
            return
        idempotency_key = admitted[0]
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
        if idempotency_key is None:
            await _answer(runtime, ticket, data, scope=scope, send=send)
        else:
            scoped = scoped_key(key.key_id if key else None, idempotency_key)
            await _answer_once(runtime, scoped, ticket, data, scope=scope, send=send)


async def _answer(
    runtime: Runtime, ticket: Ticket, data: TicketIn, *, scope: Scope, send: Send
) -> None:
    log_state: dict[str, Any] = scope["state"]  # type: ignore[typeddict-item]
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


async def _answer_once(
    runtime: Runtime, key: str, ticket: Ticket, data: TicketIn, *, scope: Scope, send: Send
) -> None:
    log_state: dict[str, Any] = scope["state"]  # type: ignore[typeddict-item]
    try:
        keyed = await runtime.answer_once(ticket, data, log_state, key)
    except WireError as exc:
        await _send_json(send, exc.body.status, _encode(exc.body))
    except ClassifierError as exc:
        error = classifier_error_body(exc)
        await _send_json(send, error.status, _encode(error))
    except Exception as exc:  # noqa: BLE001 - the 500 the error map gives for a bug
        error = internal_error_body(scope.get("path", ""), exc, log_state.get("request_id"))
        await _send_json(send, error.status, _encode(error))
    else:
        await _send_json(send, 200, keyed.body, keyed.headers())
