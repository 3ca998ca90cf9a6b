"""HTTP controllers: a few lines each; convert, call the runtime, return a wire Struct."""

from __future__ import annotations

from litestar.datastructures import State

from serving.service import Runtime


def provide_runtime(state: State) -> Runtime:
    """The app's `Runtime` (dependency `runtime`; tests override it)."""
    runtime: Runtime = state.runtime
    return runtime
