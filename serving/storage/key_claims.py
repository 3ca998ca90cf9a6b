"""Claiming an idempotency key on SQLite: the keyed prediction stored before it is answered.

Every new keyed request writes here, so the write is kept short: one connection per worker
with `synchronous=NORMAL`, so a commit is not an fsync (8 ms p50 on this machine's disk, and
the write lock held meanwhile made concurrent claims queue behind each other in SQLite's busy
handler: p99 ~1 s at 8 connections). In WAL mode such a commit survives a crash of the
service; an OS crash or power cut may lose the claims since the last fsync, which the next
write of the review store's writer (`synchronous=FULL`) makes, at most a flush interval later
while predictions come in. Predictions without a key are kept less well still: queued in
memory for that interval.

Group commit: a worker writes one batch of claims at a time; claims arriving meanwhile wait
and go together in the next transaction, so concurrent requests take SQLite's write lock (which
the other workers and the review store's writer want too) once per batch, not once each.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from serving.persistence import EncodedPrediction
from serving.storage.fast_insert import (
    INSERT_PREDICTIONS,
    INSERT_RULES,
    STORED_ANSWER_SQLITE,
    prediction_tuples,
    sqlite_time,
)

BUSY_TIMEOUT_MS = 15_000  # as the engine's: another worker's batch holds the lock briefly
# Outside the window a key may be used again: an older prediction gives it up.
FORGET_EXPIRED = (
    "UPDATE predictions SET idempotency_key = NULL WHERE idempotency_key = ? AND created_at < ?"
)
# The key's holder as `STORED_ANSWER_SQLITE` reads it: (request fingerprint, whether the body
# is the answer as sent, body).
Holder = tuple[str | None, bool, str]


@dataclass(frozen=True, slots=True)
class KeyClaim:
    """One keyed prediction to store unless a prediction since `since` holds its key."""

    record: EncodedPrediction
    since: datetime


@dataclass(slots=True)
class _Waiting:
    claim: KeyClaim
    answer: asyncio.Future[Holder | None]


class SqliteKeyClaims:
    """Stores keyed predictions in the SQLite file at `path` unless their key is taken."""

    def __init__(self, path: Path) -> None:
        """Claim keys in the database file at `path` (opened on first use)."""
        self.path = path
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._queue: list[_Waiting] = []
        self._writer: asyncio.Task[None] | None = None

    async def claim(self, record: EncodedPrediction, since: datetime) -> Holder | None:
        """Store `record` (with its rules) unless a prediction since `since` holds its key;
        written with the other claims waiting in this worker, in one transaction.

        Returns:
            None when `record` now holds the key; else the holder's answer.

        Raises:
            sqlite3.Error: the batch's transaction failed (none of its claims is stored).
        """
        answer: asyncio.Future[Holder | None] = asyncio.get_running_loop().create_future()
        self._queue.append(_Waiting(KeyClaim(record, since), answer))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_queued())
        return await answer

    async def _write_queued(self) -> None:
        batch: list[_Waiting] = []
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                try:
                    holders = await asyncio.to_thread(
                        self.claim_all, [waiting.claim for waiting in batch]
                    )
                except Exception as exc:  # noqa: BLE001 - every claim of the batch failed with it
                    for waiting in batch:
                        if not waiting.answer.done():
                            waiting.answer.set_exception(exc)
                else:
                    for waiting, holder in zip(batch, holders, strict=True):
                        if not waiting.answer.done():  # its caller may have given up
                            waiting.answer.set_result(holder)
                batch = []
        finally:
            self._writer = None
            for waiting in [*batch, *self._queue]:  # only when cancelled (the loop is closing)
                if not waiting.answer.done():
                    waiting.answer.set_exception(RuntimeError("the key claims' writer stopped"))
            self._queue = []

    def claim_all(self, claims: list[KeyClaim]) -> list[Holder | None]:
        """Store each claim's record unless its key is held, in one transaction; a key twice
        in `claims` goes to the first. Blocking: call it in a worker thread.

        Returns:
            Per claim: None when its record now holds the key; else the holder's answer.
        """
        holders: list[Holder | None] = []
        with self._lock:
            if self._connection is None:
                self._connection = self._connect()
            connection = self._connection
            try:
                connection.execute("BEGIN IMMEDIATE")
                holders = [self._claim_one(connection, claim) for claim in claims]
                connection.execute("COMMIT")
            except Exception:
                self.close()  # rolls back; opened afresh next time (the file may be replaced)
                raise
        return holders

    @staticmethod
    def _claim_one(connection: sqlite3.Connection, claim: KeyClaim) -> Holder | None:
        record = claim.record
        rows, _, rules = prediction_tuples([record])
        window_start = sqlite_time(claim.since)
        connection.execute(FORGET_EXPIRED, (record.idempotency_key, window_start))
        with closing(connection.execute(INSERT_PREDICTIONS, rows[0])) as inserted:
            if inserted.rowcount == 1:
                if rules:
                    connection.executemany(INSERT_RULES, rules)
                return None
        found = connection.execute(STORED_ANSWER_SQLITE, (record.idempotency_key, window_start))
        with closing(found):
            holder = found.fetchone()
        if holder is None:  # pragma: no cover - the holder was redacted meanwhile
            raise RuntimeError(f"key {record.idempotency_key!r} was taken, its prediction is gone")
        return (holder[0], bool(holder[1]), holder[2])

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=0
        )
        connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("PRAGMA foreign_keys=ON")
        return connection

    def close(self) -> None:
        """Close the connection (an open transaction is rolled back)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
