"""Engines for the review store: one URL from the settings, async for the service, sync for
migrations and training.

SQLite gets WAL (readers never wait for the writer), `synchronous=FULL` (a committed review
survives a crash) and a busy timeout (several workers share one file). The WAL is folded back
into the database every ~40 MB instead of SQLite's 4 MB: the index pages every stored
prediction touches are then copied once per checkpoint rather than after every batch (about a
quarter less CPU per stored prediction at 100k rows). A new database gets 16 KiB pages instead
of 4 KiB: a stored prediction (~2.4 KB with its request and decision) then shares its page with
several others, and SQLite's insert costs about a fifth less CPU (24-27 -> 18-21 us per row,
same WAL size; an existing file keeps its page size). Write transactions on SQLite start with
`BEGIN IMMEDIATE` so two writers queue up instead of failing on a lock upgrade; PostgreSQL
serialises writers with row locks instead.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from training.settings import safe_url

IMMEDIATE = "tp_sqlite_immediate"  # execution option: open this transaction for writing
_BUSY_TIMEOUT_MS = 15_000
_PAGE_BYTES = 16_384  # for new files; SQLite ignores it once a file has tables
_CHECKPOINT_BYTES = 40 * 1024 * 1024


DATABASE_URL_EXAMPLE = "sqlite:///reviews.db or postgresql://user:password@localhost:5432/tickets"


class DatabaseUrlError(ValueError):
    """The database URL names a backend the store does not support.

    `reason` says what is wrong without naming where the URL came from (the `db` commands say
    `--database-url` or the variable it came from); the message names TP_DATABASE_URL.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(f"TP_DATABASE_URL {reason}; use e.g. {DATABASE_URL_EXAMPLE}")
        self.reason = reason


def _parse(url: str) -> URL:
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise DatabaseUrlError(f"{safe_url(url)!r} is not a database URL") from exc
    backend = parsed.get_backend_name()
    if backend not in {"sqlite", "postgresql"}:
        raise DatabaseUrlError(f"uses {backend!r}; the review store supports sqlite and postgresql")
    return parsed


def async_url(url: str) -> URL:
    """The URL with an async driver (aiosqlite or psycopg 3)."""
    parsed = _parse(url)
    driver = "aiosqlite" if parsed.get_backend_name() == "sqlite" else "psycopg"
    return parsed.set(drivername=f"{parsed.get_backend_name()}+{driver}")


def sync_url(url: str) -> URL:
    """The URL with a sync driver (sqlite3 or psycopg 3)."""
    parsed = _parse(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite")
    return parsed.set(drivername="postgresql+psycopg")


def is_sqlite(url: str | URL) -> bool:
    """True when the URL points at SQLite."""
    parsed = url if isinstance(url, URL) else _parse(url)
    return parsed.get_backend_name() == "sqlite"


def sqlite_file_missing(url: str) -> bool:
    """True for a SQLite URL whose file does not exist yet (in-memory databases always do)."""
    if not is_sqlite(url):
        return False
    database = sync_url(url).database or ""
    return database != ":memory:" and not Path(database).is_file()


def _create_private(url: URL) -> None:
    """Create a missing SQLite file readable by its owner only, before SQLite creates it with
    the umask's mode (0644): it holds ticket text and the review page's session secret.
    SQLite gives its -wal and -shm files the same mode."""
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return
    path = Path(database)
    if path.parent.is_dir() and not path.exists():
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so BEGIN below is the only one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA page_size={_PAGE_BYTES}")  # before WAL, which fixes it
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA page_size")
        page_bytes = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA wal_autocheckpoint={_CHECKPOINT_BYTES // page_bytes}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class _ErrorNamesOnly(logging.Filter):
    """Replaces exceptions in a log record's arguments with their class names.

    psycopg logs errors it ignores while ending a pipeline or a transaction ("error ignored
    terminating ...: %s") with the server's message, whose CONTEXT quotes the statement's
    data: ticket text, which must not reach the logs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and any(isinstance(arg, BaseException) for arg in args):
            record.args = tuple(
                type(arg).__name__ if isinstance(arg, BaseException) else arg for arg in args
            )
        return True


def _quiet_driver_errors() -> None:
    driver_log = logging.getLogger("psycopg")
    if not any(isinstance(found, _ErrorNamesOnly) for found in driver_log.filters):
        driver_log.addFilter(_ErrorNamesOnly())


def _json(value: Any) -> str:
    # msgspec encodes the stored request/decision dicts several times faster than json.dumps.
    return msgspec.json.encode(value).decode()


def make_async_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for the service (pool sized for a few concurrent writers)."""
    kwargs.setdefault("json_serializer", _json)
    kwargs.setdefault("hide_parameters", True)  # statement values are ticket text and notes
    target = async_url(url)
    if is_sqlite(target):
        _create_private(target)
        engine = create_async_engine(target, **kwargs)
        _install_sqlite_hooks(engine.sync_engine)
        return engine
    _quiet_driver_errors()
    return create_async_engine(target, pool_pre_ping=True, **kwargs)


def make_sync_engine(url: str, **kwargs: Any) -> Engine:
    """A sync engine for migrations, the CLI and training."""
    kwargs.setdefault("json_serializer", _json)
    kwargs.setdefault("hide_parameters", True)  # errors are logged; values are personal data
    target = sync_url(url)
    if is_sqlite(target):
        _create_private(target)
    engine = create_engine(target, **kwargs)
    if is_sqlite(target):
        _install_sqlite_hooks(engine)
    else:
        _quiet_driver_errors()
    return engine
