"""Keep a serving worker's memory small: pandas deferred, the C heap compacted.

scikit-learn imports pandas whenever it is installed (~65 MB resident with pyarrow), but the
serving fast path never touches it: features are built from plain records. `defer_import`
puts a stand-in module under the name; the first attribute anyone reads from it (e.g.
`pd.DataFrame`, or a submodule import) imports the real module and hands over, so code that
does need pandas (the pipeline's slow path) behaves exactly as before, only later.

`limit_malloc_arenas` and `release_free_memory` act on glibc's allocator (no-ops elsewhere):
each thread that allocates (the lifespan loads in a worker thread) would otherwise get its
own arena, and memory freed after startup stays resident until trimmed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib
import importlib.util
import sys
import threading
from types import ModuleType
from typing import Any

_lock = threading.Lock()


class _Deferred(ModuleType):
    """A module whose real contents are imported on first attribute access.

    Not `importlib.util.LazyLoader`: on Python 3.11 it is not thread-safe (fixed in 3.12), and
    the model loads in a worker thread while requests may already touch scikit-learn.
    """

    def __getattr__(self, attr: str) -> Any:
        # Only reached for names not in this module's own dict (not the dunders set below).
        real = _load(self)
        return getattr(real, attr)


def _load(stand_in: _Deferred) -> ModuleType:
    name = stand_in.__name__
    with _lock:
        current = sys.modules.get(name)
        if current is not None and current is not stand_in:
            return current
        del sys.modules[name]
        try:
            real = importlib.import_module(name)
        except BaseException:
            sys.modules[name] = stand_in
            raise
    # Later reads on the stand-in (held by modules that imported it) find the names directly.
    for key, value in vars(real).items():
        if key not in ("__name__", "__spec__", "__loader__", "__class__"):
            stand_in.__dict__.setdefault(key, value)
    return real


def defer_import(name: str) -> bool:
    """Install a stand-in for the top-level module `name` unless it is loaded or absent.

    Returns:
        True when the stand-in was installed.
    """
    if name in sys.modules or "." in name:
        return False
    spec = importlib.util.find_spec(name)
    if spec is None:
        return False
    stand_in = _Deferred(name)
    stand_in.__spec__ = spec
    stand_in.__loader__ = spec.loader
    stand_in.__file__ = spec.origin
    sys.modules[name] = stand_in
    return True


def is_deferred(name: str) -> bool:
    """True while `name` is still the stand-in (the real module not imported yet)."""
    return isinstance(sys.modules.get(name), _Deferred)


_M_ARENA_MAX = -8  # mallopt parameter number in glibc's malloc.h


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None or not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


def limit_malloc_arenas(count: int = 2) -> bool:
    """Cap glibc's malloc arenas (like `MALLOC_ARENA_MAX`); True when applied."""
    libc = _libc()
    return bool(libc is not None and libc.mallopt(_M_ARENA_MAX, count) == 1)


def release_free_memory() -> bool:
    """Return free heap pages to the OS (glibc `malloc_trim`); True when any were released."""
    libc = _libc()
    return bool(libc is not None and libc.malloc_trim(0) == 1)
