"""The one place exceptions become HTTP answers: every error body is an `ErrorOut`.

Input problems are 4xx naming the field (400 malformed JSON, 413 too large, 422 invalid
values); 401/403 for keys; 503 when the service cannot answer yet. A 500 means a bug and is
logged with its traceback (never with ticket text).
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Callable, Mapping
from typing import Any

import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_405_METHOD_NOT_ALLOWED,
    HTTP_409_CONFLICT,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from classifier.errors import (
    ClassifierError,
    InvalidTicket,
    ModelNotReady,
    RuleConfigError,
    UnknownLevel,
)
from serving.key_file import KeyFileError
from serving.schemas import BatchIn, CustomerIn, ErrorOut, LimitExceeded, TicketIn
from serving.settings import LimitSettings

log = structlog.get_logger("serving.errors")

_AT_PATH = re.compile(r"\s*-\s*at `\$(?P<path>[^`]*)`")
_MALFORMED = re.compile(r"JSON|decode|truncated|trailing characters|malformed", re.IGNORECASE)
_TOO_LONG = re.compile(r"length <=|length at most")
TIME_EXAMPLE = "2026-11-24T09:30:00Z"
_UNKNOWN_FIELD = re.compile(r"Object contains unknown field `(?P<name>[^`]*)`")
_KNOWN_FIELDS = sorted(
    {*TicketIn.__struct_fields__, *CustomerIn.__struct_fields__, *BatchIn.__struct_fields__}
)
_TEXT_LIMITS = {
    "subject": f"TP_MAX_SUBJECT_CHARS, default {LimitSettings().subject_chars:,}",
    "body": f"TP_MAX_BODY_CHARS, default {LimitSettings().body_chars:,}",
}
_CODES: Mapping[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    500: "internal",
    503: "unavailable",
}


class WireError(Exception):
    """A request body problem already rendered as an error body (raised by routes that decode
    the body themselves)."""

    def __init__(self, body: ErrorOut) -> None:
        super().__init__(body.detail)
        self.body = body


def error_body(
    status: int, detail: str, field: str | None = None, code: str | None = None
) -> ErrorOut:
    """The error body for a status code."""
    return ErrorOut(
        status=status, error=code or _CODES.get(status, "error"), detail=detail, field=field
    )


def _response(body: ErrorOut, headers: Mapping[str, str] | None = None) -> Response[ErrorOut]:
    return Response(
        content=body, status_code=body.status, media_type=MediaType.JSON, headers=headers
    )


def field_from_msgspec(message: str) -> tuple[str | None, str]:
    """Split a msgspec message into the dotted field path and the problem.

    `Expected `int`, got `str` - at `$.customer.open_tickets`` becomes
    (`customer.open_tickets`, `Expected `int`, got `str``).
    """
    match = _AT_PATH.search(message)
    if match is None:
        return None, message
    raw = match.group("path")
    path = raw.lstrip(".").replace("[", ".[") if raw else ""
    path = re.sub(r"\.\[(\d+)\]", r"[\1]", path).lstrip(".")
    return path or None, message[: match.start()].strip()


def classify_decode_error(message: str) -> ErrorOut:
    """The error body for a msgspec decode or validation message."""
    field, problem = field_from_msgspec(message)
    unknown = _UNKNOWN_FIELD.search(problem)
    if unknown is not None:
        return unknown_field_body(field, unknown.group("name"))
    if field is None and _MALFORMED.search(problem) and "Expected" not in problem:
        return error_body(
            HTTP_400_BAD_REQUEST, f"malformed JSON: {problem}", field, "malformed_json"
        )
    if _TOO_LONG.search(problem) and "Expected `array`" not in problem:
        where = field or "request"
        text_field = (field or "").rsplit(".", 1)[-1]
        if text_field in _TEXT_LIMITS:  # past the decoder's ceiling, far past the setting
            problem = f"longer than the limit ({_TEXT_LIMITS[text_field]})"
        return error_body(HTTP_413_REQUEST_ENTITY_TOO_LARGE, f"{where}: {problem}", field)
    if field == "data":  # Litestar's name for the whole body
        field = None
    if field is not None and field.endswith("created_at"):
        problem += f"; send RFC 3339, e.g. {TIME_EXAMPLE} (no offset: UTC)"
    where = field or "request body"
    return error_body(HTTP_422_UNPROCESSABLE_ENTITY, f"{where}: {problem}", field, "invalid_field")


def unknown_field_body(parent: str | None, name: str) -> ErrorOut:
    """The 422 for a field the API does not have, with the nearest real name."""
    if parent == "data":  # Litestar's name for the whole body
        parent = None
    path = f"{parent}.{name}" if parent else name
    close = difflib.get_close_matches(name, _KNOWN_FIELDS, n=1, cutoff=0.75)
    hint = f"did you mean `{close[0]}`? " if close else ""
    return error_body(
        HTTP_422_UNPROCESSABLE_ENTITY,
        f"{path}: unknown field; {hint}the fields are listed at /docs (a ticket's own "
        "attributes go under `extra`)",
        path,
        "invalid_field",
    )


EMPTY_BODY = "request body is empty; send the JSON body described at /docs"


def too_deep_body() -> ErrorOut:
    """The 400 for JSON nested past what the decoder recurses into (msgspec raises
    `RecursionError`). A ticket needs 3 levels; a batch 5."""
    return error_body(
        HTTP_400_BAD_REQUEST,
        "malformed JSON: arrays or objects nested too deeply (the limit is below "
        f"{sys.getrecursionlimit():,} levels; the API's bodies need at most 5)",
        None,
        "malformed_json",
    )


def is_decode_recursion(exc: BaseException) -> bool:
    """Whether `exc` is msgspec's report of a too deeply nested document (not a bug)."""
    return isinstance(exc, RecursionError) and "deserializing" in str(exc)


def _validation(_: Request[Any, Any, Any], exc: ValidationException) -> Response[ErrorOut]:
    messages: list[str] = []
    extra = exc.extra
    if isinstance(extra, list):
        for item in extra:
            if isinstance(item, dict) and item.get("message"):
                key = item.get("key")
                msg = str(item["message"])
                if is_missing_body(key, msg):  # Litestar's report of an empty body
                    empty = error_body(HTTP_400_BAD_REQUEST, EMPTY_BODY, None, "empty_body")
                    return _response(empty)
                if key and item.get("source") == "body" and "at `$" not in msg:
                    msg = f"{msg} - at `$.{key}`"
                messages.append(msg)
    message = messages[0] if messages else str(exc.detail)
    if not messages and "JSON" in message:
        return _response(error_body(HTTP_400_BAD_REQUEST, message, None, "malformed_json"))
    return _response(classify_decode_error(message))


def _too_large(request: Request[Any, Any, Any]) -> str:
    limit = request.route_handler.resolve_request_max_body_size()
    settings = getattr(request.app.state, "settings", None)
    if limit is None or settings is None or limit == settings.limits.request_bytes:
        return "request body is larger than the limit (TP_MAX_REQUEST_BYTES)"
    return f"request body is larger than this route's limit of {limit:,} bytes"


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[ErrorOut]:
    status = exc.status_code
    detail = str(exc.detail)
    if status == HTTP_400_BAD_REQUEST and _MALFORMED.search(detail):
        return _response(error_body(status, f"malformed JSON: {detail}", None, "malformed_json"))
    if status == HTTP_413_REQUEST_ENTITY_TOO_LARGE:
        detail = _too_large(request)
    headers = dict(exc.headers) if exc.headers else {}
    if detail in _ROUTING_DETAILS:  # the router's own words: say what to do instead
        allow = next((v for k, v in headers.items() if k.lower() == "allow"), None)
        detail = _routing_detail(request, status, allow)
    if status == HTTP_401_UNAUTHORIZED:  # RFC 6750: say which scheme to use
        headers.setdefault("WWW-Authenticate", "Bearer")
    return _response(error_body(status, detail), headers or None)


_ROUTING_DETAILS = frozenset({"Not Found", "Method Not Allowed"})


def _routing_detail(request: Request[Any, Any, Any], status: int, allow: str | None) -> str:
    if status == HTTP_405_METHOD_NOT_ALLOWED and allow:
        return (
            f"method {request.method} is not allowed on this path; it answers {allow} (the "
            "endpoints are listed at /docs)"
        )
    return "no endpoint at this path; the endpoints are listed at /docs"


def _wire(_: Request[Any, Any, Any], exc: WireError) -> Response[ErrorOut]:
    return _response(exc.body)


def _limit(_: Request[Any, Any, Any], exc: LimitExceeded) -> Response[ErrorOut]:
    return _response(error_body(HTTP_413_REQUEST_ENTITY_TOO_LARGE, str(exc), exc.field))


def classifier_error_body(exc: ClassifierError) -> ErrorOut:
    """The error body (and status) of a core error."""
    if isinstance(exc, InvalidTicket):
        return error_body(HTTP_422_UNPROCESSABLE_ENTITY, str(exc), exc.field, "invalid_ticket")
    if isinstance(exc, UnknownLevel):
        return error_body(HTTP_422_UNPROCESSABLE_ENTITY, str(exc), None, "unknown_level")
    if isinstance(exc, ModelNotReady):
        return error_body(HTTP_503_SERVICE_UNAVAILABLE, str(exc), None, "model_not_ready")
    if isinstance(exc, RuleConfigError):
        return error_body(HTTP_409_CONFLICT, str(exc), None, "rules_invalid")
    return error_body(HTTP_422_UNPROCESSABLE_ENTITY, str(exc))


def _keys_rejected(_: Request[Any, Any, Any], exc: KeyFileError) -> Response[ErrorOut]:
    return _response(error_body(HTTP_409_CONFLICT, str(exc), None, "keys_invalid"))


def _classifier(_: Request[Any, Any, Any], exc: ClassifierError) -> Response[ErrorOut]:
    return _response(classifier_error_body(exc))


def internal_error_body(path: str, exc: Exception, request_id: str | None = None) -> ErrorOut:
    """Log an unexpected exception (type, traceback and request id, no request data); the
    500 body, which points at that log line by the request id."""
    log.error(
        "unhandled_error", path=path, request_id=request_id, error_type=type(exc).__name__,
        exc_info=exc,
    )  # fmt: skip
    return error_body(
        HTTP_500_INTERNAL_SERVER_ERROR,
        "internal error; the request id in the X-Request-ID header finds it in the log",
    )


def _not_utf8(_: Request[Any, Any, Any], exc: UnicodeDecodeError) -> Response[ErrorOut]:
    return _response(
        error_body(
            HTTP_400_BAD_REQUEST,
            f"request body is not UTF-8 (byte {exc.object[exc.start]:#04x}); send JSON "
            "encoded as UTF-8",
            None,
            "malformed_json",
        )
    )


def _store_down(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[ErrorOut]:
    # OperationalError / InterfaceError: the database is down, unreachable or locked. Only
    # the type is logged: statement values are ticket text and notes.
    log.error("review_store_error", path=request.url.path, error_type=type(exc).__name__)
    return _response(
        error_body(
            HTTP_503_SERVICE_UNAVAILABLE,
            "the review store is unreachable; try again shortly (predictions are still "
            "answered and queued)",
            None,
            "store_unavailable",
        )
    )


def _internal(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorOut]:
    if is_decode_recursion(exc):  # Litestar decoding a JSONBody parameter
        return _response(too_deep_body())
    request_id = request.scope.get("state", {}).get("request_id")
    return _response(internal_error_body(request.url.path, exc, request_id))


JSON_BODY = "json_body"
"""Route `opt` flag of the routes whose body is JSON (checked by `refuse_unreadable_body`)."""
_JSON_MEDIA = {"", "application/json", "text/plain"}


def _media_type(request: Request[Any, Any, Any]) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def refuse_unreadable_body(request: Request[Any, Any, Any]) -> Response[ErrorOut] | None:
    """415 for a body the API cannot read: compressed (`Content-Encoding: gzip`), or, on a
    JSON route, a form, multipart or other non-JSON media type whose body is not JSON.

    Without this the bytes reach the JSON decoder and come back as "malformed JSON: invalid
    character (byte 0)". A JSON body sent as a form (`curl -d '{...}'` without a
    Content-Type) is still read as JSON.
    """
    encoding = request.headers.get("content-encoding", "").strip().lower()
    if encoding not in {"", "identity"}:
        return _response(
            error_body(
                HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                f"Content-Encoding {encoding!r} is not supported; send the JSON uncompressed",
            )
        )
    if not request.route_handler.opt.get(JSON_BODY):
        return None
    media = _media_type(request)
    if media in _JSON_MEDIA or media.endswith("+json"):
        return None
    start = (await request.body()).lstrip()[:1]
    if start in (b"", b"{", b"["):  # JSON after all, or empty (answered as such)
        return None
    return _response(
        error_body(
            HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            f"Content-Type {media} is not supported; send the JSON body described at /docs "
            "with Content-Type: application/json",
        )
    )


def is_missing_body(key: object, message: str) -> bool:
    """Whether a Litestar validation item reports a missing (empty) request body."""
    return key in (None, "", "data") and message == "'data'"


ExceptionHandler = Callable[[Request[Any, Any, Any], Any], Response[ErrorOut]]


def exception_handlers() -> dict[type[Exception], ExceptionHandler]:
    """The app's exception map (pass to `Litestar(exception_handlers=...)`)."""
    return {
        ValidationException: _validation,
        HTTPException: _http,
        LimitExceeded: _limit,
        WireError: _wire,
        KeyFileError: _keys_rejected,
        ClassifierError: _classifier,
        UnicodeDecodeError: _not_utf8,
        OperationalError: _store_down,
        InterfaceError: _store_down,
        Exception: _internal,
    }
