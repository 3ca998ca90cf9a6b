"""The app factory: `create_app()` builds the Litestar app from settings.

`uvicorn.run("serving.app:create_app", factory=True)` calls it with no argument, so settings
then come from `TP_` variables. The lifespan loads the rules and the model once (in a worker
thread: MLflow and unpickling block) and starts the background reload loops.

Extensions: each module in `EXTENSIONS` that exists and defines `install(parts: AppParts)`
may add routes, lifespans, plugins or replace `parts.runtime.sink`; the review store and page
plug in this way without editing this file.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import os
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import structlog
from anyio import CapacityLimiter, to_thread
from litestar import Litestar, get
from litestar.di import Provide
from litestar.openapi.config import OpenAPIConfig
from litestar.response import Redirect
from litestar.types import ControllerRouterHandler

from serving.auth import Keyring
from serving.body_deadline import BodyDeadlineMiddleware
from serving.byte_order_mark import ByteOrderMarkMiddleware
from serving.compression import compression
from serving.errors import exception_handlers, refuse_unreadable_body
from serving.key_file import KeyFile
from serving.lean import defer_import, limit_malloc_arenas, release_free_memory
from serving.logging import RequestLogMiddleware, configure_logging
from serving.metrics import Metrics
from serving.model_store import ModelStore
from serving.openapi import components, swagger_assets, swagger_plugin
from serving.reload_signal import FILE_NAME as RELOAD_FILE
from serving.reload_signal import ReloadSignal
from serving.routes import provide_runtime
from serving.routes.favicon import favicon
from serving.routes.health import live, metrics, probe, ready
from serving.routes.meta import model_info, reload, rules
from serving.routes.predict import predict, predict_batch
from serving.rules_store import RulesStore
from serving.service import Runtime
from serving.settings import Settings

log = structlog.get_logger("serving.app")

EXTENSIONS: tuple[str, ...] = ("serving.review",)
Lifespan = Callable[[Litestar], AbstractAsyncContextManager[None]]
GC_YOUNG_THRESHOLD = 50_000
SIGNAL_SECONDS = 1.0  # how often a worker looks for a reload another worker answered


@dataclass
class AppParts:
    """What `create_app` is about to assemble; extensions add to it in `install(parts)`.

    Attributes:
        settings: the service settings.
        runtime: the shared runtime (set `runtime.sink` to store predictions).
        route_handlers: controllers and routers.
        lifespans: async context managers entered after the model and rules are loaded.
        plugins: Litestar plugins.
        exception_handlers: handlers that replace or add to the app's error map
            (`serving.errors.exception_handlers`).
        app_kwargs: any further `Litestar(...)` arguments (e.g. `template_config`).
    """

    settings: Settings
    runtime: Runtime
    route_handlers: list[ControllerRouterHandler] = field(default_factory=list)
    lifespans: list[Lifespan] = field(default_factory=list)
    plugins: list[Any] = field(default_factory=list)
    exception_handlers: dict[type[Exception], Any] = field(default_factory=dict)
    app_kwargs: dict[str, Any] = field(default_factory=dict)


@get("/docs", include_in_schema=False, sync_to_thread=False)
def docs() -> Redirect:
    """The interactive API docs."""
    return Redirect(path="/schema/swagger")


def build_runtime(settings: Settings) -> Runtime:
    """The runtime with the real stores (MLflow registry, rules file, key file).

    Raises:
        AuthConfigError: a malformed TP_API_KEYS entry, or TP_API_KEYS_FILE cannot be loaded.
    """
    keyring = Keyring(settings.auth.api_keys, required=settings.auth.required)
    key_file = None
    if settings.auth.api_keys_file is not None:
        key_file = KeyFile(settings.auth.api_keys_file, keyring)
        key_file.load()
    return Runtime(
        settings=settings,
        models=ModelStore(settings.model),
        rules=RulesStore(settings.rules.path),
        metrics=Metrics(),
        keyring=keyring,
        key_file=key_file,
        reload_signal=ReloadSignal(settings.model.cache_dir / RELOAD_FILE),
    )


async def _every(seconds: float, check: Callable[[], bool], runtime: Runtime, kind: str) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            changed = await to_thread.run_sync(check)
        except Exception as exc:  # the loop must survive any reload failure
            runtime.metrics.reloads.labels(kind, "error").inc()
            log.error("reload_failed", kind=kind, exc_info=exc)
            continue
        finally:
            runtime.report_problems()
        if changed:
            runtime.metrics.reloads.labels(kind, "changed").inc()
            runtime.on_reload()


def _reload_if_asked(runtime: Runtime, signal: ReloadSignal) -> bool:
    # Another worker answered POST /v1/admin/reload: check rules, keys and alias here too.
    if not signal.pending():
        return False
    keys_changed = runtime.key_file.check() if runtime.key_file is not None else False
    rules_changed = runtime.rules.check()
    return runtime.models.refresh() or rules_changed or keys_changed


def _lifespan(runtime: Runtime, extra: Sequence[Lifespan]) -> Lifespan:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # Batches are decided in worker threads, one at a time: more at once would only
        # compete for the GIL and multiply their memory.
        app.state.batch_limiter = CapacityLimiter(1)
        await to_thread.run_sync(runtime.rules.load)
        await to_thread.run_sync(runtime.models.refresh)
        runtime.on_reload()
        log.info(
            "service_started",
            model_version=runtime.models.current.version if runtime.models.current else None,
            degraded=runtime.degraded_reason(),
            rules_sha256=runtime.rules.current.sha256,
        )
        tasks: list[asyncio.Task[None]] = []
        s = runtime.settings
        if s.model.refresh_seconds > 0:
            tasks.append(
                asyncio.create_task(
                    _every(s.model.refresh_seconds, runtime.models.refresh, runtime, "model")
                )
            )
        if s.rules.reload_seconds > 0:
            tasks.append(
                asyncio.create_task(
                    _every(s.rules.reload_seconds, runtime.rules.check, runtime, "rules")
                )
            )
            if runtime.key_file is not None:  # on the rules' schedule, counted apart
                keys = runtime.key_file.check
                tasks.append(
                    asyncio.create_task(_every(s.rules.reload_seconds, keys, runtime, "keys"))
                )
        if runtime.reload_signal is not None:
            asked = partial(_reload_if_asked, runtime, runtime.reload_signal)
            tasks.append(asyncio.create_task(_every(SIGNAL_SECONDS, asked, runtime, "broadcast")))
        thresholds = gc.get_threshold()
        try:
            async with _nested(app, extra):
                # What is loaded now lives as long as the process: keep it out of the cyclic
                # GC's full collections, which take ~100-300 ms with the ML stack imported and
                # would stall every request in flight (a p99 spike).
                gc.collect()
                gc.freeze()
                release_free_memory()
                # A batch of 1,000 tickets allocates ~10^5 short-lived containers: at the
                # default threshold (700) the young generations were scanned ~50 times per
                # batch (~8 us per ticket) and never found a cycle (requests make none).
                gc.set_threshold(GC_YOUNG_THRESHOLD, *thresholds[1:])
                yield
        finally:
            gc.set_threshold(*thresholds)
            gc.unfreeze()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            runtime.metrics.close()
            log.info("service_stopped", pid=os.getpid())

    return lifespan


@asynccontextmanager
async def _nested(app: Litestar, lifespans: Sequence[Lifespan]) -> AsyncIterator[None]:
    if not lifespans:
        yield
        return
    async with lifespans[0](app), _nested(app, lifespans[1:]):
        yield


def _install_extensions(parts: AppParts, names: Sequence[str]) -> None:
    for name in names:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and name.startswith(exc.name):
                continue  # the extension is not part of this build
            raise
        install = getattr(module, "install", None)
        if callable(install):
            install(parts)


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    extensions: Sequence[str] | None = None,
) -> Litestar:
    """Build the service.

    Args:
        settings: the settings; `Settings.from_env()` when omitted.
        runtime: a prepared runtime (tests pass fake stores); built from settings if omitted.
        extensions: modules offering `install(parts)`; default `EXTENSIONS`.

    Returns:
        The Litestar app. Rules and model load when its lifespan starts.
    """
    if settings is None and runtime is None:
        # The production factory (any ASGI server): keep pandas unloaded unless something needs it
        # (~65 MB per worker; see serving.lean). Must run before the model is imported.
        defer_import("pandas")
        limit_malloc_arenas()
    settings = settings or (runtime.settings if runtime else Settings.from_env())
    configure_logging(settings.log)
    runtime = runtime or build_runtime(settings)
    parts = AppParts(
        settings=settings,
        runtime=runtime,
        route_handlers=[
            predict,
            predict_batch,
            model_info,
            rules,
            reload,
            live,
            ready,
            probe,
            metrics,
            docs,
            favicon,
            swagger_assets(),
        ],
    )
    _install_extensions(parts, EXTENSIONS if extensions is None else extensions)
    handlers = {**exception_handlers(), **parts.exception_handlers}
    app = Litestar(
        route_handlers=parts.route_handlers,
        dependencies={"runtime": Provide(provide_runtime, sync_to_thread=False)},
        lifespan=[_lifespan(runtime, parts.lifespans)],
        exception_handlers=handlers,  # type: ignore[arg-type]
        before_request=refuse_unreadable_body,
        middleware=[
            lambda app: BodyDeadlineMiddleware(app, settings.limits.body_seconds),
            ByteOrderMarkMiddleware,
        ],
        plugins=parts.plugins,
        compression_config=compression(settings.server.gzip_min_bytes),
        request_max_body_size=settings.limits.request_bytes,
        openapi_config=OpenAPIConfig(
            title="Ticket priority service",
            version="1",
            description="Priority, SLA due times and reasons for helpdesk tickets.",
            path="/schema",
            components=components(settings.idempotency),
            # One renderer, its files served by us (see serving.openapi): Litestar's
            # defaults load scripts from a CDN, which an air-gapped helpdesk cannot reach.
            render_plugins=[swagger_plugin()],
        ),
        debug=settings.server.debug,
        # configure_logging owns stdlib logging: Litestar's default would put a plain-text
        # handler on the root logger (alembic's lines at serve start were not JSON).
        logging_config=None,
        **parts.app_kwargs,
    )
    # Litestar runs the middleware above per route, after routing: wrapped around the whole
    # app, requests no route answers (404, 405) get the request id, no-store, the log line and
    # metrics too.
    app.asgi_handler = RequestLogMiddleware(
        app.asgi_handler, runtime.metrics, settings=settings.log
    )
    app.state.runtime = runtime
    app.state.keyring = runtime.keyring
    app.state.settings = settings
    return app
