"""A tracking server that names the champion but fails its download: the worker gives up in
seconds, not after MLflow's minutes of retries, and says why.

The alias is read over REST; the download runs MLflow's client in the child process
(`serving.fetch_model`), here against a local stand-in that answers 503 to everything but the
alias lookup.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from serving.model_store import ModelStore
from serving.registry_rest import ALIAS_PATH
from serving.settings import ModelSettings
from tests.mlflow_standin import MlflowStandIn, mlflow_standin
from training.settings import MlflowSettings

VERSION = {
    "name": "ticket-priority", "version": "3", "run_id": "run-3",
    "tags": [{"key": "sha256", "value": "cd" * 32}], "aliases": ["champion"],
}  # fmt: skip
STORE_DOWN = (503, {"error_code": "TEMPORARILY_UNAVAILABLE", "message": "store down"})


@pytest.fixture
def tracking_server() -> Iterator[str]:
    answers = {("ticket-priority", "champion"): (200, {"model_version": VERSION})}
    with mlflow_standin(answers, elsewhere=STORE_DOWN) as url:
        yield url


def _failed_requests() -> list[str]:
    return [path for path, _ in MlflowStandIn.seen if path != ALIAS_PATH]


def _store(tracking_uri: str, tmp_path: Path) -> ModelStore:
    settings = ModelSettings(
        mlflow=MlflowSettings(tracking_uri=tracking_uri), cache_dir=tmp_path / "cache"
    )
    return ModelStore(settings)


def test_a_failing_download_gives_up_after_two_retries(
    tracking_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR"):
        monkeypatch.delenv(name, raising=False)
    store = _store(tracking_server, tmp_path)
    started = time.monotonic()
    assert store.refresh() is False
    took = time.monotonic() - started
    assert store.current is None
    assert store.problem is not None
    assert "download of ticket-priority version 3 (run run-3)" in store.problem
    # one request and two retries (MLflow's default is 7, over ~4 minutes of back-off)
    assert len(_failed_requests()) == 3, _failed_requests()
    assert took < 60, f"took {took:.0f} s"
    assert not (tmp_path / "cache" / "ticket-priority" / "3").exists()


def test_the_operators_own_retry_setting_wins(
    tracking_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    assert _store(tracking_server, tmp_path).refresh() is False
    assert len(_failed_requests()) == 1, _failed_requests()
