"""Reviewed tickets as training rows: the plain schema plus the human's final label.

The rows stream from the database in pages (async for the API, sync for training), so an
export of a year of reviews never sits in memory; `csv_chunks` / `jsonl_line` turn them into
text chunks for a streaming response. The CSV is for people (spreadsheets): formula-like text
is neutralised; the JSON lines keep the raw values for tools and training.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Select, select
from sqlalchemy.orm import Session

from serving.storage import extract
from serving.storage.models import Prediction, Review
from serving.storage.store import ReviewStore

REVIEW_COLUMNS: tuple[str, ...] = (
    "priority",
    "suggested_priority",
    "model_priority",
    "review_action",
    "reason_code",
    "reviewed_at",
    "reviewed_by",
    "model_version",
    "prediction_id",
    "redacted",
)
PLAIN_COLUMNS: tuple[str, ...] = (
    "ticket_id",
    "created_at",
    "subject",
    "body",
    "language",
    "channel",
    *extract.CUSTOMER_FIELDS,
    "stated_urgency",
    "affected_users",
    "tags",
)
EXPORT_COLUMNS: tuple[str, ...] = PLAIN_COLUMNS + REVIEW_COLUMNS
_PAGE = 500


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def training_row(prediction: Prediction, review: Review) -> dict[str, Any]:
    """One export row: the ticket as requested, labelled with the reviewer's final level."""
    row = extract.to_plain_record(prediction.request)
    row["ticket_id"] = row.get("ticket_id") or prediction.external_id or prediction.id
    row["created_at"] = _iso(row.get("created_at") or prediction.created_at)
    row.update(
        priority=review.final_level,
        suggested_priority=review.suggested_level,
        model_priority=review.model_priority,
        review_action=review.action,
        reason_code=review.reason_code,
        reviewed_at=review.created_at.isoformat(),
        reviewed_by=review.agent,
        model_version=prediction.model_version,
        prediction_id=prediction.id,
        redacted=prediction.redacted_at is not None,
    )
    return row


def export_query(
    since: datetime | None = None, after: tuple[datetime, int] | None = None
) -> Select[Prediction, Review]:
    """One page of current reviews with their predictions, oldest first.

    Args:
        since: only reviews created at or after this time.
        after: keyset cursor, the (created_at, id) of the last review of the previous page.
    """
    query = (
        select(Prediction, Review)
        .join(Review, Review.prediction_id == Prediction.id)
        .where(Review.is_current)
        .order_by(Review.created_at, Review.id)
        .limit(_PAGE)
    )
    if since is not None:
        query = query.where(Review.created_at >= since)
    if after is not None:
        query = query.where(
            (Review.created_at > after[0])
            | ((Review.created_at == after[0]) & (Review.id > after[1]))
        )
    return query


async def export_rows(
    store: ReviewStore, since: datetime | None = None
) -> AsyncIterator[dict[str, Any]]:
    """Current reviews (one per prediction) reviewed at or after `since`, oldest first."""
    last: tuple[datetime, int] | None = None
    while True:
        async with store.read() as session:
            page = list((await session.execute(export_query(since, last))).all())
        for prediction, review in page:
            yield training_row(prediction, review)
        if len(page) < _PAGE:
            return
        last = (page[-1][1].created_at, page[-1][1].id)


def export_rows_sync(engine: Engine, since: datetime | None = None) -> Iterator[dict[str, Any]]:
    """`export_rows` on a sync engine (training reads the store without an event loop)."""
    last: tuple[datetime, int] | None = None
    while True:
        with Session(engine) as session:
            page = list(session.execute(export_query(since, last)).all())
        for prediction, review in page:
            yield training_row(prediction, review)
        if len(page) < _PAGE:
            return
        last = (page[-1][1].created_at, page[-1][1].id)


# A spreadsheet reads a cell starting with one of these as a formula; ticket text is written
# by customers, so `=HYPERLINK(...)` in a subject must stay text when a reviewer opens the CSV.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value  # OWASP's advice for CSV injection; numbers are left as numbers
    return value


def csv_chunks(rows: Iterable[dict[str, Any]], header: bool = True) -> Iterator[str]:
    """CSV text for rows (UTF-8 safe, any language), one chunk per row after the header.

    Text cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a
    tab or a carriage return) get a leading `'`; `jsonl_line` keeps every value as stored.
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(EXPORT_COLUMNS), extrasaction="ignore")
    if header:
        writer.writeheader()
    for row in rows:
        writer.writerow({key: _cell(row.get(key)) for key in EXPORT_COLUMNS})
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.getvalue():
        yield buffer.getvalue()


def jsonl_line(row: dict[str, Any]) -> str:
    """One JSON Lines record."""
    return json.dumps({key: row.get(key) for key in EXPORT_COLUMNS}, ensure_ascii=False) + "\n"
