"""Review extension of the service: stores every prediction, serves the review API and page.

`serving.app.create_app` calls `install(parts)`. With `settings.storage` unset (settings built
by hand, as in most tests) nothing is installed and predictions go to the NullSink.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta
from typing import TYPE_CHECKING

import structlog
from anyio import to_thread
from litestar import Litestar

from classifier.levels import PriorityScale
from serving.review.context import ReviewContext
from serving.storage.migrate import upgrade
from serving.storage.settings import StorageSettings
from serving.storage.sink import BufferedPredictionSink, SqlPredictionSink
from serving.storage.store import ReviewStore, utcnow

if TYPE_CHECKING:
    from serving.app import AppParts
    from serving.service import Runtime

log = structlog.get_logger("serving.review")

SESSION_SECRET_NAME = "review-session"  # noqa: S105 - the row name, not a secret
REDACT_EVERY_SECONDS = 3600.0


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


def _lifespan(
    context: ReviewContext, sink: BufferedPredictionSink | SqlPredictionSink
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if context.settings.migrate_on_start:
            await to_thread.run_sync(upgrade, context.settings.database_url)
        context.session_secret = (await context.store.secret(SESSION_SECRET_NAME)).encode()
        app.state.review = context
        if isinstance(sink, BufferedPredictionSink):
            sink.start()
        task = asyncio.create_task(_redact_forever(context))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            if isinstance(sink, BufferedPredictionSink):
                await sink.close()
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
        sink = BufferedPredictionSink(store, flush_seconds=settings.prediction_flush_ms / 1000)
    else:
        sink = SqlPredictionSink(store)
    context = ReviewContext(
        store=store,
        settings=settings,
        scale=lambda: scale_of(runtime),
        flush_predictions=sink.flush,
    )
    runtime.sink = sink
    parts.route_handlers.extend([ReviewApi, ReviewPage, static_router()])
    parts.exception_handlers[NotFoundException] = not_found
    parts.lifespans.append(_lifespan(context, sink))
