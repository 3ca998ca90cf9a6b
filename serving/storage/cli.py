"""`ticket-priority db ...`: migrate and inspect the review store by hand.

The service applies the migrations itself at start-up (`TP_DATABASE_MIGRATE`, default true);
these commands are for operators who turn that off or want to migrate before a deploy.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

import typer
from rich.console import Console

from training.settings import safe_url

console = Console()
err = Console(stderr=True, soft_wrap=True)  # an error line is not folded inside a path

db_app = typer.Typer(
    name="db",
    help="The review store (predictions and reviews): migrations, detected languages.",
    no_args_is_help=True,
)

UrlOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="sqlite:///reviews.db or postgresql://user:password@host:5432/db "
        "(default: TP_DATABASE_URL, else sqlite:///reviews.db).",
    ),
]


_OPTION = "--database-url"
_DEFAULT = "the default URL"


@dataclass(frozen=True)
class _Url:
    """The database URL a command uses and where it came from, for its error lines."""

    url: str
    source: str  # "--database-url", "TP_DATABASE_URL", "DATABASE_URL" or "the default URL"


def _url(database_url: str | None) -> _Url:
    from serving.storage.settings import StorageSettings, StorageSettingsError

    if database_url:
        return _Url(database_url, _OPTION)
    try:
        url = StorageSettings.from_env().database_url
    except StorageSettingsError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    # The same order as StorageSettings.from_env: TP_DATABASE_URL, DATABASE_URL, the default.
    named = (n for n in ("TP_DATABASE_URL", "DATABASE_URL") if os.environ.get(n, "").strip())
    return _Url(url, next(named, _DEFAULT))


@contextmanager
def _migration_log() -> Iterator[None]:
    """alembic's lines (which migrations ran) logged as the service logs (`TP_LOG_JSON`,
    `TP_LOG_LEVEL`) while a command runs: JSON lines on stdout by default."""
    from serving.logging import log_level, stdlib_handler
    from serving.settings import LogSettings

    settings = LogSettings.from_env(os.environ)
    logger = logging.getLogger("alembic")
    handler, level = stdlib_handler(settings), logger.level
    logger.addHandler(handler)
    logger.setLevel(log_level(settings))
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _fail(url: _Url, exc: Exception) -> typer.Exit:
    from serving.storage.engine import DATABASE_URL_EXAMPLE, DatabaseUrlError

    if isinstance(exc, DatabaseUrlError):
        detail = exc.reason  # its message names TP_DATABASE_URL, maybe not the source here
    else:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    fix = {_OPTION: "", _DEFAULT: " in TP_DATABASE_URL or --database-url"}.get(
        url.source, f" in {url.source} (or pass {_OPTION})"
    )
    err.print(
        f"[bold red]error:[/] {url.source} {safe_url(url.url)}: {detail}. Use e.g. "
        f"{DATABASE_URL_EXAMPLE}{fix}"
    )
    return typer.Exit(2)


@db_app.command("upgrade")
def upgrade(
    database_url: UrlOpt = None,
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Create or update the review store's tables (alembic; safe to repeat).

    Examples:

      ticket-priority db upgrade

      ticket-priority db upgrade
        --database-url postgresql://tp:secret@db:5432/tickets
    """
    from sqlalchemy.exc import SQLAlchemyError

    from serving.storage.engine import DatabaseUrlError
    from serving.storage.migrate import NewerSchema
    from serving.storage.migrate import upgrade as do_upgrade

    where = _url(database_url)
    url = where.url
    try:
        with _migration_log():
            now = do_upgrade(url, revision)
    except NewerSchema as exc:
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    except (DatabaseUrlError, SQLAlchemyError, OSError) as exc:
        raise _fail(where, exc) from exc
    console.print(f"{safe_url(url)} is at revision {now}")


@db_app.command("current")
def current(database_url: UrlOpt = None) -> None:
    """Show the store's revision and whether it is the newest this code ships.

    Example:

      ticket-priority db current --database-url sqlite:///reviews.db
    """
    from sqlalchemy.exc import SQLAlchemyError

    from serving.storage.engine import DatabaseUrlError, sqlite_file_missing
    from serving.storage.migrate import current_revision, head_revision, is_known

    where = _url(database_url)
    url = where.url
    try:
        if sqlite_file_missing(url):
            console.print(f"{safe_url(url)}: no database file; run: ticket-priority db upgrade")
            raise typer.Exit(1)
        revision = current_revision(url)
    except (DatabaseUrlError, SQLAlchemyError, OSError) as exc:
        raise _fail(where, exc) from exc
    head = head_revision()
    if revision is None:
        console.print(f"{safe_url(url)} is not migrated; run: ticket-priority db upgrade")
        raise typer.Exit(1)
    if revision == head:
        state = "up to date"
    elif is_known(revision):
        state = f"behind {head}; run: ticket-priority db upgrade"
    else:
        state = f"ahead of {head}, this version's newest: a newer ticket-priority migrated it"
    console.print(f"{safe_url(url)} is at revision {revision} ({state})")
    if revision != head:
        raise typer.Exit(1)


@db_app.command("detect-languages")
def detect_languages(database_url: UrlOpt = None) -> None:
    """Detect the language of stored predictions whose request named none.

    The service detects it when it stores a prediction; this fills the rows
    stored before, so the review queue's language filter finds them. Safe to
    repeat and to run while the service is up; text too short to tell stays
    without a language.

    Example:

      ticket-priority db detect-languages --database-url sqlite:///reviews.db
    """
    from sqlalchemy.exc import SQLAlchemyError

    from serving.storage.engine import DatabaseUrlError, make_sync_engine, sqlite_file_missing
    from serving.storage.languages import backfill

    where = _url(database_url)
    url = where.url
    try:
        if sqlite_file_missing(url):
            err.print(f"[bold red]error:[/] {safe_url(url)}: no database file; check the path")
            raise typer.Exit(2)
        engine = make_sync_engine(url)
        try:
            done = backfill(engine)
        finally:
            engine.dispose()
    except (DatabaseUrlError, SQLAlchemyError, OSError) as exc:
        raise _fail(where, exc) from exc
    console.print(
        f"{safe_url(url)}: {done.examined} predictions without a language; detected "
        f"{done.detected}, {done.examined - done.detected} too short or redacted to tell"
    )


def register(app: typer.Typer) -> None:
    """Attach `db upgrade`, `db current` and `db detect-languages` to the root CLI."""
    app.add_typer(db_app, name="db")
