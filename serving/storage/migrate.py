"""Apply the alembic migrations in `serving/storage/migrations/` to a database URL.

Several workers may start at once: PostgreSQL serialises them with an advisory lock, SQLite
with a lock file next to the database, so the schema is created exactly once.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from serving.storage.engine import is_sqlite, make_sync_engine, sqlite_file_missing, sync_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_PG_LOCK_KEY = 0x7470_7265_7669_6577  # "tpreview": any constant shared by all workers
PREFLIGHT_CONNECT_SECONDS = 5


class NewerSchema(RuntimeError):  # noqa: N818 - reads as the condition it reports
    """The database was migrated by a newer version of this code; this one must not touch it."""

    def __init__(self, url_shown: str, revision: str) -> None:
        self.revision = revision
        self.reason = (
            f"is at revision {revision}, which this version does not know (its newest is "
            f"{head_revision()}): a newer ticket-priority migrated it. Upgrade this service to "
            "that version, or point TP_DATABASE_URL at another database"
        )
        super().__init__(f"{url_shown} {self.reason}")


def alembic_config() -> Config:
    """An alembic Config pointing at the packaged migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


@contextmanager
def _sqlite_file_lock(url: str) -> Iterator[None]:
    database = sync_url(url).database
    if not database or database == ":memory:":
        yield
        return
    lock_path = Path(database).with_name(Path(database).name + ".migrate-lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(connection: Connection, revision: str) -> None:
    config = alembic_config()
    current = MigrationContext.configure(connection).get_current_revision()
    if current is not None and not is_known(current):
        raise NewerSchema(connection.engine.url.render_as_string(hide_password=True), current)
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def is_known(revision: str) -> bool:
    """Whether this code ships `revision` (False for one a newer version added)."""
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except Exception:  # noqa: BLE001 - alembic raises several kinds for an unknown id
        return False


def upgrade(url: str, revision: str = "head") -> str | None:
    """Bring the database at `url` to `revision` and return the revision it is now at.

    Args:
        url: database URL (sqlite:///file.db or postgresql://...).
        revision: target revision, `head` for the newest.
    """
    engine = make_sync_engine(url)
    try:
        if is_sqlite(url):
            with _sqlite_file_lock(url), engine.begin() as connection:
                _run(connection, revision)
        else:
            with engine.connect() as connection:
                connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
                connection.commit()
                try:
                    with connection.begin():
                        _run(connection, revision)
                finally:
                    connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
                    connection.commit()
        return current_revision(url)
    finally:
        engine.dispose()


def current_revision(url: str, *, connect_seconds: int | None = None) -> str | None:
    """The revision the database is at, or None when it has never been migrated.

    Args:
        url: database URL.
        connect_seconds: how long a PostgreSQL server gets to accept the connection
            (libpq's `connect_timeout`); unbounded when None.
    """
    extra: dict[str, Any] = {}
    if connect_seconds is not None and not is_sqlite(url):
        extra["connect_args"] = {"connect_timeout": connect_seconds}
    engine = make_sync_engine(url, **extra)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def check_not_newer(url: str) -> None:
    """Raise NewerSchema when the store exists and a newer version migrated it.

    A store not reachable yet (or a SQLite file not created yet) passes: the workers open it
    when it comes up. A PostgreSQL server gets PREFLIGHT_CONNECT_SECONDS to answer, so one
    that is down holds `serve` up that long at most.
    """
    if sqlite_file_missing(url):
        return
    try:
        revision = current_revision(url, connect_seconds=PREFLIGHT_CONNECT_SECONDS)
    except Exception:  # noqa: BLE001 - unreachable or not yet created: not this check's business
        return
    if revision is not None and not is_known(revision):
        raise NewerSchema(sync_url(url).render_as_string(hide_password=True), revision)


def head_revision() -> str | None:
    """The newest revision shipped with this code."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
