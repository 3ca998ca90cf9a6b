"""HTTP controllers: a few lines each; convert, call the runtime, return a wire Struct."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import NamedDependency

from serving.service import Runtime

RuntimeDep = NamedDependency[Runtime]
"""A handler parameter `runtime: RuntimeDep` receives the app's `Runtime`."""


def provide_runtime(state: State) -> Runtime:
    """The app's `Runtime` (dependency `runtime`; tests override it)."""
    runtime: Runtime = state.runtime
    return runtime
