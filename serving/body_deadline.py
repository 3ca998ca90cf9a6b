"""A deadline for reading a request body, so a client sending one byte a minute cannot hold
a connection (and its buffer) for ever.

granian and uvicorn time out slow headers but not slow bodies. A body that has not arrived in
full within `TP_BODY_TIMEOUT_SECONDS` of the request's start is answered 408 and the
connection closed; a body that arrives in time costs one timer per read.
"""

from __future__ import annotations

import asyncio

from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.status_codes import HTTP_408_REQUEST_TIMEOUT
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send


class BodyDeadlineMiddleware:
    """ASGI middleware: the whole request body within `seconds` of the request's start."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        deadline = asyncio.get_running_loop().time() + self.seconds
        complete = False

        async def receive_in_time() -> ReceiveMessage:
            nonlocal complete
            if complete:  # after the body only a disconnect comes, whenever it comes
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise HTTPException(
                    status_code=HTTP_408_REQUEST_TIMEOUT,
                    detail=f"the request body did not arrive within {self.seconds:g} s "
                    "(TP_BODY_TIMEOUT_SECONDS); send it at once",
                    headers={"Connection": "close"},
                ) from None
            complete = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        await self.app(scope, receive_in_time, send)
