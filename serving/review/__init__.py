"""Review extension of the service: stores every prediction, serves the review API and page.

`serving.app.create_app` calls `install(parts)`. With `settings.storage` unset (settings built
by hand, as in most tests) nothing is installed and predictions go to the NullSink.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta
from typing import TYPE_CHECKING

import structlog
from anyio import to_thread
from litestar import Litestar
from sqlalchemy.exc import SQLAlchemyError

from classifier.levels import PriorityScale
from serving.idempotency import store_claim, store_lookup
from serving.review.context import ReviewContext
from serving.storage.migrate import NewerSchema, upgrade
from serving.storage.settings import StorageSettings
from serving.storage.sink import BufferedPredictionSink, SqlPredictionSink
from serving.storage.store import ReviewStore, utcnow
from training.settings import safe_url

if TYPE_CHECKING:
    from serving.app import AppParts
    from serving.service import Runtime

log = structlog.get_logger("serving.review")

SESSION_SECRET_NAME = "review-session"  # noqa: S105 - the row name, not a secret
REDACT_EVERY_SECONDS = 3600.0
STORE_RETRY_SECONDS = 5.0


def scale_of(runtime: Runtime) -> PriorityScale:
    """The scale of the rules in force, or the default scale before rules load."""
    if runtime.rules.loaded:
        scale = getattr(runtime.rules.current.ruleset, "scale", None)
        if isinstance(scale, PriorityScale):
            return scale
    return PriorityScale.default_scale()


async def redact_once(context: ReviewContext) -> int:
    """Blank ticket text older than the configured number of days; returns how many."""
    days = context.settings.redact_text_after_days
    if days <= 0:
        return 0
    return await context.store.redact_text(utcnow() - timedelta(days=days))


async def _redact_forever(context: ReviewContext) -> None:
    while True:
        try:
            count = await redact_once(context)
            if count:
                log.info("text_redacted", count=count)
        except Exception as exc:  # noqa: BLE001 - the loop must outlive a database hiccup
            log.error("redaction_failed", error=type(exc).__name__)
        await asyncio.sleep(REDACT_EVERY_SECONDS)


async def _open(context: ReviewContext) -> None:
    """Migrate (if asked) and load the session secret: what the review endpoints need."""
    if context.settings.migrate_on_start:
        await to_thread.run_sync(upgrade, context.settings.database_url)
    context.session_secret = (await context.store.secret(SESSION_SECRET_NAME)).encode()


async def _try_open(context: ReviewContext) -> bool:
    """Open the store; False if it is unreachable, to try again later.

    True also when the store is refused for good: a newer release migrated it (`serve`
    refuses to start then, but a server unreachable at that moment can come back migrated).
    Either way `context.problem` says why (review endpoints answer 503 with it, readiness
    lists it) after one log line; the worker does not crash, so it does not restart in a loop.
    """
    try:
        await _open(context)
    except NewerSchema as exc:
        context.problem = f"review store refused: it {exc.reason}"  # no URL: readiness is public
        log.error("review_store_newer_schema", revision=exc.revision, problem=str(exc))
        return True
    except (SQLAlchemyError, OSError) as exc:
        context.problem = (
            f"review store unreachable ({type(exc).__name__}); trying again every "
            f"{STORE_RETRY_SECONDS:g} s; predictions are answered and queued meanwhile"
        )
        log.error(
            "review_store_unreachable",
            error=type(exc).__name__,
            reason=_first_line(exc),
            setting="TP_DATABASE_URL",
            database=safe_url(context.settings.database_url),
            retry_seconds=STORE_RETRY_SECONDS,
        )
        return False
    if context.problem is not None:
        log.info("review_store_reachable")
    context.problem = None
    return True


def _first_line(exc: Exception) -> str:
    # The driver's own message ("connection refused", 'database "x" does not exist'), not
    # SQLAlchemy's text around it, which quotes the statement and its parameters.
    return str(getattr(exc, "orig", None) or exc).strip().split("\n", 1)[0]


async def _open_when_reachable(context: ReviewContext) -> None:
    """Try the store again until it opens; review endpoints answer 503 until then."""
    while True:
        await asyncio.sleep(STORE_RETRY_SECONDS)
        if await _try_open(context):
            return


def _lifespan(
    context: ReviewContext, sink: BufferedPredictionSink | SqlPredictionSink
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        app.state.review = context
        tasks = []
        if not await _try_open(context):  # the usual case opens before the first request
            tasks.append(asyncio.create_task(_open_when_reachable(context)))
        if isinstance(sink, BufferedPredictionSink):
            sink.start()
        tasks.append(asyncio.create_task(_redact_forever(context)))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if isinstance(sink, BufferedPredictionSink):
                # A worker killed at TP_STOP_SECONDS never logs the second line: the pair
                # tells a finished close from one cut short.
                log.info("prediction_store_closing", queued=sink.pending, pid=os.getpid())
                await sink.close()
                log.info("prediction_store_closed", not_stored=sink.pending, pid=os.getpid())
            await context.store.dispose()

    return lifespan


def install(parts: AppParts) -> None:
    """Add the review store, API, page and their lifespan to the app being built."""
    settings: StorageSettings | None = parts.settings.storage
    if settings is None:
        return
    from litestar.exceptions import NotFoundException

    from serving.review.api import ReviewApi
    from serving.review.page import ReviewPage
    from serving.review.rendering import not_found, static_router

    runtime = parts.runtime
    store = ReviewStore.from_url(settings.database_url)
    sink: BufferedPredictionSink | SqlPredictionSink
    if settings.prediction_flush_ms > 0:
        sink = BufferedPredictionSink(
            store,
            flush_seconds=settings.prediction_flush_ms / 1000,
            max_pending=settings.prediction_queue,
            observer=runtime.metrics,
        )
    else:
        sink = SqlPredictionSink(store, observer=runtime.metrics)
    context = ReviewContext(
        store=store,
        settings=settings,
        scale=lambda: scale_of(runtime),
        flush_predictions=sink.flush,
    )
    window = parts.settings.idempotency
    if window.enabled:
        store.idempotency_window = timedelta(hours=window.hours)

        def available() -> bool:
            return context.problem is None and getattr(sink, "problem", None) is None

        runtime.find_answer = store_lookup(store, available)
        runtime.claim_answer = store_claim(store, available)
    runtime.sink = sink
    parts.route_handlers.extend([ReviewApi, ReviewPage, static_router()])
    parts.exception_handlers[NotFoundException] = not_found
    parts.lifespans.append(_lifespan(context, sink))
