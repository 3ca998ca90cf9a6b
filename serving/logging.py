"""Structured JSON logs and the per-request middleware (request id, latency, outcome).

One line per request: method, route, status, latency, request id, and what the handler put in
`scope["state"]["log"]` (priority, source, model version; never ticket text). Ticket text is
added by the predict routes only when `TP_LOG_TEXT` is on.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import msgspec
import structlog
from litestar.enums import ScopeType

from serving.settings import LogSettings

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

    from serving.metrics import Metrics

REQUEST_ID_HEADER = b"x-request-id"
REQUEST_ID_MAX = 128
NO_STORE = (b"cache-control", b"no-store")
REQUEST_ID_CHARS = frozenset("-_.:/@")
UNMATCHED = "unmatched"
"""The route label of requests no route answers (404 unknown path, 405 wrong method)."""
# Scanners send any path and any method token: an unmatched request's metrics labels take
# neither, so they cannot grow the number of series; its log line keeps the path (cut).
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
PATH_LOG_MAX = 256
_encoder = msgspec.json.Encoder()
_encoder_any = msgspec.json.Encoder(enc_hook=repr)
_STDLIB_HANDLER = "ticket-priority"


def _serialize(event: Any, **_: Any) -> bytes:
    return _encoder.encode(event)


def _serialize_text(event: Any, **_: Any) -> str:
    # For stdlib's handlers, which write text; msgspec's encoding of anything it cannot
    # encode (a library's exception args) falls back to repr.
    return _encoder_any.encode(event).decode()


_SHARED: tuple[Any, ...] = (
    structlog.processors.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.processors.format_exc_info,
)


def configure_logging(settings: LogSettings) -> None:
    """Route structlog and stdlib logging to stdout as JSON lines or readable text.

    Libraries' stdlib records (alembic's migration steps at INFO; anything else from WARNING)
    go through the same processors (`stdlib_handler`), so with JSON logs every line on stdout
    is a JSON object with `event`, `level` and `timestamp`.
    """
    level = log_level(settings)
    if settings.json:
        renderer: Any = structlog.processors.JSONRenderer(serializer=_serialize)
        factory: Any = structlog.BytesLoggerFactory(sys.stdout.buffer)
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False)
        factory = structlog.PrintLoggerFactory(sys.stdout)
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, *_SHARED, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=factory,
        cache_logger_on_first_use=False,
    )
    root = logging.getLogger()
    # Replaces the handler an earlier call installed; others (pytest's capture) stay.
    for old in [h for h in root.handlers if h.get_name() == _STDLIB_HANDLER]:
        root.removeHandler(old)
    root.addHandler(stdlib_handler(settings))
    root.setLevel(max(level, logging.WARNING))
    # Which migrations ran belongs in a deployment's log; alembic says it at INFO. Importing
    # mlflow gives alembic's logger a plain-text handler and stops it propagating: undone here.
    alembic = logging.getLogger("alembic")
    alembic.setLevel(level)
    alembic.handlers.clear()
    alembic.propagate = True


def log_level(settings: LogSettings) -> int:
    """`TP_LOG_LEVEL` as a `logging` level (INFO for a name it does not know)."""
    return logging.getLevelNamesMapping().get(settings.level, logging.INFO)


def stdlib_handler(settings: LogSettings) -> logging.Handler:
    """A stdout handler rendering stdlib records as `configure_logging` renders structlog's:
    a JSON object (`event`, `logger`, `level`, `timestamp`) per line, or readable text."""
    renderer: Any
    if settings.json:
        renderer = structlog.processors.JSONRenderer(serializer=_serialize_text)
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False)
    formatter = structlog.stdlib.ProcessorFormatter(
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        foreign_pre_chain=[structlog.stdlib.add_logger_name, *_SHARED],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    handler.set_name(_STDLIB_HANDLER)
    return handler


def granian_log_config() -> dict[str, Any]:
    """granian's `log_dictconfig`: its own lines ("Killing worker-1 after it refused to
    gracefully stop", "Unexpected exit from worker-1") rendered as the service's are, JSON
    unless `TP_LOG_JSON=false`, instead of `[WARNING] ...` text among the JSON lines."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {},
        "handlers": {"console": {"()": f"{__name__}.granian_handler"}},
        "loggers": {"_granian": {"handlers": ["console"], "level": "INFO", "propagate": False}},
    }


def granian_handler() -> logging.Handler:
    """The handler `granian_log_config` names (built by `logging.config.dictConfig`)."""
    return stdlib_handler(LogSettings.from_env(os.environ))


def direct_json_writer(settings: LogSettings | None) -> Callable[[dict[str, Any]], None] | None:
    """A writer of request lines that bypasses structlog's processor chain, or None.

    With JSON logs at INFO or lower it writes exactly what `configure_logging`'s chain would
    (the fields, then `event`, `level`, `timestamp`) to the same stream, at a fraction of the
    cost; the service binds no context variables, the one processor it leaves out. Call after
    `configure_logging`.
    """
    if settings is None or not settings.json:
        return None
    if log_level(settings) > logging.INFO:
        return None
    stream = sys.stdout.buffer
    encode = _encoder.encode

    def write(entry: dict[str, Any]) -> None:
        entry["event"] = "request"
        entry["level"] = "info"
        entry["timestamp"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        stream.write(encode(entry) + b"\n")
        stream.flush()

    return write


class RequestLogMiddleware:
    """Raw ASGI middleware: request id header, latency histogram and one log line per request.

    Raw ASGI rather than a Litestar middleware class to keep per-request overhead to a few
    microseconds on the hot path. It wraps the whole app (`create_app`), not each route:
    Litestar answers unknown paths and wrong methods in its router, before a route's
    middleware runs.
    """

    def __init__(
        self,
        app: ASGIApp,
        metrics: Metrics,
        logger_name: str = "serving.request",
        settings: LogSettings | None = None,
    ) -> None:
        self.app = app
        self.metrics = metrics
        # Bound now (after configure_logging): a lazy proxy would re-bind on every request.
        self.log = structlog.get_logger(logger_name).bind()
        self._direct = direct_json_writer(settings)
        self._latency: dict[tuple[str, str, str], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        request_id = _incoming_id(scope) or os.urandom(16).hex()
        state: dict[str, Any] = scope.setdefault("state", {})  # type: ignore[typeddict-item]
        state["request_id"] = request_id
        status = 500
        header = (REQUEST_ID_HEADER, request_id.encode())

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                if not any(name.lower() == b"cache-control" for name, _ in headers):
                    # Answers carry ticket text and decisions: no cache along the way keeps them.
                    headers.append(NO_STORE)
                message["headers"] = [*headers, header]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - start
            route = str(scope.get("path_template") or _route_of(scope))
            method: str = scope.get("method", "")
            if route == UNMATCHED and method not in _METHODS:
                method = "other"
            key = (route, method, str(status))
            child = self._latency.get(key)
            if child is None:  # one label lookup per route/method/status, not per request
                child = self._latency[key] = self.metrics.request_seconds.labels(*key)
            child.observe(elapsed)
            if route not in ("/health/live", "/health/ready", "/metrics"):
                entry = {
                    "request_id": request_id,
                    "method": method,
                    "route": route,
                    "status": status,
                    "ms": round(elapsed * 1000, 3),
                    **state.get("log", {}),
                }
                if route == UNMATCHED:
                    entry["path"] = scope.get("path", "")[:PATH_LOG_MAX]
                if self._direct is not None:
                    self._direct(entry)
                else:
                    self.log.info("request", **entry)


def _incoming_id(scope: Scope) -> str | None:
    """The caller's X-Request-ID if it is safe to echo into a header and a log line.

    Helpdesks send ids like `zendesk:4711/1`; an id that is too long or holds other characters
    is replaced whole, never cut, so a shortened id cannot be mistaken for another request's.
    """
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER:
            text = value.decode("latin-1")
            if 0 < len(text) <= REQUEST_ID_MAX and all(
                c in REQUEST_ID_CHARS or (c.isascii() and c.isalnum()) for c in text
            ):
                return text
            return None
    return None


def _route_of(scope: Scope) -> str:
    handler = scope.get("route_handler")
    paths = getattr(handler, "paths", None)
    if paths:
        return str(sorted(paths)[0])
    return UNMATCHED
