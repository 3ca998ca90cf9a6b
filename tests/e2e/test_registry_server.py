"""The service against a real MLflow tracking server (`mlflow server`), over HTTP.

The alias is read over MLflow's REST API (serving/registry_rest.py), the artifact downloaded
through MLflow in a child process; a server that is down must not hold up the start.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.e2e.live_server import free_port, live_server, service_env, wait_until_up
from tests.e2e.serving_registry import sqlite_champion

pytestmark = pytest.mark.slow

MLFLOW = Path(sys.executable).with_name("mlflow")
TICKET = {
    "subject": "Palvelu on alhaalla",
    "body": "Kukaan ei pääse kirjautumaan.",
    "language": "fi",
}


@dataclass(frozen=True)
class TrackingServer:
    """A running `mlflow server` over a SQLite store with a registered champion."""

    url: str
    version: str
    run_id: str


@pytest.fixture(scope="module")
def tracking_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrackingServer]:
    workdir = tmp_path_factory.mktemp("tracking")
    settings, version, run_id = sqlite_champion(workdir)
    port = free_port()
    with (workdir / "mlflow-server.log").open("wb") as log:
        process = subprocess.Popen(
            [str(MLFLOW), "server", "--backend-store-uri", settings.tracking_uri,
             "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            cwd=workdir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "PATH": f"{MLFLOW.parent}{os.pathsep}{os.environ['PATH']}"},
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/health", process, workdir / "mlflow-server.log", timeout=120)
        yield TrackingServer(url, version, run_id)
    finally:  # the server, its web workers and its job runners share one process group
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_the_service_serves_the_champion_of_a_tracking_server(
    tracking_server: TrackingServer, tmp_path: Path
) -> None:
    env, headers = service_env(tmp_path, tracking_server.url)
    with live_server(env, tmp_path) as server:
        ready = httpx.get(f"{server.base_url}/health/ready", timeout=10).json()
        answer = httpx.post(
            f"{server.base_url}/v1/predict", json=TICKET, headers=headers, timeout=10
        ).json()
    assert ready["status"] == "ready", ready
    assert ready["model_version"] == tracking_server.version
    assert answer["model_version"] == tracking_server.version
    assert answer["model_priority"] in {"low", "medium", "high", "urgent"}
    cached = tmp_path / "models" / "ticket-priority" / tracking_server.version / "registry.json"
    assert tracking_server.run_id in cached.read_text()


def test_a_tracking_server_that_is_down_does_not_hold_up_the_start(tmp_path: Path) -> None:
    env, headers = service_env(tmp_path, f"http://127.0.0.1:{free_port()}")
    started = time.monotonic()
    with live_server(env, tmp_path, ready_timeout=60) as server:
        ready = httpx.get(f"{server.base_url}/health/ready", timeout=10)
        seconds = time.monotonic() - started
        answer = httpx.post(
            f"{server.base_url}/v1/predict", json=TICKET, headers=headers, timeout=10
        )
    body = ready.json()
    assert body["status"] == "degraded"
    assert "server unreachable" in body["degraded"]
    assert answer.status_code == 200
    assert answer.json()["degraded"]
    # Imports and the app take ~5-10 s here; MLflow's client retried for minutes.
    assert seconds < 30, f"ready after {seconds:.0f} s"
