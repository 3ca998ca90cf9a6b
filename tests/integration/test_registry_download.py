"""A tracking server that names the champion but fails its download: the worker gives up in
seconds, not after MLflow's minutes of retries, and says why.

The alias is read over REST; the download runs MLflow's client in the child process
(`serving.fetch_model`), here against a local HTTP server that answers 503 to everything but
the alias lookup.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlparse

import pytest

from serving.model_store import ModelStore
from serving.registry_rest import ALIAS_PATH
from serving.settings import ModelSettings
from training.settings import MlflowSettings

VERSION = {
    "name": "ticket-priority", "version": "3", "run_id": "run-3",
    "tags": [{"key": "sha256", "value": "cd" * 32}], "aliases": ["champion"],
}  # fmt: skip


class ArtifactsDown(BaseHTTPRequestHandler):
    """Answers the alias lookup; every other request gets 503 and is counted."""

    failed: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        path = urlparse(self.path).path
        if path == ALIAS_PATH:
            self._send(200, {"model_version": VERSION})
        else:
            self.failed.append(path)
            self._send(503, {"error_code": "TEMPORARILY_UNAVAILABLE", "message": "store down"})

    def _send(self, status: int, body: Any) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def tracking_server() -> Iterator[str]:
    ArtifactsDown.failed = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), ArtifactsDown)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_failing_download_gives_up_after_two_retries(
    tracking_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR"):
        monkeypatch.delenv(name, raising=False)
    settings = ModelSettings(
        mlflow=MlflowSettings(tracking_uri=tracking_server), cache_dir=tmp_path / "cache"
    )
    store = ModelStore(settings)
    started = time.monotonic()
    assert store.refresh() is False
    took = time.monotonic() - started
    assert store.current is None
    assert store.problem is not None
    assert "download of ticket-priority version 3 (run run-3)" in store.problem
    # one request and two retries (MLflow's default is 7, over ~4 minutes of back-off)
    assert len(ArtifactsDown.failed) == 3, ArtifactsDown.failed
    assert took < 60, f"took {took:.0f} s"
    assert not (tmp_path / "cache" / "ticket-priority" / "3").exists()


def test_the_operators_own_retry_setting_wins(
    tracking_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    settings = ModelSettings(
        mlflow=MlflowSettings(tracking_uri=tracking_server), cache_dir=tmp_path / "cache"
    )
    assert ModelStore(settings).refresh() is False
    assert len(ArtifactsDown.failed) == 1, ArtifactsDown.failed
