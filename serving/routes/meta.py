"""GET /v1/model, GET /v1/rules, POST /v1/admin/reload."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

import msgspec
from anyio import to_thread
from litestar import get, post

from classifier.errors import ModelNotReady
from serving.auth import require
from serving.key_file import KeyFileError
from serving.openapi import bearer, errors
from serving.routes import RuntimeDep
from serving.service import Runtime


class ModelInfoOut(msgspec.Struct, kw_only=True):
    """The served model: registry coordinates, training time, levels and training metrics."""

    name: str
    version: str
    run_id: str | None
    sha256: str | None
    source: str
    trained_at: str | None
    levels: list[str]
    metrics: dict[str, Any]
    loaded_at: str
    decision: dict[str, Any] | None = None
    """How a suggestion follows from `probabilities`: the least expected cost under `costs`
    (row = true level, column = suggested) after each level's probability is divided by its
    `level_prior` share and renormalised (none: plain least expected cost)."""
    columns: dict[str, list[str]] | None = None
    """The export columns the model reads (`text`, `category`, `numeric`) and, in `from_extra`,
    those no request field fills: send them in the request's `extra` under these names."""


class RulesInfoOut(msgspec.Struct, kw_only=True):
    """The rules in force and, if the file on disk was rejected, why."""

    source: str
    sha256: str
    levels: list[str]
    default_level: str | None
    rule_ids: list[str]
    problem: str | None = None


class ReloadOut(msgspec.Struct, kw_only=True):
    """What a reload changed."""

    model_changed: bool
    model_version: str | None
    model_problem: str | None
    rules_changed: bool
    rules_sha256: str
    rules_problem: str | None
    keys_changed: bool = False
    """Whether TP_API_KEYS_FILE now holds other keys than before (false without a key file)."""


def rules_info(runtime: Runtime) -> RulesInfoOut:
    """The active rules as a wire struct."""
    info = runtime.rules.current.describe()
    return RulesInfoOut(**info, problem=runtime.rules.problem)


@get(
    "/v1/model",
    operation_id="getModel",
    guards=[require("predict")],
    tags=["model"],
    security=bearer("predict"),
    responses=errors(401, 403, 503),
)
async def model_info(runtime: RuntimeDep) -> ModelInfoOut:
    """The model being served; 503 when answering from rules only."""
    loaded = runtime.models.current
    if loaded is None:
        raise ModelNotReady(f"no model loaded: {runtime.models.problem or 'not yet'}")
    return ModelInfoOut(**loaded.describe())


@get(
    "/v1/rules",
    operation_id="getRules",
    guards=[require("predict")],
    tags=["model"],
    security=bearer("predict"),
    responses=errors(401, 403),
)
async def rules(runtime: RuntimeDep) -> RulesInfoOut:
    """The rules file in force, its SHA-256 and its rule ids."""
    return rules_info(runtime)


@post(
    "/v1/admin/reload",
    operation_id="reload",
    guards=[require("admin")],
    status_code=200,
    tags=["admin"],
    security=bearer("admin"),
    responses=errors(401, 403, 409),
)
async def reload(runtime: RuntimeDep) -> ReloadOut:
    """Reload the rules file (and TP_API_KEYS_FILE) and check the registry alias now; 409 if
    the rules or key file is rejected (the old rules or keys stay in force). Other workers
    follow within a second."""
    before = runtime.rules.current.sha256
    keys_changed = False
    try:
        if runtime.key_file is not None:
            with suppress(KeyFileError):  # answered below, once the rest is reloaded
                keys_changed = await to_thread.run_sync(runtime.key_file.load)
        loaded_rules = await to_thread.run_sync(runtime.rules.load)
        model_changed = await to_thread.run_sync(runtime.models.refresh)
        runtime.on_reload()
    finally:
        runtime.report_problems()  # also when the rules file is rejected (409)
        if runtime.reload_signal is not None:  # the other workers check within a second
            await to_thread.run_sync(runtime.reload_signal.request)
    if runtime.keys_problem is not None:
        raise KeyFileError(runtime.keys_problem)
    current = runtime.models.current
    return ReloadOut(
        model_changed=model_changed,
        model_version=current.version if current else None,
        model_problem=runtime.models.problem,
        rules_changed=loaded_rules.sha256 != before,
        rules_sha256=loaded_rules.sha256,
        rules_problem=runtime.rules.problem,
        keys_changed=keys_changed,
    )
