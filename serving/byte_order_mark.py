"""Byte-order marks before JSON bodies: a UTF-8 one is read past, a UTF-16 one is a 400.

Windows tools put a UTF-8 byte-order mark (EF BB BF) before the text they write (PowerShell's
`Out-File -Encoding utf8`, Notepad, some helpdesk exporters). JSON must not carry one, but
RFC 8259 (section 8.1) lets a parser ignore it, so on the routes whose body is JSON (route
`opt` flag `JSON_BODY`) it is dropped before any decoder sees the body: the fast path,
Litestar's own body parsing and the handlers alike. A UTF-16 mark (Windows PowerShell 5's
`Out-File` default) means the whole body is UTF-16, which JSON over HTTP may not be: that is
answered 400 naming the encoding and the fix instead of "invalid character (byte 0)".
"""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.status_codes import HTTP_400_BAD_REQUEST
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

from serving.errors import JSON_BODY, WireError, error_body

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = {b"\xff\xfe": "UTF-16 little-endian", b"\xfe\xff": "UTF-16 big-endian"}


def utf16_body(encoding: str) -> WireError:
    """The 400 for a body that starts with a UTF-16 byte-order mark."""
    return WireError(
        error_body(
            HTTP_400_BAD_REQUEST,
            f"request body is {encoding} (it starts with a UTF-16 byte-order mark); send the "
            "JSON encoded as UTF-8 (PowerShell: Out-File -Encoding utf8, or pass the JSON "
            "string to Invoke-RestMethod -Body)",
            None,
            "malformed_json",
        )
    )


def _without_mark(receive: Receive) -> Receive:
    """`receive` with a leading UTF-8 byte-order mark taken out of the body (a mark split
    over several body messages included); raises `WireError` for a UTF-16 mark."""
    checking = True
    held = b""

    async def receive_past_mark() -> ReceiveMessage:
        nonlocal checking, held
        if not checking:
            return await receive()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                checking = False
                return message
            held += message.get("body", b"")
            if len(held) < len(UTF8_BOM) and message.get("more_body", False):
                continue  # too few bytes yet to tell
            checking = False
            if held.startswith(UTF8_BOM):
                held = held[len(UTF8_BOM) :]
            elif held[:2] in UTF16_BOMS:
                raise utf16_body(UTF16_BOMS[held[:2]])
            message["body"] = held
            return message

    return receive_past_mark


class ByteOrderMarkMiddleware:
    """ASGI middleware: a JSON route's body without its UTF-8 byte-order mark (see module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and scope["route_handler"].opt.get(JSON_BODY):
            receive = _without_mark(receive)
        await self.app(scope, receive, send)
