"""The served app (`ticket-priority serve`) on a SQLite MLflow registry: swap, outages, tampering.

One small model is trained once (not through `run_training`: no selection or report) and
version 2 is registered on the same artifact, so promotion costs no second
training. The server starts three times; each start imports MLflow. (A corrupted cache with
the registry up is re-downloaded: covered by the model store's unit tests.)
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from serving.auth import new_api_key
from tests.e2e.live_server import LiveServer, live_server
from tests.e2e.serving_registry import sqlite_champion
from training import registry
from training.settings import MlflowSettings

pytestmark = pytest.mark.slow

TICKET = {
    "subject": "Hele platformen er nede",
    "body": "Ingen af vores brugere kan logge ind siden kl. 9. Det haster.",
    "language": "da",
    "channel": "phone",
    "customer": {"tier": "enterprise", "vip": False},
}


@dataclass
class World:
    """A trained champion in a SQLite registry, and how to serve it."""

    workdir: Path
    settings: MlflowSettings
    version: str
    run_id: str
    key: str
    env: dict[str, str] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    @property
    def cache(self) -> Path:
        return self.workdir / "models" / self.settings.model_name

    @property
    def registry_files(self) -> tuple[Path, Path]:
        return self.workdir / "mlflow.db", self.workdir / "mlartifacts"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    workdir = tmp_path_factory.mktemp("service")
    settings, version, run_id = sqlite_champion(workdir)
    key, entry = new_api_key(["predict", "admin"], name="e2e")
    env = {
        "TP_MLFLOW_TRACKING_URI": settings.tracking_uri,
        "TP_MLFLOW_ARTIFACT_ROOT": settings.artifact_root,
        "TP_MODEL_CACHE_DIR": str(workdir / "models"),
        "TP_MODEL_REFRESH_SECONDS": "0.5",
        "TP_API_KEYS": entry,
    }
    return World(workdir, settings, version, run_id, key, env)


def _ready(server: LiveServer) -> dict[str, Any]:
    result: dict[str, Any] = httpx.get(f"{server.base_url}/health/ready", timeout=10).json()
    return result


def _predict(server: LiveServer, world: World) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/v1/predict", json=TICKET, headers=world.headers, timeout=10
    )


@dataclass
class Traffic:
    """Requests sent in a loop from a thread: every status and model version seen."""

    server: LiveServer
    headers: dict[str, str]
    results: list[tuple[int, str | None]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with httpx.Client(base_url=self.server.base_url, timeout=10) as client:
            while not self.stop.is_set():
                try:
                    r = client.post("/v1/predict", json=TICKET, headers=self.headers)
                    self.results.append((r.status_code, r.json().get("model_version")))
                except (httpx.HTTPError, ValueError) as exc:
                    self.errors.append(repr(exc))

    def versions(self) -> set[str | None]:
        return {version for _, version in self.results}


@pytest.fixture
def traffic(world: World) -> Iterator[tuple[LiveServer, Traffic]]:
    with live_server(world.env, world.workdir) as server:
        flow = Traffic(server, world.headers)
        thread = threading.Thread(target=flow.run, daemon=True)
        thread.start()
        try:
            yield server, flow
        finally:
            flow.stop.set()
            thread.join(timeout=15)


def test_promoting_a_version_while_requests_flow_fails_none(
    world: World, traffic: tuple[LiveServer, Traffic]
) -> None:
    server, flow = traffic
    assert _ready(server)["model_version"] == world.version == "1"
    first = registry.get_version(world.settings, "1")
    new = registry.register_version(
        world.settings, str(first.source), run_id=world.run_id, sha256=str(first.tags["sha256"])
    )
    time.sleep(1.0)  # traffic on version 1 before the promotion
    registry.set_champion(world.settings, new)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and new not in flow.versions():
        time.sleep(0.2)
    time.sleep(0.5)  # and some traffic after the swap
    flow.stop.set()
    statuses = {status for status, _ in flow.results}
    assert flow.errors == []
    assert statuses == {200}, server.log()[-2000:]
    assert {"1", new} <= flow.versions()
    assert len(flow.results) >= 10
    assert _ready(server)["model_version"] == new


def _corrupt_cached_artifact(world: World, version: str) -> Path:
    joblib_file = world.cache / version / "model.joblib"
    with joblib_file.open("ab") as handle:
        handle.write(b"tampered")
    return joblib_file


def test_without_registry_a_corrupted_cache_is_refused_and_rules_answer(world: World) -> None:
    version = _ready_version_in_cache(world)
    backup = world.workdir / "cache-backup"
    shutil.copytree(world.cache, backup, dirs_exist_ok=True)
    _corrupt_cached_artifact(world, version)
    db, artifacts = world.registry_files
    db.rename(db.with_suffix(".away"))
    artifacts.rename(artifacts.with_name("mlartifacts-away"))
    try:
        with live_server(world.env, world.workdir) as server:
            ready = _ready(server)
            assert ready["status"] == "degraded"
            assert ready["model_version"] is None
            assert "SHA-256" in ready["degraded"]
            assert "does not exist" in ready["degraded"]
            answer = _predict(server, world)
            assert answer.status_code == 200
            body = answer.json()
            assert body["model_version"] is None
            assert body["source"] in {"rule", "default"}
            assert body["degraded"]
        shutil.rmtree(world.cache)
        shutil.copytree(backup, world.cache)
        with live_server(world.env, world.workdir) as server:
            ready = _ready(server)
            assert ready["status"] == "ready"
            assert ready["model_source"] == "cache"
            assert ready["model_version"] == version
            assert any("does not exist" in p for p in ready["problems"])
            assert _predict(server, world).json()["model_version"] == version
    finally:
        db.with_suffix(".away").rename(db)
        artifacts.with_name("mlartifacts-away").rename(artifacts)


def _ready_version_in_cache(world: World) -> str:
    import json

    if not (world.cache / "current-champion.json").is_file():
        # This test may run without the hot-swap test before it (e.g. on another xdist
        # worker): serve once with the registry so the champion is downloaded and cached.
        with live_server(world.env, world.workdir) as server:
            assert _ready(server)["status"] == "ready"
    pointer = json.loads((world.cache / "current-champion.json").read_text(encoding="utf-8"))
    return str(pointer["version"])


def _liveness_during(
    server: LiveServer, headers: dict[str, str], body: bytes
) -> tuple[float, list[float]]:
    """Post `body` to the batch endpoint and poll /health/live until it is answered: the
    batch's seconds and each liveness answer's seconds."""
    done: dict[str, Any] = {}

    def post() -> None:
        started = time.perf_counter()
        answer = httpx.post(
            f"{server.base_url}/v1/predict/batch",
            content=body,
            headers={**headers, "Content-Type": "application/json"},
            timeout=300,
        )
        done.update(status=answer.status_code, seconds=time.perf_counter() - started)

    thread = threading.Thread(target=post)
    thread.start()
    time.sleep(0.5)  # the body is sent and being decided
    latencies: list[float] = []
    while thread.is_alive():
        started = time.perf_counter()
        assert httpx.get(f"{server.base_url}/health/live", timeout=300).status_code == 200
        latencies.append(time.perf_counter() - started)
        time.sleep(0.05)
    thread.join()
    assert done["status"] == 200, server.log()[-2000:]
    return done["seconds"], latencies


def test_liveness_is_answered_while_a_maximum_batch_is_decided(world: World) -> None:
    words = [
        "server",
        "nede",
        "virker",
        "ikke",
        "fejl",
        "betaling",
        "kunde",
        "ordre",
        "system",
        "login",
        "langsom",
    ]
    tickets = [
        {
            "subject": "hjælp",
            "body": " ".join(f"{words[(i * j) % len(words)]}{i * j}" for j in range(1000)),
        }
        for i in range(1000)
    ]  # ~12 MB: the batch limit, each body far inside TP_MAX_BODY_CHARS
    body = json.dumps({"tickets": tickets}).encode()
    with live_server(world.env, world.workdir) as server:
        batch_seconds, latencies = _liveness_during(server, world.headers, body)
    # On the event loop the batch held /health/live for its whole duration (5-10 s on the
    # shared 2-core machine); in a worker thread liveness answered within ~0.2 s.
    assert latencies, "the batch was over before liveness was asked"
    assert max(latencies) < 2.0, (batch_seconds, latencies)
    assert max(latencies) < 0.5 * batch_seconds, (batch_seconds, latencies)


def test_a_body_sent_too_slowly_is_answered_408_and_the_connection_closed(world: World) -> None:
    # A client that announces 200 bytes and sends 10 held its connection for ever before.
    env = {**world.env, "TP_BODY_TIMEOUT_SECONDS": "1"}
    with live_server(env, world.workdir) as server:
        host, port = server.base_url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as slow:
            started = time.monotonic()
            slow.sendall(
                b"POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + f"Authorization: Bearer {world.key}\r\n".encode()
                + b'Content-Length: 200\r\n\r\n{"subject": '
            )
            answer = b""
            while chunk := slow.recv(4096):
                answer += chunk
            took = time.monotonic() - started
        on_time = httpx.post(
            f"{server.base_url}/v1/predict", json={"subject": "Server down"},
            headers=world.headers, timeout=10,
        )  # fmt: skip
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"TP_BODY_TIMEOUT_SECONDS" in answer
    assert 0.9 < took < 6, took  # answered at the deadline, then closed (recv returned b"")
    assert on_time.status_code == 200


@pytest.fixture(scope="module")
def served(world: World) -> Iterator[LiveServer]:
    with live_server(world.env, world.workdir) as server:
        yield server


def test_large_answers_are_gzipped_for_clients_that_accept_it(
    served: LiveServer, world: World
) -> None:
    gzip = {**world.headers, "Accept-Encoding": "gzip"}
    with httpx.Client(base_url=served.base_url, timeout=60) as client:
        batch = client.post("/v1/predict/batch", json={"tickets": [TICKET] * 50}, headers=gzip)
        single = client.post("/v1/predict", json=TICKET, headers=gzip)
        schema = client.get("/schema/openapi.json", headers=gzip)
        plain = client.post(
            "/v1/predict/batch", json={"tickets": [TICKET] * 50},
            headers={**world.headers, "Accept-Encoding": "identity"},
        )  # fmt: skip
    assert batch.status_code == single.status_code == schema.status_code == 200
    assert batch.headers["content-encoding"] == "gzip"
    assert batch.num_bytes_downloaded < len(batch.content) / 4
    assert batch.json()["count"] == 50
    assert batch.headers["x-request-id"]
    assert "content-encoding" not in plain.headers
    assert "content-encoding" not in single.headers  # ~1 KB: under TP_GZIP_MIN_BYTES
    assert single.json()["priority"]
    assert schema.headers["content-encoding"] == "gzip"


def test_unknown_paths_and_wrong_methods_get_the_request_id_no_store_log_and_metrics(
    served: LiveServer,
) -> None:
    with httpx.Client(base_url=served.base_url, timeout=30) as client:
        missing = client.get("/wp-login.php", headers={"X-Request-ID": "e2e-404"})
        wrong = client.delete("/v1/predict", headers={"X-Request-ID": "e2e-405"})
        metrics = client.get("/metrics").text
    for response, status in ((missing, 404), (wrong, 405)):
        assert response.status_code == status
        assert response.headers["cache-control"] == "no-store"
        assert response.json()["status"] == status
        assert "/docs" in response.json()["detail"]
    assert missing.headers["x-request-id"] == "e2e-404"
    assert wrong.headers["x-request-id"] == "e2e-405"
    assert wrong.headers["allow"] == "POST, OPTIONS"
    assert 'route="unmatched",status="404"' in metrics
    assert 'route="unmatched",status="405"' in metrics
    deadline = time.monotonic() + 5
    while '"request_id":"e2e-405"' not in served.log() and time.monotonic() < deadline:
        time.sleep(0.1)  # the worker's stdout reaches the log file a moment later
    lines = [json.loads(line) for line in served.log().splitlines()
             if '"request_id":"e2e-40' in line]  # fmt: skip
    assert [(line["route"], line["status"], line["path"]) for line in lines] == [
        ("unmatched", 404, "/wp-login.php"),
        ("unmatched", 405, "/v1/predict"),
    ]
