"""Where several workers keep their shared Prometheus values (serving.metrics_dir)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from serving.metrics import Metrics
from serving.metrics_dir import MULTIPROC_ENV, dead_worker_pids, is_multiprocess, multiproc_dir


def test_without_a_directory_a_temporary_one_is_set_and_removed() -> None:
    environ: dict[str, str] = {}
    with multiproc_dir(environ) as folder:
        assert environ[MULTIPROC_ENV] == str(folder)
        assert folder.is_dir()
        assert is_multiprocess(environ)
        (folder / "counter_123.db").write_bytes(b"x")
    assert MULTIPROC_ENV not in environ
    assert not folder.exists()
    assert not is_multiprocess(environ)


def test_an_operators_directory_is_kept_but_last_runs_values_are_removed(tmp_path: Path) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_99.db").write_bytes(b"old")
    (folder / "README").write_text("mine", encoding="utf-8")
    environ = {MULTIPROC_ENV: str(folder)}
    with multiproc_dir(environ) as used:
        assert used == folder
        assert not (folder / "counter_99.db").exists()
    assert environ == {MULTIPROC_ENV: str(folder)}
    assert (folder / "README").read_text(encoding="utf-8") == "mine"


def test_live_gauge_files_of_processes_that_no_longer_run_are_found(tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    dead = int(gone.stdout)
    alive = os.getpid()
    names = [f"gauge_liveall_{alive}.db", f"gauge_liveall_{dead}.db", f"gauge_livemax_{dead}.db"]
    for name in [*names, f"counter_{dead}.db", "gauge_liveall_x.db"]:
        (tmp_path / name).write_bytes(b"")
    assert dead_worker_pids(tmp_path) == [dead]


_KILLED_WORKER = """
import os, signal
from serving.metrics import Metrics
metrics = Metrics()
metrics.set_model("ticket-priority", "7", "run-killed")
metrics.decisions.labels("high", "model").inc(3)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_killed_workers_model_series_leaves_the_scrape_but_its_counts_stay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = os.environ | {MULTIPROC_ENV: str(tmp_path)}
    killed = subprocess.run([sys.executable, "-c", _KILLED_WORKER], env=env, check=False)
    assert killed.returncode == -signal.SIGKILL
    assert list(tmp_path.glob("gauge_liveall_*.db"))  # it had no chance to clean up
    monkeypatch.setenv(MULTIPROC_ENV, str(tmp_path))
    scrape = Metrics().render().decode()
    assert "run-killed" not in scrape
    assert 'tp_decisions_total{priority="high",source="model"} 3.0' in scrape
