"""Where several workers share their Prometheus values: `PROMETHEUS_MULTIPROC_DIR`.

prometheus_client decides on import whether values live in memory or in files there, so the
variable must be set before any process that will count imports it. This module does not
import prometheus_client, so `serve` can set the variable before it starts the workers
(which may be forked from it).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def is_multiprocess(environ: Mapping[str, str] = os.environ) -> bool:
    """True when metrics are shared between worker processes through `PROMETHEUS_MULTIPROC_DIR`."""
    return bool(environ.get(MULTIPROC_ENV))


@contextmanager
def multiproc_dir(environ: MutableMapping[str, str]) -> Iterator[Path]:
    """Set `PROMETHEUS_MULTIPROC_DIR` for the workers about to start, emptied first.

    An operator's own directory is kept (only its old value files are removed: values of
    processes from an earlier run would otherwise be added to this one's); without one a
    temporary directory is made and removed at the end.
    """
    given = environ.get(MULTIPROC_ENV)
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.db"):
            old.unlink()
        yield folder
        return
    folder = Path(tempfile.mkdtemp(prefix="tp-metrics-"))
    environ[MULTIPROC_ENV] = str(folder)
    try:
        yield folder
    finally:
        environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(folder, ignore_errors=True)


_LIVE_GAUGE_FILE = re.compile(r"gauge_live[a-z]*_(\d+)\.db")


def dead_worker_pids(folder: Path) -> list[int]:
    """Pids with live-gauge files in `folder` whose process no longer runs (e.g. SIGKILLed).

    A worker that stops normally removes its live gauges itself; one killed outright cannot,
    and its model info series would stay in every scrape. The workers of one service run on
    one host, so a pid that does not exist here is dead.
    """
    pids = set()
    for path in folder.glob("gauge_live*_*.db"):
        match = _LIVE_GAUGE_FILE.fullmatch(path.name)
        if match:
            pids.add(int(match.group(1)))
    return sorted(pid for pid in pids if not _running(pid))


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
