"""A lean JSON response and route decorator for the predict routes.

Litestar's generic `Response` -> `ASGIResponse` path (header merging, cookies, a serializer
with type encoders looked up per call, content-length and charset handling) costs about as
much per request as encoding the whole Decision. The predict routes return msgspec Structs
that msgspec encodes natively and set no cookies or headers of their own, so this response
encodes once and sends two ASGI messages. Handlers keep their typed return values, so the
OpenAPI schema is unchanged.

`LeanRoute` is Litestar's route handler without the copy of the whole handler it makes for
every guard call (~30 us per request); the service's guards never touch the handler.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

import msgspec
from litestar import Response
from litestar.handlers import HTTPRouteHandler

if TYPE_CHECKING:
    from collections.abc import Iterable

    from litestar import Litestar, Request
    from litestar.background_tasks import BackgroundTask, BackgroundTasks
    from litestar.connection import ASGIConnection
    from litestar.datastructures import Cookie
    from litestar.enums import MediaType
    from litestar.types import Receive, Scope, Send, TypeEncodersMap

_encode = msgspec.json.Encoder().encode
_JSON = (b"content-type", b"application/json")


class _Sent:
    """The ASGI app of one encoded response."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
        self.status = status
        self.body = body
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body, "more_body": False})


def _plain_json(media_type: MediaType | str | None) -> bool:
    value = media_type.value if isinstance(media_type, Enum) else media_type
    return value is None or value == "application/json"


class FastJsonResponse(Response[Any]):
    """JSON response encoded with msgspec directly (content: Structs and builtins only)."""

    def to_asgi_response(  # type: ignore[override]
        self,
        app: Litestar | None,
        request: Request[Any, Any, Any],
        *,
        background: BackgroundTask | BackgroundTasks | None = None,
        cookies: Iterable[Cookie] | None = None,
        encoded_headers: Iterable[tuple[bytes, bytes]] | None = None,
        headers: dict[str, str] | None = None,
        is_head_response: bool = False,
        media_type: MediaType | str | None = None,
        status_code: int | None = None,
        type_encoders: TypeEncodersMap | None = None,
    ) -> Any:
        """Encode the content and return the ASGI app that sends it.

        Falls back to Litestar's response when something this class does not handle is set
        (background tasks, cookies, extra headers, another media type, HEAD).
        """
        own = (
            background is None
            and self.background is None
            and not cookies
            and not self.cookies
            and not encoded_headers
            and not headers
            and not self.headers
            and not is_head_response
            and _plain_json(self.media_type or media_type)
        )
        if not own:
            return super().to_asgi_response(
                app, request, background=background, cookies=cookies,
                encoded_headers=encoded_headers, headers=headers,
                is_head_response=is_head_response, media_type=media_type,
                status_code=status_code, type_encoders=type_encoders,
            )  # fmt: skip
        body = _encode(self.content)
        length = (b"content-length", str(len(body)).encode())
        return _Sent(self.status_code or status_code or 200, body, [_JSON, length])


class LeanRoute(HTTPRouteHandler):
    """`litestar.route` whose guards receive the handler itself rather than a copy.

    Use as `@LeanRoute("/path", http_method="POST", status_code=200, ...)`.
    """

    async def authorize_connection(self, connection: ASGIConnection[Any, Any, Any, Any]) -> None:
        """Run the route's guards (they must not mutate the handler they are given)."""
        for guard in self.resolve_guards():
            await guard(connection, self)  # type: ignore[misc]
