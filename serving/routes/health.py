"""GET /health/live, GET /health/ready, GET /metrics (no key needed unless configured)."""

from __future__ import annotations

import re
from pathlib import PurePath, PurePosixPath
from typing import Any

import msgspec
from litestar import Request, Response, get, head
from litestar.datastructures import State

from serving.metrics import CONTENT_TYPE as METRICS_TYPE
from serving.openapi import bearer, errors
from serving.routes import RuntimeDep
from serving.routes.meta import RulesInfoOut, rules_info


class LiveOut(msgspec.Struct, kw_only=True):
    """The process answers."""

    status: str = "ok"


class ReadyOut(msgspec.Struct, kw_only=True):
    """`ready` with a model, `degraded` when answering from rules and the default level.

    `problems` lists everything an operator should know (no model, registry unreachable,
    rejected rules or key file), without URLs or folders: the log lines carry those.
    """

    status: str
    model_name: str | None
    model_version: str | None
    model_source: str | None
    rules: RulesInfoOut
    degraded: str | None
    problems: list[str]


@get("/health/live", operation_id="live", tags=["health"], sync_to_thread=False)
def live() -> LiveOut:
    """Liveness: the process is up."""
    return LiveOut()


# Load balancers and uptime monitors often probe with HEAD; readiness is 200 also when degraded.
@head(["/health/live", "/health/ready"], include_in_schema=False, sync_to_thread=False)
def probe() -> None:
    """Liveness and readiness for HEAD probes (headers only)."""


@get("/health/ready", operation_id="ready", tags=["health"])
async def ready(runtime: RuntimeDep, state: State) -> ReadyOut:
    """Readiness: the served model version and rules hash, or `degraded` and why.

    Degraded still answers 200: the service gives useful answers from rules alone.
    """
    loaded = runtime.models.current
    misfit = runtime.model_misfit(loaded) if loaded is not None else None
    degraded = misfit if loaded is not None else (runtime.models.problem or "no model loaded")
    sink = getattr(runtime.sink, "problem", None)
    store = getattr(getattr(state, "review", None), "problem", None)
    found = (
        runtime.models.problem,
        misfit,
        runtime.rules.problem,
        runtime.keys_problem,
        store,
        sink,
    )
    problems = [public_problem(p) for p in found if p]
    return ReadyOut(
        status="ready" if degraded is None else "degraded",
        model_name=loaded.name if loaded else None,
        model_version=loaded.version if loaded else None,
        model_source=loaded.source if loaded else None,
        rules=_without_folder(rules_info(runtime)),
        degraded=public_problem(degraded) if degraded else None,
        problems=problems,
    )


# A URL (the registry's, a database's: credentials, hosts) and an absolute path (the server's
# folders) as they appear in a problem's text, e.g. `'sqlite:////srv/x/mlflow.db'` or
# `/srv/x/rules.yaml: line 3`. A path starts the text or follows a space, quote, `(`, `[` or `=`,
# so `Europe/Helsinki` or `predictions/s` are not paths.
_URL = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]*)://[^\s'\"<>]*")
_PATH = re.compile(r"(?<![^\s'\"(\[=])~?/[^\s'\"]*")
_AFTER_PATH = ".,:;)]"


def public_problem(text: str) -> str:
    """`text` for readiness, which answers without a key: a URL becomes `scheme://…` and an
    absolute path its file's name (as the rules file's `source` there).

    Operators find the full URL (password masked) and path in the log line of the same problem
    and in `/v1/admin/reload` (admin key).
    """
    text = _URL.sub(lambda m: f"{m.group(1)}://\u2026", text)
    return _PATH.sub(_file_name, text)


def _file_name(match: re.Match[str]) -> str:
    path = match.group(0)
    stripped = path.rstrip(_AFTER_PATH)
    name = PurePosixPath(stripped).name or "\u2026"
    return name + path[len(stripped) :]


def _without_folder(info: RulesInfoOut) -> RulesInfoOut:
    # Readiness answers without a key: the rules file's name, not where the server keeps it
    # (`GET /v1/rules` shows the full path to key holders).
    problem = public_problem(info.problem) if info.problem else None
    return msgspec.structs.replace(info, source=PurePath(info.source).name, problem=problem)


@get(
    "/metrics",
    operation_id="metrics",
    tags=["health"],
    media_type=METRICS_TYPE,
    responses=errors(401, 403),
    security=[{}, *bearer("admin")],
    response_description="Prometheus text format (admin scope when TP_METRICS_PUBLIC is false)",
)
async def metrics(runtime: RuntimeDep, request: Request[Any, Any, Any]) -> Response[bytes]:
    """Prometheus metrics (behind the admin scope when TP_METRICS_PUBLIC is false)."""
    if not runtime.settings.auth.metrics_public:
        runtime.keyring.authorize(request.headers.get("authorization"), "admin")
    return Response(content=runtime.metrics.render(), media_type=METRICS_TYPE)
