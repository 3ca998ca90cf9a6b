"""Review API: the queue, one review per prediction, the training export, agreement stats.

Every route needs a key with the `review` scope. Errors use the service's `ErrorOut` body:
404 unknown prediction, 409 already reviewed with another verdict (send `force`; the same
verdict again returns the stored review), 422 unknown level or reason,
any query parameter or body field that does not validate (named in `field`) and an unknown time
zone (`tz` of the queue and the agreement stats: `invalid_time_zone`), 400 malformed JSON.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, tzinfo
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import ValidationException
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Stream
from litestar.status_codes import (
    HTTP_201_CREATED,
    HTTP_400_BAD_REQUEST,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
)

from serving.auth import require
from serving.errors import (
    EMPTY_BODY,
    JSON_BODY,
    WireError,
    classify_decode_error,
    error_body,
    is_missing_body,
)
from serving.openapi import ExportOperation, QueryOperation, bearer, errors
from serving.review.context import ReviewContext, provide_review
from serving.review.schemas import (
    AgreementOut,
    QueueOut,
    ReasonOut,
    ReviewIn,
    ReviewOut,
    agreement_out,
    queue_item_out,
    review_out,
)
from serving.review.time_zones import MAX_NAME, agent_zone
from serving.schemas import ErrorOut
from serving.storage.export import csv_chunks, export_rows, jsonl_line
from serving.storage.records import (
    AlreadyReviewed,
    InvalidReview,
    PredictionNotFound,
    QueueFilters,
    ReviewError,
    ReviewInput,
)
from serving.storage.stats import agreement

ReviewDep = NamedDependency[ReviewContext]


def review_error_response(_: Request[Any, Any, Any], exc: ReviewError) -> Response[ErrorOut]:
    """Map a store error to its status with an `ErrorOut` body."""
    if isinstance(exc, PredictionNotFound):
        body = error_body(HTTP_404_NOT_FOUND, str(exc), "prediction_id", "unknown_prediction")
    elif isinstance(exc, AlreadyReviewed):
        body = error_body(HTTP_409_CONFLICT, str(exc), "force", "already_reviewed")
    elif isinstance(exc, InvalidReview):
        body = error_body(HTTP_422_UNPROCESSABLE_ENTITY, str(exc), exc.field, "invalid_review")
    else:
        body = error_body(HTTP_422_UNPROCESSABLE_ENTITY, str(exc))
    return Response(content=body, status_code=body.status, media_type=MediaType.JSON)


_MOMENT = (
    "An ISO date or time, e.g. 2026-11-01 or 2026-11-01T08:00:00Z; without a zone, UTC. "
    "Between 0001-01-01 and 9999-12-31 in UTC."
)
_MOMENT_IN_ZONE = (
    "An ISO date or time, e.g. 2026-11-01 or 2026-11-01T08:00:00Z; without a zone, in `tz` "
    "(a date: its midnight there). Between 0001-01-01 and 9999-12-31 in UTC."
)
_ZONE = (
    "The IANA time zone whose calendar days `over_time` counts, and in which `since` and "
    "`until` without a zone are read, e.g. Europe/Helsinki or America/Los_Angeles; default "
    "UTC. An unknown name is a 422, like any other parameter that does not validate."
)
_RECEIVED = (
    "A date like 2026-11-01 (included): tickets received from or until that day, a calendar "
    "day in `tz` (UTC without it)."
)
_QUEUE_ZONE = (
    "The IANA time zone whose calendar days `received_from` and `received_until` are, e.g. "
    "Europe/Helsinki or America/Los_Angeles; default UTC. An unknown name is a 422, like any "
    "other parameter that does not validate."
)
MAX_OFFSET = 10**9  # as on the review page; larger values overflow SQLite's integers
# A `+` written unencoded in a query string arrives as a space: "10:00:00 01:00" means +01:00.
_SPACE_FOR_PLUS = re.compile(r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


def _invalid(name: str, problem: str) -> ValidationException:
    return ValidationException(extra=[{"key": name, "source": "query", "message": problem}])


def _moment(name: str, value: str | None, zone: tzinfo = UTC) -> datetime | None:
    """A query parameter's time in UTC: a date means its midnight; naive means in `zone`.

    Raises:
        ValidationException: not an ISO date or time, or outside what a datetime holds once
            in UTC (years 1 to 9999); answered 422 naming the parameter.
    """
    if value is None or not value.strip():
        return None
    text = _SPACE_FOR_PLUS.sub(r"\1+\2", value.strip())
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _invalid(
            name,
            f"{value!r} is not an ISO date or time; use e.g. 2026-11-01 or 2026-11-01T08:00:00Z",
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise _invalid(
            name,
            f"{value!r} is outside the supported range: from 0001-01-01T00:00:00Z to "
            "9999-12-31T23:59:59Z once converted to UTC",
        ) from None


def _zone(value: str | None) -> str | None:
    """The IANA name the `tz` query parameter gives (None: UTC).

    Raises:
        WireError: not a zone the system knows; answered 422 naming the parameter, like any
            other query parameter that does not validate.
    """
    zone = agent_zone(value)
    if zone.problem is not None:
        shown = (value or "").strip()[:MAX_NAME]
        raise WireError(
            error_body(
                HTTP_422_UNPROCESSABLE_ENTITY,
                f"query parameter 'tz': {shown!r} is not a known IANA time zone; use a name "
                "like Europe/Helsinki or America/Los_Angeles, or leave it out for UTC",
                "tz",
                "invalid_time_zone",
            )
        )
    return zone.iana


def review_validation_response(
    _: Request[Any, Any, Any], exc: ValidationException
) -> Response[ErrorOut]:
    """Parameter and body problems of review routes: 422 naming the parameter or field.

    A review field that is too long is an invalid value here (422), not an oversized request.
    """
    items = [i for i in exc.extra if isinstance(i, dict)] if isinstance(exc.extra, list) else []
    message = str(items[0].get("message") or exc.detail) if items else str(exc.detail)
    key = str(items[0].get("key") or "") if items else ""
    source = items[0].get("source") if items else None
    source = str(getattr(source, "value", source) or "body")
    if source == "body" and is_missing_body(key, message):
        body = error_body(HTTP_400_BAD_REQUEST, EMPTY_BODY, None, "empty_body")
    elif key and source != "body":
        body = error_body(
            HTTP_422_UNPROCESSABLE_ENTITY, f"{source} parameter {key!r}: {message}", key,
            "invalid_parameter",
        )  # fmt: skip
    else:
        if key and key != "data" and "at `$" not in message:
            message = f"{message} - at `$.{key}`"
        body = classify_decode_error(message)
        if body.status != HTTP_400_BAD_REQUEST:
            body = error_body(
                HTTP_422_UNPROCESSABLE_ENTITY, body.detail, body.field, "invalid_field"
            )
    return Response(content=body, status_code=body.status, media_type=MediaType.JSON)


def to_review_input(data: ReviewIn, key_id: str | None) -> ReviewInput:
    """The store's input from the wire body; the action follows from `level` when omitted."""
    action = data.action or ("override" if data.level is not None else "accept")
    return ReviewInput(
        agent=data.agent or key_id or "api",
        action=action,
        level=data.level,
        reason=data.reason,
        note=data.note,
        force=data.force,
        key_id=key_id,
    )


def _key_id(request: Request[Any, Any, Any]) -> str | None:
    value = request.scope.get("state", {}).get("api_key_id")
    return str(value) if value else None


async def export_stream(
    review: ReviewContext, since: datetime | None, format: Literal["csv", "jsonl"]
) -> Stream:
    """Reviewed tickets from `since` as a CSV or JSONL download (the API's and the page's)."""
    await review.catch_up()
    rows = export_rows(review.store, since)

    async def body() -> AsyncIterator[str]:
        if format == "jsonl":
            async for row in rows:
                yield jsonl_line(row)
            return
        header = True
        async for row in rows:
            for chunk in csv_chunks([row], header=header):
                yield chunk
            header = False
        if header:
            for chunk in csv_chunks([], header=True):
                yield chunk

    media = "text/csv" if format == "csv" else "application/x-ndjson"  # Litestar adds utf-8
    filename = f"reviews.{format}"
    return Stream(
        body(),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


class ReviewApi(Controller):
    """Review endpoints under /v1."""

    path = "/v1"
    tags = ("review",)
    guards = (require("review"),)
    security = bearer("review")
    exception_handlers = {  # noqa: RUF012 - Litestar API
        ReviewError: review_error_response,
        ValidationException: review_validation_response,
    }
    dependencies = {"review": Provide(provide_review, sync_to_thread=False)}  # noqa: RUF012

    @get(
        "/reviews/queue",
        operation_id="reviewQueue",
        responses=errors(401, 403, 422, 503),
        operation_class=QueryOperation,
    )
    async def queue(
        self,
        review: ReviewDep,
        *,
        level: FromQuery[str | None] = None,
        language: FromQuery[str | None] = None,
        rule: FromQuery[str | None] = None,
        model_version: FromQuery[str | None] = None,
        received_from: Annotated[date | None, QueryParameter(description=_RECEIVED)] = None,
        received_until: Annotated[date | None, QueryParameter(description=_RECEIVED)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
        offset: Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET)] = 0,
        tz: Annotated[str | None, QueryParameter(description=_QUEUE_ZONE)] = None,
    ) -> QueueOut:
        """Pending suggestions: earliest SLA first-response due first, then least confident.

        `received_from` and `received_until` are calendar days in `tz` (an IANA name such as
        Europe/Helsinki; UTC without it), as on the review page.
        """
        filters = QueueFilters(
            level, language, rule, model_version, received_from, received_until, _zone(tz)
        )
        await review.catch_up()
        items = await review.store.queue(filters, limit=limit, offset=offset)
        pending = await review.store.pending_count(filters)
        return QueueOut(pending=pending, items=[queue_item_out(item) for item in items])

    @get("/reviews/reasons", operation_id="reviewReasons", responses=errors(401, 403))
    async def reasons(self, review: ReviewDep) -> list[ReasonOut]:
        """The reason codes a reviewer may give."""
        return [ReasonOut(code=code, label=label) for code, label in review.settings.reasons]

    @post(
        "/predictions/{prediction_id:str}/review",
        operation_id="reviewPrediction",
        status_code=HTTP_201_CREATED,
        opt={JSON_BODY: True},
        responses=errors(400, 401, 403, 404, 409, 415, 422, 503),
    )
    async def review_prediction(
        self, request: Request[Any, Any, Any], review: ReviewDep, prediction_id: FromPath[str],
        data: JSONBody[ReviewIn],
    ) -> ReviewOut:  # fmt: skip
        """Accept or override one suggestion; stored and committed before the 201.

        Sending the current review's verdict again returns that review (nothing new is stored).
        """
        result = await review.review(prediction_id, to_review_input(data, _key_id(request)))
        return review_out(result)

    @get(
        "/reviews/export",
        operation_id="reviewExport",
        responses=errors(401, 403, 422, 503),
        operation_class=ExportOperation,
    )
    async def export(
        self,
        review: ReviewDep,
        since: Annotated[str | None, QueryParameter(description=_MOMENT)] = None,
        format: FromQuery[Literal["csv", "jsonl"]] = "csv",
    ) -> Stream:
        """Reviewed tickets as training rows (plain schema, `priority` = the final level)."""
        return await export_stream(review, _moment("since", since), format)

    @get(
        "/stats/agreement",
        operation_id="reviewAgreement",
        responses=errors(401, 403, 422, 503),
        operation_class=QueryOperation,
    )
    async def agreement_stats(
        self,
        review: ReviewDep,
        since: Annotated[str | None, QueryParameter(description=_MOMENT_IN_ZONE)] = None,
        until: Annotated[str | None, QueryParameter(description=_MOMENT_IN_ZONE)] = None,
        tz: Annotated[str | None, QueryParameter(description=_ZONE)] = None,
    ) -> AgreementOut:
        """Acceptance overall, per level, language, model version and day; override matrix.

        Days are calendar days in `tz` (an IANA name such as Europe/Helsinki; UTC without
        it), as on the review page's dashboard.
        """
        time_zone = _zone(tz)
        zone = ZoneInfo(time_zone) if time_zone else UTC
        start, end = _moment("since", since, zone), _moment("until", until, zone)
        stats = await agreement(
            review.store, review.scale().levels, start, end, time_zone=time_zone
        )
        return agreement_out(stats)
