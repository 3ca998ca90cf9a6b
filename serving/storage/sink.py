"""SQL `PredictionSink`s: every answered ticket lands in the review store.

`SqlPredictionSink` writes inside the request (durable before the response, one transaction
per request: ~2-15 ms on SQLite). `BufferedPredictionSink` queues records in memory and a
background task writes them in batches every `flush_seconds` (~0.1 ms CPU per record), so
predicting never waits for the disk; a crash loses at most the last interval's predictions,
never a review (reviews are always written before their 2xx).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from serving.storage.records import StoredPredictionLike
from serving.storage.store import ReviewStore

log = logging.getLogger(__name__)
BATCH = 2_000


class SqlPredictionSink:
    """Writes each request's predictions in one transaction before the response goes out.

    A database outage must not take prediction down with it: a failed write is logged (ids
    and the error only, never ticket text), counted in `failed_writes`, and the caller still
    gets its answer; those predictions cannot be reviewed.
    """

    def __init__(self, store: ReviewStore) -> None:
        """Write into `store`."""
        self.store = store
        self.failed_writes = 0

    async def save(self, records: Sequence[StoredPredictionLike]) -> None:
        """Persist the records of one request (one or many tickets)."""
        try:
            await self.store.save_predictions(records)
        except (SQLAlchemyError, OSError) as exc:
            self.failed_writes += len(records)
            log.error(
                "prediction store write failed",
                extra={"count": len(records), "error": type(exc).__name__},
            )

    async def flush(self) -> None:
        """Nothing is buffered."""


class BufferedPredictionSink:
    """Queues predictions and writes them in batches from a background task.

    Call `start()` once the event loop runs and `close()` at shutdown (it writes what is
    left). When the database is down the queue keeps up to `max_pending` records for the
    next attempt and drops the oldest beyond that (counted in `dropped`).
    """

    def __init__(
        self, store: ReviewStore, flush_seconds: float = 0.2, max_pending: int = 100_000
    ) -> None:
        """Buffer for `store`, flushing every `flush_seconds`."""
        self.store = store
        self.flush_seconds = flush_seconds
        self.max_pending = max_pending
        self.failed_writes = 0
        self.dropped = 0
        self._pending: list[StoredPredictionLike] = []
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def pending(self) -> int:
        """Records waiting to be written."""
        return len(self._pending)

    async def save(self, records: Sequence[StoredPredictionLike]) -> None:
        """Queue the records of one request; returns without touching the database."""
        self._pending.extend(records)
        overflow = len(self._pending) - self.max_pending
        if overflow > 0:
            del self._pending[:overflow]
            self.dropped += overflow
            log.error("prediction queue full, oldest dropped", extra={"count": overflow})
        if len(self._pending) >= BATCH:
            self._wake.set()

    async def flush(self) -> None:
        """Write everything queued so far (also called before a review of an unknown id)."""
        async with self._lock:
            while self._pending:
                batch = self._pending[:BATCH]
                try:
                    await self.store.save_predictions(batch)
                except IntegrityError:
                    await self._one_by_one(batch)
                except (SQLAlchemyError, OSError) as exc:
                    self.failed_writes += len(batch)
                    log.error(
                        "prediction store write failed; will retry",
                        extra={"count": len(batch), "error": type(exc).__name__},
                    )
                    return
                del self._pending[: len(batch)]

    async def _one_by_one(self, batch: Sequence[StoredPredictionLike]) -> None:
        # A record the database refuses (e.g. a repeated id) must not block the others.
        for record in batch:
            try:
                await self.store.save_predictions([record])
            except IntegrityError:
                self.failed_writes += 1
                log.error("prediction refused by the database", extra={"id": record.prediction_id})

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.flush_seconds)
            self._wake.clear()
            try:
                await self.flush()
            except Exception as exc:  # noqa: BLE001 - the writer must outlive any bad batch
                log.error("prediction writer error", extra={"error": type(exc).__name__})

    def start(self) -> None:
        """Start the background writer on the running loop."""
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def close(self) -> None:
        """Stop the writer and write what is left."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self.flush()
