"""Served predictions into SQLite without SQLAlchemy's per-row work.

The service stores every prediction it answers, thousands a second during a backfill, on the
same core that answers them. SQLAlchemy's executemany runs a Python bind processor per column
per row (datetimes, JSON, booleans), which cost as much CPU as SQLite's own insert. Here the
rows are plain tuples already in the form SQLAlchemy would have produced for SQLite (naive
UTC `YYYY-MM-DD HH:MM:SS.ffffff` text, JSON text, 0/1), so what is read back is identical.
PostgreSQL keeps the generic Core insert.

A prediction whose idempotency key is already stored is skipped (`ON CONFLICT DO NOTHING` on
the key's unique index: a retry answered by another worker, or after a restart), and so are
its rules (`INSERT_KEYED_RULES` inserts them only next to a stored prediction).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from serving.persistence import EncodedPrediction
from serving.storage.models import KEYED

PREDICTION_COLUMNS = (
    "id", "external_id", "created_at", "model_name", "model_version", "rules_sha256",
    "priority", "source", "model_priority", "confidence", "language", "first_response_due",
    "review_required", "shadow", "request", "decision", "idempotency_key", "request_sha256",
    "answer",
)  # fmt: skip
# Built from the constant column names above; values are always bound parameters.
INSERT_PREDICTIONS = (
    f"INSERT INTO predictions ({', '.join(PREDICTION_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join('?' * len(PREDICTION_COLUMNS))}) "
    f"ON CONFLICT (idempotency_key) WHERE {KEYED} DO NOTHING"
)
INSERT_RULES = "INSERT INTO prediction_rules (prediction_id, rule_id) VALUES (?, ?)"
# For predictions with an idempotency key, which may have been skipped as repeats.
INSERT_KEYED_RULES = (
    "INSERT INTO prediction_rules (prediction_id, rule_id) SELECT ?1, ?2 "
    "WHERE EXISTS (SELECT 1 FROM predictions WHERE id = ?1)"
)

# The answer stored under an idempotency key (the key's partial unique index finds it): the
# answer's bytes, or for a prediction stored before migration 0006 its Decision.
STORED_ANSWER_SQLITE = (
    "SELECT request_sha256, answer IS NOT NULL, coalesce(answer, decision) FROM predictions "
    "WHERE idempotency_key = ? AND created_at >= ?"
)


def sqlite_time(moment: datetime | None) -> str | None:
    """A datetime as SQLAlchemy stores it in SQLite through `UtcDateTime` (naive UTC text)."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(sep=" ", timespec="microseconds")


def prediction_tuples(
    records: Sequence[EncodedPrediction],
) -> tuple[list[tuple[Any, ...]], list[tuple[str, str]], list[tuple[str, str]]]:
    """Parameter tuples for `INSERT_PREDICTIONS`, `INSERT_RULES` (predictions without an
    idempotency key) and `INSERT_KEYED_RULES` (with one)."""
    rows: list[tuple[Any, ...]] = []
    rules: list[tuple[str, str]] = []
    keyed_rules: list[tuple[str, str]] = []
    # A request's records share one created_at, and most of a batch's due times repeat (the
    # same moment plus the same few targets): format each distinct moment once.
    times: dict[datetime | None, str | None] = {None: None}
    for r in records:
        created = times.get(r.created_at)
        if created is None:
            created = times[r.created_at] = sqlite_time(r.created_at)
        due = r.first_response_due
        due_text = times.get(due)
        if due_text is None and due is not None:
            due_text = times[due] = sqlite_time(due)
        rows.append((
            r.prediction_id, r.external_id, created, r.model_name, r.model_version,
            r.rules_sha256, r.priority, r.source, r.model_priority, r.confidence, r.language,
            due_text, int(r.review_required), int(r.shadow),
            r.request_json.decode(), r.decision_json.decode(), r.idempotency_key,
            r.request_sha256, None if r.answer_json is None else r.answer_json.decode(),
        ))  # fmt: skip
        if r.rule_ids:
            prediction_id = r.prediction_id
            into = rules if r.idempotency_key is None else keyed_rules
            into.extend([(prediction_id, rule_id) for rule_id in r.rule_ids])
    return rows, rules, keyed_rules
