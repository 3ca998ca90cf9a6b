"""POST /v1/predict and POST /v1/predict/batch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import msgspec
from anyio import to_thread
from litestar import Request, Response
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    Reference,
    RequestBody,
    Schema,
)
from litestar.params import JSONBody

from classifier.errors import ClassifierError, InvalidTicket
from classifier.schema import Ticket
from serving.auth import require
from serving.errors import (
    EMPTY_BODY,
    JSON_BODY,
    WireError,
    classify_decode_error,
    error_body,
    too_deep_body,
)
from serving.idempotency import (
    batch_key_refused,
    key_problem,
    parse_key,
    scoped_key,
)
from serving.openapi import IdempotentOperation, bearer, errors
from serving.routes import RuntimeDep
from serving.routes.fast_json import FastJsonResponse, LeanRoute
from serving.routes.fast_predict import PredictFastPath
from serving.schemas import (
    BatchIn,
    BatchOut,
    DecisionOut,
    ErrorOut,
    LimitExceeded,
    TicketIn,
    to_ticket,
)
from serving.service import Decided, Runtime


class _RawBatch(msgspec.Struct):
    tickets: list[msgspec.Raw]


class _EncodedItem(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False):
    """`BatchItemOut` with the decision already encoded: the same JSON, each decision
    encoded once for both the response and the review store."""

    index: int
    decision: msgspec.Raw | None = None
    error: ErrorOut | None = None


class _EncodedBatch(msgspec.Struct, kw_only=True, gc=False):
    """`BatchOut` of `_EncodedItem`s."""

    count: int
    failed: int
    results: list[_EncodedItem]


_batch_decoder = msgspec.json.Decoder(_RawBatch)
_ticket_decoder = msgspec.json.Decoder(TicketIn)
_whole_decoder = msgspec.json.Decoder(BatchIn)


@dataclass
class _BatchOperation(Operation):
    """Documents the batch body as `{"tickets": [TicketIn, ...]}`; the handler decodes each
    item on its own so one bad ticket cannot fail the others."""

    def __post_init__(self) -> None:
        tickets = Schema(
            type=OpenAPIType.ARRAY,
            items=Reference(ref="#/components/schemas/TicketIn"),
            description="Tickets to answer, at most TP_MAX_BATCH_SIZE (default 1,000).",
        )
        body = Schema(
            type=OpenAPIType.OBJECT, required=["tickets"], properties={"tickets": tickets}
        )
        self.request_body = RequestBody(
            content={"application/json": OpenAPIMediaType(schema=body)}, required=True
        )


@LeanRoute(
    "/v1/predict",
    http_method="POST",
    operation_id="predict",
    operation_class=IdempotentOperation,
    guards=[require("predict")],
    status_code=200,
    tags=["predict"],
    response_class=FastJsonResponse,
    middleware=[PredictFastPath],
    opt={JSON_BODY: True},
    security=bearer("predict"),
    responses=errors(400, 401, 403, 413, 415, 422),
)
async def predict(
    data: JSONBody[TicketIn], runtime: RuntimeDep, request: Request[Any, Any, Any]
) -> DecisionOut:
    """Decide one ticket's priority, SLA due times, reasons and review flag."""
    # `data` is Litestar's lax conversion (it took "60", "true" and epoch seconds where the
    # schema says integer, boolean and date-time); the batch decodes strictly, so a ticket
    # is decoded again here the same way. `data` stays in the signature for the OpenAPI body.
    idempotency_key = _idempotency_key(request, runtime)
    data = _strict_ticket(await request.body())
    ticket = to_ticket(data, runtime.settings.limits)
    if idempotency_key is not None:
        state = request.scope["state"]
        scoped = scoped_key(state.get("api_key_id"), idempotency_key)
        keyed = await runtime.answer_once(ticket, data, state, scoped)
        headers = keyed.headers()
        if headers:
            return cast(
                "DecisionOut",
                Response(msgspec.Raw(keyed.body), status_code=200, headers=dict(headers)),
            )
        return cast("DecisionOut", msgspec.Raw(keyed.body))
    answer = await runtime.answer([ticket], [data], request.scope["state"])
    result = answer.results[0]
    if isinstance(result, ClassifierError):
        raise result
    # The bytes stored with the prediction are this DecisionOut's JSON: send them as they are.
    return cast("DecisionOut", msgspec.Raw(result.json))


def _idempotency_key(request: Request[Any, Any, Any], runtime: Runtime) -> str | None:
    """The request's idempotency key (None: not sent, or switched off).

    Raises:
        WireError: 400, a malformed key.
    """
    window = runtime.settings.idempotency
    if not window.enabled:
        return None
    values = request.headers.getall(window.header, [])
    if len(values) > 1:  # which one the helpdesk meant is anyone's guess
        raise WireError(key_problem(window.header, f"sent {len(values)} times"))
    return parse_key(values[0].encode("latin-1"), window.header) if values else None


def _strict_ticket(body: bytes) -> TicketIn:
    try:
        return _ticket_decoder.decode(body)
    except msgspec.DecodeError as exc:
        raise WireError(classify_decode_error(str(exc))) from exc
    except RecursionError as exc:
        raise WireError(too_deep_body()) from exc


def _core_error(exc: ClassifierError, index: int) -> ErrorOut:
    prefix = f"tickets[{index}]"
    if isinstance(exc, InvalidTicket):
        return error_body(422, f"{prefix}.{exc}", f"{prefix}.{exc.field}", "invalid_ticket")
    return error_body(422, f"{prefix}: {exc}", prefix)


def _all_tickets(body: bytes) -> list[TicketIn] | None:
    # The usual batch is all valid: one typed decode of the whole body is cheaper than one
    # per item. Any invalid item sends the batch through the per-item path for its errors.
    try:
        return _whole_decoder.decode(body).tickets
    except (msgspec.DecodeError, RecursionError):
        return None


def _convert_item(
    item: TicketIn, index: int, runtime: Runtime
) -> tuple[TicketIn, Ticket] | ErrorOut:
    try:
        return item, to_ticket(item, runtime.settings.limits)
    except LimitExceeded as exc:
        return error_body(413, f"tickets[{index}].{exc}", f"tickets[{index}].{exc.field}")
    except ClassifierError as exc:
        return _core_error(exc, index)


def _decode_item(raw: bytes, index: int, runtime: Runtime) -> tuple[TicketIn, Ticket] | ErrorOut:
    try:
        item = _ticket_decoder.decode(raw)
        return item, to_ticket(item, runtime.settings.limits)
    except msgspec.ValidationError as exc:
        err = classify_decode_error(str(exc))
        prefix = f"tickets[{index}]"
        field = f"{prefix}.{err.field}" if err.field else prefix
        return error_body(err.status, f"{prefix}.{err.detail}", field, err.error)
    except RecursionError:
        err = too_deep_body()
        return error_body(
            err.status, f"tickets[{index}].{err.detail}", f"tickets[{index}]", err.error
        )
    except LimitExceeded as exc:
        return error_body(413, f"tickets[{index}].{exc}", f"tickets[{index}].{exc.field}")
    except ClassifierError as exc:
        return _core_error(exc, index)


@dataclass
class _Prepared:
    """A batch decoded and decided in a worker thread, waiting to be stored and answered."""

    results: list[_EncodedItem]
    slots: list[int]
    decided: Decided | None


def _count(body: bytes, limit: int) -> list[msgspec.Raw]:
    # Counted before the typed decode: 5,000,000 `{}` items (15 MB) took 6 s to decode into
    # TicketIn structs just to be refused; as raw items they take ~0.7 s.
    try:
        raw_items = _batch_decoder.decode(body).tickets
    except msgspec.DecodeError as exc:
        raise WireError(classify_decode_error(str(exc))) from exc
    except RecursionError as exc:
        raise WireError(too_deep_body()) from exc
    if len(raw_items) > limit:
        raise LimitExceeded("tickets", limit, len(raw_items), unit="tickets")
    return raw_items


def _prepare_batch(body: bytes, runtime: Runtime) -> _Prepared:
    """Decode, check and decide a batch body (CPU only: runs in a worker thread)."""
    raw_items = _count(body, runtime.settings.limits.batch_size)
    typed = _all_tickets(body)
    results: list[_EncodedItem] = []
    good_wire: list[TicketIn] = []
    good_tickets: list[Ticket] = []
    slots: list[int] = []
    for index in range(len(raw_items)):
        decoded = (
            _decode_item(raw_items[index], index, runtime)
            if typed is None
            else _convert_item(typed[index], index, runtime)
        )
        if isinstance(decoded, ErrorOut):
            results.append(_EncodedItem(index=index, error=decoded))
            continue
        results.append(_EncodedItem(index=index))
        slots.append(index)
        good_wire.append(decoded[0])
        good_tickets.append(decoded[1])
    decided = runtime.decide_all(good_tickets, good_wire) if good_tickets else None
    return _Prepared(results, slots, decided)


@LeanRoute(
    "/v1/predict/batch",
    http_method="POST",
    operation_id="predictBatch",
    guards=[require("predict")],
    status_code=200,
    tags=["predict"],
    operation_class=_BatchOperation,
    response_class=FastJsonResponse,
    opt={JSON_BODY: True},
    security=bearer("predict"),
    responses=errors(400, 401, 403, 413, 415, 422),
)
async def predict_batch(runtime: RuntimeDep, request: Request[Any, Any, Any]) -> BatchOut:
    """Decide up to 1,000 tickets with one model call; a bad ticket gets its own error entry."""
    window = runtime.settings.idempotency
    if window.enabled and window.header in request.headers:
        raise WireError(batch_key_refused(window.header))
    body = await request.body()
    if not body.strip():
        raise WireError(error_body(400, EMPTY_BODY, None, "empty_body"))
    # A full batch takes seconds of CPU: decided in a thread (one batch at a time per worker)
    # so health checks and single predictions keep being answered meanwhile.
    limiter = getattr(request.app.state, "batch_limiter", None)
    prepared = await to_thread.run_sync(_prepare_batch, body, runtime, limiter=limiter)
    results = prepared.results
    if prepared.decided is not None:
        answer = await runtime.finish(prepared.decided, request.scope["state"])
        for index, out in zip(prepared.slots, answer.results, strict=True):
            if isinstance(out, ClassifierError):
                results[index].error = _core_error(out, index)
            else:
                results[index].decision = msgspec.Raw(out.json)
    failed = sum(1 for r in results if r.error is not None)
    # Encodes to exactly the JSON of the documented BatchOut (see _EncodedItem).
    return cast("BatchOut", _EncodedBatch(count=len(results), failed=failed, results=results))
