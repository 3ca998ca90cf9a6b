"""SQL `PredictionSink`s: every answered ticket lands in the review store.

`SqlPredictionSink` writes inside the request (durable before the response, one transaction
per request: ~2-15 ms on SQLite). `BufferedPredictionSink` queues records in memory and a
background task writes them in batches every `flush_seconds` (~30-40 us CPU per record on
SQLite), so predicting never waits for the disk; a crash loses at most the queued predictions
(the last interval's, at most `max_pending`), never a review (reviews are always written
before their 2xx). The queue is bounded: when it is full a request waits for the writer
(back-pressure) instead of growing memory, so a sustained backfill runs at the pace the
database takes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from typing import Protocol

import structlog
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from serving.persistence import EncodedPrediction
from serving.storage.store import ReviewStore

log = structlog.get_logger("serving.storage.sink")
BATCH = 1_000
# The database refuses a record itself (a repeated id, a value it cannot hold), not the write:
# retrying the batch would refuse it again and hold up every later prediction.
REFUSED = (IntegrityError, DataError)
CLOSE_WAIT_SECONDS = 10.0  # for the writer's batch in progress at shutdown
CLOSE_ATTEMPTS = 4  # final writes; a database busy with another worker's last batch recovers
CLOSE_RETRY_SECONDS = 0.5  # pause before the next attempt, growing by this much each time
STALL_SECONDS = 2.0  # a write taking longer than this: requests stop waiting for the writer
# While writes fail, the writer tries again this often (not every flush interval, nor on
# every request): a database coming back is not met by a burst of connections, and the log
# gets one line a second per worker instead of one per request.
RETRY_SECONDS = 1.0
# While the queue is full every request drops its oldest: the first drop is logged at once,
# then one line at most this often with the count since the last line (a 25 s outage at
# ~300 predictions/s made 6,612 lines); tp_predictions_not_stored_total has every one.
DROP_LOG_SECONDS = 5.0


class StoreObserver(Protocol):
    """Told what happens to answered predictions on their way to the store (`/metrics`)."""

    def predictions_not_stored(self, reason: str, count: int) -> None:
        """`count` answered predictions will never be stored, for `reason`."""

    def predictions_queued(self, count: int) -> None:
        """`count` answered predictions wait for the writer now."""


class _Unobserved:
    def predictions_not_stored(self, reason: str, count: int) -> None:
        pass

    def predictions_queued(self, count: int) -> None:
        pass


class SqlPredictionSink:
    """Writes each request's predictions in one transaction before the response goes out.

    A database outage must not take prediction down with it: a failed write is logged (ids
    and the error only, never ticket text), counted in `failed_writes`, and the caller still
    gets its answer; those predictions cannot be reviewed.
    """

    def __init__(self, store: ReviewStore, observer: StoreObserver | None = None) -> None:
        """Write into `store`; `observer` counts the predictions a failed write loses."""
        self.store = store
        self.observer = observer or _Unobserved()
        self.failed_writes = 0

    async def save(self, records: Sequence[EncodedPrediction]) -> None:
        """Persist the records of one request (one or many tickets)."""
        try:
            await self.store.save_predictions(records)
        except (SQLAlchemyError, OSError) as exc:
            self.failed_writes += len(records)
            self.observer.predictions_not_stored("write_failed", len(records))
            log.error(
                "prediction_store_write_failed",
                count=len(records),
                error=type(exc).__name__,
            )

    async def flush(self) -> None:
        """Nothing is buffered."""


class BufferedPredictionSink:
    """Queues predictions and writes them in batches from a background task.

    Call `start()` once the event loop runs and `close()` at shutdown (it writes what is
    left). The queue holds about `max_pending` records: a request that would go past it waits
    (up to `max_wait_seconds`) while the writer drains the queue. When the writer cannot
    write (database down, a write hanging for `STALL_SECONDS`, or not started) nobody waits:
    the newest records are kept and the oldest beyond `max_pending` dropped (counted in
    `dropped`); `problem` says so for /health/ready.
    """

    def __init__(
        self,
        store: ReviewStore,
        flush_seconds: float = 0.2,
        max_pending: int = 2_000,
        max_wait_seconds: float = 10.0,
        observer: StoreObserver | None = None,
    ) -> None:
        """Buffer for `store`, flushing every `flush_seconds`; `observer` is told the queue's
        length after each pass of the writer and every prediction that will not be stored."""
        self.store = store
        self.observer = observer or _Unobserved()
        self.flush_seconds = flush_seconds
        self.max_pending = max_pending
        self.max_wait_seconds = max_wait_seconds
        self.failed_writes = 0
        self.dropped = 0
        self._pending: list[EncodedPrediction] = []
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._drained = asyncio.Event()
        self._healthy = True
        self._closing = False
        self._write_started: float | None = None
        self._task: asyncio.Task[None] | None = None
        self._drops_unlogged = 0
        # None: nothing dropped since the store last took a write
        self._drops_logged_at: float | None = None

    @property
    def pending(self) -> int:
        """Records waiting to be written."""
        return len(self._pending)

    def _has_room(self, count: int) -> bool:
        # An empty queue takes any request, so one larger than the bound still gets in.
        return not self._pending or len(self._pending) + count <= self.max_pending

    def _writing(self) -> bool:
        return self._task is not None and self._healthy and not self._stalled()

    def _stalled(self) -> bool:
        started = self._write_started
        return started is not None and time.monotonic() - started > STALL_SECONDS

    @property
    def problem(self) -> str | None:
        """Why predictions are not being stored right now, for /health/ready; None if they are."""
        if self._healthy and not self._stalled():
            return None
        cause = "a write has not finished" if self._healthy else "writes are failing"
        return (
            f"review store: {cause}; {len(self._pending)} predictions wait, {self.dropped} "
            "dropped so far (answers are unaffected; they cannot be reviewed until stored)"
        )

    async def _wait_for_room(self, count: int) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_wait_seconds
        while not self._has_room(count) and self._writing():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            self._wake.set()
            with contextlib.suppress(TimeoutError):  # look again now and then: a write may hang
                async with asyncio.timeout(min(remaining, STALL_SECONDS)):
                    await self._drained.wait()

    async def save(self, records: Sequence[EncodedPrediction]) -> None:
        """Queue the records of one request; waits only while the queue is full."""
        if not self._has_room(len(records)):
            await self._wait_for_room(len(records))
        self._pending.extend(records)
        bound = max(self.max_pending, len(records)) if self._writing() else self.max_pending
        overflow = len(self._pending) - bound
        if overflow > 0:
            del self._pending[:overflow]
            self.dropped += overflow
            self.observer.predictions_not_stored("queue_full", overflow)
            self.observer.predictions_queued(len(self._pending))
            self._drops_unlogged += overflow
            self._log_drops(due_only=True)
        if len(self._pending) >= BATCH and self._healthy:
            self._wake.set()

    def _log_drops(self, *, due_only: bool) -> None:
        """Log the drops not logged yet: the first at once, later ones when `due_only` only if
        the last such line is `DROP_LOG_SECONDS` old."""
        now = time.monotonic()
        if not self._drops_unlogged:
            return
        last = self._drops_logged_at
        if due_only and last is not None and now - last < DROP_LOG_SECONDS:
            return
        log.error(
            "prediction_queue_full_oldest_dropped",
            count=self._drops_unlogged,  # since the last such line
            dropped_total=self.dropped,  # by this worker
            over_seconds=None if last is None else round(now - last, 1),
            summary_every_seconds=DROP_LOG_SECONDS,
        )
        self._drops_unlogged = 0
        self._drops_logged_at = now

    def _signal_drained(self) -> None:
        # Wake every request waiting for room; each checks again and waits on a fresh event.
        self._drained.set()
        self._drained = asyncio.Event()

    async def flush(self) -> None:
        """Write everything queued so far (also called before a review of an unknown id)."""
        try:
            await self._write_pending()
        finally:
            self.observer.predictions_queued(len(self._pending))
            self._log_drops(due_only=True)  # a summary also when requests stopped coming

    async def _write_pending(self) -> None:
        async with self._lock:
            while self._pending:
                batch = self._pending[:BATCH]
                self._write_started = time.monotonic()
                try:
                    await self.store.save_predictions(batch)
                except REFUSED:
                    await self._one_by_one(batch)
                except (SQLAlchemyError, OSError) as exc:
                    self.failed_writes += len(batch)
                    self._healthy = False
                    self._signal_drained()  # waiting requests stop waiting
                    log.error(
                        "prediction_store_write_failed",
                        count=len(batch),
                        error=type(exc).__name__,
                    )
                    return
                finally:
                    self._write_started = None
                del self._pending[: len(batch)]
                self._healthy = True
                self._signal_drained()
                if self._drops_logged_at is not None:  # the store takes writes again
                    self._log_drops(due_only=False)
                    self._drops_logged_at = None  # the next drop is logged at once

    async def _one_by_one(self, batch: Sequence[EncodedPrediction]) -> None:
        # A record the database refuses (a repeated id, a value it cannot hold) is dropped and
        # counted, so it cannot block the others; the log names the id, never the ticket text.
        for record in batch:
            try:
                await self.store.save_predictions([record])
            except REFUSED as exc:
                self.failed_writes += 1
                self.observer.predictions_not_stored("refused", 1)
                log.error(
                    "prediction_refused_by_database",
                    id=record.prediction_id,
                    error=type(exc).__name__,
                )

    async def _run(self) -> None:
        while not self._closing:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow the cancel that
            # close() sends when it lands as the timeout fires, and shutdown then hangs.
            pause = self.flush_seconds if self._healthy else max(self.flush_seconds, RETRY_SECONDS)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(pause):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self.flush()
            except Exception as exc:  # noqa: BLE001 - the writer must outlive any bad batch
                log.error("prediction_writer_error", error=type(exc).__name__)

    def start(self) -> None:
        """Start the background writer on the running loop."""
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def close(self) -> None:
        """Let the writer finish its batch, then write what is left, retrying a busy database.

        The writer is asked to stop rather than cancelled: a cancel landing after a batch
        committed but before it left the queue would write it twice, and one landing inside a
        SQLite transaction could leave the final write facing a locked file.
        """
        if self._task is not None:
            self._closing = True
            self._wake.set()
            done, _ = await asyncio.wait({self._task}, timeout=CLOSE_WAIT_SECONDS)
            if not done:  # a write that hangs (database not answering): give up on it
                self._task.cancel()
                await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        self._signal_drained()
        for attempt in range(CLOSE_ATTEMPTS):
            try:
                async with asyncio.timeout(CLOSE_WAIT_SECONDS):
                    await self.flush()
            except TimeoutError:
                break  # the database does not answer; shutting down must not hang on it
            if not self._pending:
                return
            await asyncio.sleep(CLOSE_RETRY_SECONDS * (attempt + 1))
        self._log_drops(due_only=False)
        self.observer.predictions_not_stored("shutdown", len(self._pending))
        log.error("predictions_not_stored_at_shutdown", count=len(self._pending))
