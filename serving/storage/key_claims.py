"""Claiming an idempotency key on SQLite: the keyed prediction stored before it is answered.

Every new keyed request writes here, so the write is kept short: one connection per worker
(claims take turns on it) with `synchronous=NORMAL`, so a commit is not an fsync (8 ms p50 on
this machine's disk, and the write lock held meanwhile made concurrent claims queue behind
each other in SQLite's busy handler: p99 ~1 s at 8 connections). In WAL mode such a commit
survives a crash of the service; an OS crash or power cut may lose the claims since the last
fsync, which the next write of the review store's writer (`synchronous=FULL`) makes, at most
a flush interval later while predictions come in. Predictions without a key are kept less
well still: queued in memory for that interval.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
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


class SqliteKeyClaims:
    """Stores keyed predictions in the SQLite file at `path` unless their key is taken.

    Blocking: call `claim` in a worker thread (`asyncio.to_thread`).
    """

    def __init__(self, path: Path) -> None:
        """Claim keys in the database file at `path` (opened on first use)."""
        self.path = path
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=0
        )
        connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("PRAGMA foreign_keys=ON")
        return connection

    def claim(
        self, record: EncodedPrediction, since: datetime
    ) -> tuple[str | None, bool, str] | None:
        """Store `record` (with its rules) unless a prediction since `since` holds its key.

        Returns:
            None when `record` now holds the key; else the holder's (request fingerprint,
            whether the body is the answer as sent, body), as `STORED_ANSWER_SQLITE` reads it.
        """
        rows, _, rules = prediction_tuples([record])
        window_start = sqlite_time(since)
        with self._lock:
            if self._connection is None:
                self._connection = self._connect()
            connection = self._connection
            try:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute(FORGET_EXPIRED, (record.idempotency_key, window_start))
                with closing(connection.execute(INSERT_PREDICTIONS, rows[0])) as inserted:
                    stored = inserted.rowcount == 1
                if stored:
                    if rules:
                        connection.executemany(INSERT_RULES, rules)
                    holder = None
                else:
                    found = connection.execute(
                        STORED_ANSWER_SQLITE, (record.idempotency_key, window_start)
                    )
                    with closing(found):
                        holder = found.fetchone()
                connection.execute("COMMIT")
            except sqlite3.Error:
                self.close()  # rolls back; opened afresh next time (the file may be replaced)
                raise
        if not stored and holder is None:  # pragma: no cover - the holder was redacted meanwhile
            raise RuntimeError(f"key {record.idempotency_key!r} was taken, its prediction is gone")
        return None if holder is None else (holder[0], bool(holder[1]), holder[2])

    def close(self) -> None:
        """Close the connection (an open transaction is rolled back)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
