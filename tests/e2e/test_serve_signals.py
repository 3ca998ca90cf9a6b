"""SIGTERM and SIGINT stop the real `serve` process at any moment of its start, leaving no worker.

The process starts in its own session, so every process it made (granian's workers, forked)
still carries that session id after the parent is gone: an orphan is easy to find.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.live_server import CLI, free_port, service_env

pytestmark = pytest.mark.slow

STOP_BOUND_SECONDS = 13.0  # TP_STOP_SECONDS (8 s), when a stuck worker is killed, plus slack
START_TIMEOUT_SECONDS = 120.0


def session_members(session: int) -> list[int]:
    """Live (non-zombie) processes whose session id is `session`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, _ppid, _pgrp, sid = stat.rsplit(")", 1)[1].split()[:4]
        if int(sid) == session and state != "Z":
            found.append(int(entry.name))
    return found


class Service:
    """One `ticket-priority serve` in its own session, with its log."""

    def __init__(self, workdir: Path) -> None:
        env, _headers = service_env(
            workdir,
            f"sqlite:///{workdir / 'mlflow.db'}",  # no registry: serves without a model
            TP_DATABASE_URL=f"sqlite:///{workdir / 'reviews.db'}",
        )
        self.port = free_port()
        self.log_path = workdir / "serve.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [str(CLI), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=workdir,
                env={**os.environ, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started = time.monotonic()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-3000:]

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        deadline = self.started + START_TIMEOUT_SECONDS
        while not condition():
            assert self.process.poll() is None, f"serve exited before {what}:\n{self.log()}"
            assert time.monotonic() < deadline, f"no {what} in time:\n{self.log()}"
            time.sleep(0.02)

    def has_worker(self) -> bool:
        return len(session_members(self.process.pid)) >= 2

    def is_live(self) -> bool:
        try:
            url = f"http://127.0.0.1:{self.port}/health/live"
            return httpx.get(url, timeout=1.0).status_code == 200
        except httpx.TransportError:
            return False

    def kill_all(self) -> None:
        for pid in session_members(self.process.pid):
            os.kill(pid, signal.SIGKILL)
        self.process.wait()


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    started = Service(tmp_path)
    try:
        yield started
    finally:
        started.kill_all()


def _stops_in_bound(service: Service, signum: signal.Signals) -> None:
    sent = time.monotonic()
    service.process.send_signal(signum)
    try:
        service.process.wait(timeout=STOP_BOUND_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(
            f"serve still running {STOP_BOUND_SECONDS:g} s after {signum.name}; processes "
            f"{session_members(service.process.pid)}:\n{service.log()}"
        )
    took = time.monotonic() - sent
    time.sleep(0.5)  # a worker the parent failed to stop would still be here
    left = session_members(service.process.pid)
    assert left == [], f"orphaned processes {left} after {signum.name} ({took:.1f} s)"


@pytest.mark.parametrize("seconds", [0.2, 1.0])
def test_sigterm_early_in_start_up_stops_serve(service: Service, seconds: float) -> None:
    time.sleep(seconds)
    _stops_in_bound(service, signal.SIGTERM)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("after_spawn", [0.0, 1.0], ids=["at-spawn", "spawn+1s"])
def test_a_signal_while_the_worker_loads_the_app_stops_serve(
    service: Service, signum: signal.Signals, after_spawn: float
) -> None:
    service.wait_for(service.has_worker, "granian worker")
    time.sleep(after_spawn)
    _stops_in_bound(service, signum)


def test_sigterm_after_ready_stops_serve_gracefully(service: Service) -> None:
    service.wait_for(service.is_live, "/health/live")
    _stops_in_bound(service, signal.SIGTERM)
    assert service.process.returncode == 0, service.log()
