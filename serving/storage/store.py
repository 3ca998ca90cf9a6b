"""The review store: predictions in, queue and details out; reviews, export and stats live in
their own modules and run on the sessions this class opens.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager, closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from anyio import to_thread
from sqlalchemy import Select, Text, cast, delete, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from serving.persistence import EncodedPrediction
from serving.storage import extract
from serving.storage.engine import IMMEDIATE, make_async_engine
from serving.storage.fast_insert import (
    INSERT_KEYED_RULES,
    INSERT_PREDICTIONS,
    INSERT_RULES,
    STORED_ANSWER_SQLITE,
    prediction_tuples,
    sqlite_time,
)
from serving.storage.key_claims import SqliteKeyClaims
from serving.storage.languages import needs_language, with_languages
from serving.storage.models import (
    KEYED,
    AppSecret,
    Prediction,
    PredictionRule,
    Review,
    RevokedSession,
)
from serving.storage.nul import NUL, storable, stored_text
from serving.storage.records import (
    PredictionDetail,
    QueueFilters,
    QueueItem,
    ReviewResult,
)

_REDACT_CHUNK = 500


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def day_start(day: date, time_zone: str | None = None) -> datetime:
    """The moment `day` begins in `time_zone` (an IANA name; None: UTC), in UTC."""
    zone = ZoneInfo(time_zone) if time_zone else UTC
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def prediction_from_dicts(
    *,
    prediction_id: str,
    external_id: str | None,
    created_at: datetime,
    request: Mapping[str, Any],
    decision: Mapping[str, Any],
    model_version: str | None,
    rules_sha256: str,
    model_name: str | None = None,
) -> EncodedPrediction:
    """The stored form of a prediction whose request and Decision are JSON-ready dicts.

    For tests and tools; the service encodes its wire structs directly
    (`serving.service.encode_prediction`). The queue columns are read from the dicts.
    """
    model_priority, confidence = extract.model_view(decision)
    model = decision.get("model") if isinstance(decision.get("model"), dict) else {}
    language = request.get("language") or decision.get("language")
    return EncodedPrediction(
        prediction_id=prediction_id,
        external_id=external_id,
        created_at=created_at,
        model_version=model_version,
        rules_sha256=rules_sha256,
        model_name=model_name or (model or {}).get("model_name"),
        priority=str(decision.get("priority", "")),
        source=str(decision.get("source", "")),
        model_priority=model_priority,
        confidence=confidence,
        language=str(language) if language else None,
        first_response_due=extract.first_response_due(decision),
        review_required=bool(decision.get("review_required", False)),
        shadow=decision.get("shadow_model_priority") is not None,
        rule_ids=tuple(extract.fired_rule_ids(decision)),
        request_json=msgspec.json.encode(request),
        decision_json=msgspec.json.encode(decision),
    )


def encoded_row(record: EncodedPrediction) -> dict[str, Any]:
    """Columns of one `predictions` row for a `serving.persistence.EncodedPrediction`.

    The JSON columns get the already-encoded bytes as `msgspec.Raw`, which the engine's JSON
    serializer writes through unchanged.
    """
    return {
        "id": record.prediction_id,
        "external_id": record.external_id,
        "created_at": record.created_at,
        "model_name": record.model_name,
        "model_version": record.model_version,
        "rules_sha256": record.rules_sha256,
        "priority": record.priority,
        "source": record.source,
        "model_priority": record.model_priority,
        "confidence": record.confidence,
        "language": record.language,
        "first_response_due": record.first_response_due,
        "review_required": record.review_required,
        "shadow": record.shadow,
        "request": msgspec.Raw(record.request_json),
        "decision": msgspec.Raw(record.decision_json),
        "idempotency_key": record.idempotency_key,
        "request_sha256": record.request_sha256,
        "answer": None if record.answer_json is None else record.answer_json.decode(),
    }


class StoredAnswer(msgspec.Struct, frozen=True):
    """A prediction stored under an idempotency key: the request's fingerprint and its answer.

    Attributes:
        request_sha256: the fingerprint of the request the key came with.
        exact: `body` is the answer as sent; False for a prediction stored before migration
            0006, whose `body` is the Decision as the store holds it (JSONB reorders keys).
        body: the answer's JSON text.
    """

    request_sha256: str | None
    exact: bool
    body: str


def _stored_answer_query(idempotency_key: str, since: datetime) -> Select[str | None, bool, str]:
    decision = cast(Prediction.decision, Text)
    return (
        select(
            Prediction.request_sha256,
            Prediction.answer.is_not(None),
            func.coalesce(Prediction.answer, decision),
        )
        .where(Prediction.idempotency_key == idempotency_key)
        .where(Prediction.created_at >= since)
    )


def _forget_expired(keys: Sequence[str], before: datetime) -> Any:
    """Clear these keys from predictions older than `before`: outside the window a key may
    be used again."""
    return (
        update(Prediction)
        .where(Prediction.idempotency_key.in_(keys))
        .where(Prediction.created_at < before)
        .values(idempotency_key=None)
    )


def review_result(review: Review, replaced: bool = False) -> ReviewResult:
    """The dataclass view of a reviews row."""
    return ReviewResult(
        review_id=review.id,
        prediction_id=review.prediction_id,
        agent=review.agent,
        action="override" if review.action == "override" else "accept",
        suggested_level=review.suggested_level,
        final_level=review.final_level,
        model_priority=review.model_priority,
        reason=review.reason_code,
        note=review.note,
        created_at=review.created_at,
        replaced_previous=replaced,
        key_id=review.key_id,
    )


def _queue_item(row: Prediction, rules: tuple[str, ...]) -> QueueItem:
    return QueueItem(
        prediction_id=row.id,
        external_id=row.external_id,
        created_at=row.created_at,
        subject=str(row.request.get("subject") or ""),
        language=row.language,
        priority=row.priority,
        source=row.source,
        model_priority=row.model_priority,
        confidence=row.confidence,
        first_response_due=row.first_response_due,
        rules_fired=rules,
        model_version=row.model_version,
        review_required=row.review_required,
        shadow=row.shadow,
    )


# Earliest first-response due first (none last), then least confident (no model first).
QUEUE_ORDER = (
    Prediction.first_response_due.asc().nulls_last(),
    Prediction.confidence.asc().nulls_first(),
    Prediction.created_at.asc(),
    Prediction.id.asc(),
)


class ReviewStore:
    """Async access to predictions and reviews on SQLite or PostgreSQL.

    Attributes:
        idempotency_window: how long a stored idempotency key keeps a repeat out; an older
            one is cleared when the same key comes again (`TP_IDEMPOTENCY_HOURS`).
    """

    def __init__(self, engine: AsyncEngine) -> None:
        """Wrap an async engine (see `serving.storage.engine.make_async_engine`)."""
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self.idempotency_window = timedelta(hours=24)
        self._reader: sqlite3.Connection | None = None
        self._claims: SqliteKeyClaims | None = None

    @classmethod
    def from_url(cls, url: str) -> ReviewStore:
        """A store on the database at `url` (the schema must already be migrated)."""
        return cls(make_async_engine(url))

    async def dispose(self) -> None:
        """Close every pooled connection."""
        self._close_reader()
        if self._claims is not None:
            self._claims.close()
        await self.engine.dispose()

    def _sqlite_path(self) -> Path:
        return Path(str(self.engine.url.database)).resolve()

    def _key_claims(self) -> SqliteKeyClaims:
        if self._claims is None:
            self._claims = SqliteKeyClaims(self._sqlite_path())
        return self._claims

    def _close_reader(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reading."""
        async with self._sessions() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction commits on success and rolls back on error.

        On SQLite the transaction takes the write lock up front (BEGIN IMMEDIATE), so two
        writers wait for each other instead of failing when a read lock is upgraded.
        """
        async with self._sessions.begin() as session:
            await session.connection(execution_options={IMMEDIATE: True})
            yield session

    async def save_predictions(self, records: Sequence[EncodedPrediction]) -> None:
        """Store served predictions and the rules they fired, in one transaction.

        NUL characters in their text are stored as U+FFFD (`serving.storage.nul`). A
        prediction whose request named no language gets the one detected from its text
        (`serving.storage.languages`), so the queue's language filter finds it. A
        prediction whose idempotency key is stored already (within `idempotency_window`) is
        skipped: the store holds the first answer to a retried request.
        """
        if not records:
            return
        records = [storable(r) for r in records]
        if needs_language(records):
            # CPU-bound (~20-70 us a ticket): a thread, so the event loop keeps answering.
            records = await to_thread.run_sync(with_languages, records)
        keys = [r.idempotency_key for r in records if r.idempotency_key is not None]
        expired = utcnow() - self.idempotency_window
        if self.engine.dialect.name == "sqlite":
            await self._save_sqlite(records, keys, expired)
            return
        rows = [encoded_row(r) for r in records]
        rules = [
            {"prediction_id": r.prediction_id, "rule_id": rule_id}
            for r in records
            for rule_id in r.rule_ids
        ]
        # Core inserts (executemany) skip the ORM's per-object bookkeeping.
        async with self.write() as session:
            if not keys:
                await session.execute(insert(Prediction.__table__), rows)  # type: ignore[arg-type]
            else:
                await session.execute(_forget_expired(keys, expired))
                skipping = pg_insert(Prediction.__table__).on_conflict_do_nothing(  # type: ignore[arg-type]
                    index_elements=["idempotency_key"], index_where=text(KEYED)
                )
                stored = set((await session.scalars(skipping.returning(Prediction.id), rows)).all())
                rules = [rule for rule in rules if rule["prediction_id"] in stored]
            if rules:
                await session.execute(insert(PredictionRule.__table__), rules)  # type: ignore[arg-type]

    async def _save_sqlite(
        self, records: Sequence[EncodedPrediction], keys: list[str], expired: datetime
    ) -> None:
        rows, rules, keyed_rules = prediction_tuples(records)
        async with self.write() as session:
            connection = await session.connection()
            if keys:
                await session.execute(_forget_expired(keys, expired))
            await connection.exec_driver_sql(INSERT_PREDICTIONS, rows)
            if rules:
                await connection.exec_driver_sql(INSERT_RULES, rules)
            if keyed_rules:
                await connection.exec_driver_sql(INSERT_KEYED_RULES, keyed_rules)

    async def stored_answer(self, idempotency_key: str) -> StoredAnswer | None:
        """The prediction stored under this idempotency key within the window, or None."""
        since = utcnow() - self.idempotency_window
        if self.engine.dialect.name == "sqlite":
            return self._stored_answer_sqlite(idempotency_key, since)
        async with self.engine.connect() as connection:
            row = (await connection.execute(_stored_answer_query(idempotency_key, since))).first()
        return None if row is None else StoredAnswer(row[0], bool(row[1]), row[2])

    async def claim_key(self, record: EncodedPrediction) -> StoredAnswer | None:
        """Store a prediction made for an idempotency key unless another holds the key.

        One transaction: the prediction and its rules are written (`ON CONFLICT DO NOTHING`
        on the key's unique index) and, if the key was taken, the answer stored under it is
        read. PostgreSQL makes a second writer of the same key wait for the first to commit;
        SQLite's write lock (BEGIN IMMEDIATE) lets one writer in at a time (on SQLite through
        `serving.storage.key_claims`: without an fsync per claim, and claims arriving while
        the worker writes others go together in its next transaction).

        Returns:
            None when `record` now holds the key; else the answer stored under it.

        Raises:
            ValueError: the record has no idempotency key.
        """
        key = record.idempotency_key
        if key is None:
            raise ValueError(f"claim_key: prediction {record.prediction_id} has no idempotency key")
        record = storable(record)
        if record.language is None:  # as `save` does; a keyed request is answered after this
            (record,) = await to_thread.run_sync(with_languages, [record])
        since = utcnow() - self.idempotency_window
        if self.engine.dialect.name == "sqlite":
            holder = await self._key_claims().claim(record, since)
            return None if holder is None else StoredAnswer(*holder)
        async with self.write() as session:
            await session.execute(_forget_expired([key], since))
            skipping = pg_insert(Prediction.__table__).on_conflict_do_nothing(  # type: ignore[arg-type]
                index_elements=["idempotency_key"], index_where=text(KEYED)
            )
            stored = await session.scalars(skipping.returning(Prediction.id), [encoded_row(record)])
            if stored.all():
                if record.rule_ids:
                    fired = [
                        {"prediction_id": record.prediction_id, "rule_id": rule_id}
                        for rule_id in record.rule_ids
                    ]
                    await session.execute(insert(PredictionRule.__table__), fired)  # type: ignore[arg-type]
                return None
            row = (await session.execute(_stored_answer_query(key, since))).first()
        if row is None:  # pragma: no cover - the key's holder vanished (redacted) meanwhile
            raise RuntimeError(f"idempotency key {key!r} was taken but its prediction is gone")
        return StoredAnswer(row[0], bool(row[1]), row[2])

    def _stored_answer_sqlite(self, idempotency_key: str, since: datetime) -> StoredAnswer | None:
        # Asked before every request with a key, so not through the async engine (a thread
        # hop per call, ~1 ms a request under load): one read-only connection on the loop. In
        # WAL mode a reader never waits for writers, and the lookup is one probe of the
        # key's unique index; a busy or missing file raises at once (no busy timeout).
        if self._reader is None:
            path = self._sqlite_path()
            self._reader = sqlite3.connect(
                f"{path.as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
        try:
            with closing(
                self._reader.execute(STORED_ANSWER_SQLITE, (idempotency_key, sqlite_time(since)))
            ) as rows:
                row = rows.fetchone()
        except sqlite3.Error:
            self._close_reader()  # opened afresh next time (the file may have been replaced)
            raise
        return None if row is None else StoredAnswer(row[0], bool(row[1]), row[2])

    def _queue_query(self, filters: QueueFilters) -> Select[Prediction]:
        level, language, model_version, rule = (
            stored_text(value)
            for value in (filters.level, filters.language, filters.model_version, filters.rule)
        )
        query = select(Prediction).where(Prediction.reviewed_at.is_(None))
        if level:
            query = query.where(Prediction.priority == level)
        if language:
            query = query.where(func.lower(Prediction.language) == language.lower())
        if model_version:
            query = query.where(Prediction.model_version == model_version)
        if rule:
            fired = select(PredictionRule.prediction_id).where(PredictionRule.rule_id == rule)
            query = query.where(Prediction.id.in_(fired))
        if filters.received_from:
            start = day_start(filters.received_from, filters.time_zone)
            query = query.where(Prediction.created_at >= start)
        if filters.received_until:
            end = day_start(filters.received_until + timedelta(days=1), filters.time_zone)
            query = query.where(Prediction.created_at < end)
        return query

    async def queue(
        self, filters: QueueFilters | None = None, limit: int = 50, offset: int = 0
    ) -> list[QueueItem]:
        """Pending suggestions: earliest first-response due first, then least confident.

        Predictions without an SLA due time come after those with one; without a confidence
        (no model) they count as least confident.
        """
        query = self._queue_query(filters or QueueFilters()).order_by(*QUEUE_ORDER)
        async with self.read() as session:
            rows = list((await session.scalars(query.limit(limit).offset(offset))).all())
            rules = await self._rules_for(session, [row.id for row in rows])
        return [_queue_item(row, rules.get(row.id, ())) for row in rows]

    async def queue_ids(
        self, filters: QueueFilters | None = None, limit: int = 20_000
    ) -> list[str]:
        """The ids of the first `limit` pending suggestions, in queue order (for prev/next)."""
        query = self._queue_query(filters or QueueFilters()).order_by(*QUEUE_ORDER)
        async with self.read() as session:
            return list(
                (await session.scalars(query.with_only_columns(Prediction.id).limit(limit))).all()
            )

    async def pending_count(self, filters: QueueFilters | None = None) -> int:
        """How many suggestions wait for review (with the same filters as the queue)."""
        subquery = self._queue_query(filters or QueueFilters()).subquery()
        async with self.read() as session:
            return int(await session.scalar(select(func.count()).select_from(subquery)) or 0)

    async def pending_languages(self) -> list[str]:
        """The languages of the suggestions waiting for review, lower-cased as the queue's
        language filter compares them, in alphabetical order (for the page's filter)."""
        code = func.lower(Prediction.language)
        query = (
            select(code)
            .where(Prediction.reviewed_at.is_(None), Prediction.language.is_not(None))
            .where(Prediction.language != "")
            .distinct()
            .order_by(code)
        )
        async with self.read() as session:
            return list((await session.scalars(query)).all())

    @staticmethod
    async def _rules_for(session: AsyncSession, ids: list[str]) -> dict[str, tuple[str, ...]]:
        if not ids:
            return {}
        result = await session.execute(
            select(PredictionRule.prediction_id, PredictionRule.rule_id).where(
                PredictionRule.prediction_id.in_(ids)
            )
        )
        found: dict[str, list[str]] = {}
        for prediction_id, rule_id in result.all():
            found.setdefault(prediction_id, []).append(rule_id)
        return {key: tuple(value) for key, value in found.items()}

    async def detail(self, prediction_id: str) -> PredictionDetail | None:
        """One prediction with its reviews (oldest first), or None when the id is unknown."""
        if NUL in prediction_id:  # no id has one, and PostgreSQL refuses it as a parameter
            return None
        async with self.read() as session:
            row = await session.get(Prediction, prediction_id)
            if row is None:
                return None
            reviews = (
                await session.scalars(
                    select(Review)
                    .where(Review.prediction_id == prediction_id)
                    .order_by(Review.created_at, Review.id)
                )
            ).all()
            rule_ids = extract.fired_rule_ids(row.decision)
        return PredictionDetail(
            item=_queue_item(row, rule_ids),
            body=str(row.request.get("body") or ""),
            request=row.request,
            decision=row.decision,
            reasons=tuple(extract.reasons(row.decision)),
            redacted=row.redacted_at is not None,
            reviews=tuple(review_result(review) for review in reviews),
        )

    async def redact_text(self, older_than: datetime) -> int:
        """Blank the text (and custom attributes and model reasons) of predictions created before
        `older_than`; returns how many."""
        done = 0
        while True:
            async with self.write() as session:
                rows = (
                    await session.execute(
                        select(Prediction.id, Prediction.request, Prediction.decision)
                        .where(Prediction.created_at < older_than)
                        .where(Prediction.redacted_at.is_(None))
                        .limit(_REDACT_CHUNK)
                    )
                ).all()
                now = utcnow()
                for prediction_id, request, decision in rows:
                    await session.execute(
                        update(Prediction)
                        .where(Prediction.id == prediction_id)
                        .values(
                            request=extract.redacted(request),
                            decision=extract.redacted_decision(decision),
                            redacted_at=now,
                            idempotency_key=None,
                            answer=None,
                        )
                    )
            done += len(rows)
            if len(rows) < _REDACT_CHUNK:
                return done

    async def secret(self, name: str) -> str:
        """A random secret shared by every worker, created on first use."""
        async with self.read() as session:
            found = await session.get(AppSecret, name)
            if found is not None:
                return found.value
        try:
            async with self.write() as session:
                session.add(AppSecret(name=name, value=secrets.token_urlsafe(48)))
        except IntegrityError:
            pass  # another worker created it first; read theirs
        async with self.read() as session:
            found = await session.get(AppSecret, name)
            if found is None:  # pragma: no cover - would need a concurrent delete
                raise RuntimeError(f"secret {name!r} vanished right after it was created")
            return found.value

    async def revoke_session(self, nonce: str, expires_at: datetime) -> None:
        """Refuse the review-page session with this nonce until it would have expired.

        Revocations of sessions that have expired since are dropped on the way.
        """
        try:
            async with self.write() as session:
                expired = delete(RevokedSession).where(RevokedSession.expires_at < utcnow())
                await session.execute(expired)
                if await session.get(RevokedSession, nonce) is None:
                    session.add(RevokedSession(nonce=nonce, expires_at=expires_at))
        except IntegrityError:
            pass  # signed out twice at once: the other request revoked it

    async def session_revoked(self, nonce: str) -> bool:
        """Whether the review-page session with this nonce was signed out."""
        async with self.read() as session:
            return await session.get(RevokedSession, nonce) is not None
