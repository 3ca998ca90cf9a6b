"""The worker reads a SQLite MLflow registry directly, without importing MLflow."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
from pathlib import Path

import pytest
import structlog

from classifier.errors import AliasNotSet
from serving.model_store import ModelStore, RegistryVersion
from serving.settings import ModelSettings
from training.settings import MlflowSettings

SCHEMA = """
CREATE TABLE registered_model_aliases (alias TEXT, version INTEGER, name TEXT);
CREATE TABLE model_versions (name TEXT, version INTEGER, run_id TEXT);
CREATE TABLE model_version_tags (key TEXT, value TEXT, name TEXT, version INTEGER);
"""


def _registry(path: Path, alias_version: int | None) -> None:
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA)
        db.execute("INSERT INTO model_versions VALUES ('ticket-priority', 1, 'run1')")
        db.execute("INSERT INTO model_versions VALUES ('ticket-priority', 2, 'run2')")
        db.execute("INSERT INTO model_version_tags VALUES ('sha256', 'ab12', 'ticket-priority', 2)")
        if alias_version is not None:
            db.execute(
                "INSERT INTO registered_model_aliases VALUES ('champion', ?, 'ticket-priority')",
                (alias_version,),
            )


def _store(tmp_path: Path, db: Path) -> ModelStore:
    settings = ModelSettings(
        mlflow=MlflowSettings(tracking_uri=f"sqlite:///{db}"), cache_dir=tmp_path / "cache"
    )
    return ModelStore(settings)


def test_the_alias_version_run_and_hash_are_read_from_the_sqlite_tables(tmp_path: Path) -> None:
    db = tmp_path / "mlflow.db"
    _registry(db, alias_version=2)
    assert _store(tmp_path, db).resolve() == RegistryVersion("ticket-priority", "2", "run2", "ab12")


def test_an_unset_alias_is_not_ready(tmp_path: Path) -> None:
    db = tmp_path / "mlflow.db"
    _registry(db, alias_version=None)
    with pytest.raises(AliasNotSet, match="alias is not set"):
        _store(tmp_path, db).resolve()


def test_a_file_artifact_store_is_copied_into_the_cache_without_mlflow(tmp_path: Path) -> None:
    db = tmp_path / "mlflow.db"
    _registry(db, alias_version=2)
    artifacts = tmp_path / "mlartifacts" / "run2" / "artifacts"
    (artifacts / "priority_model").mkdir(parents=True)
    (artifacts / "priority_model" / "model.json").write_text("{}", encoding="utf-8")
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE runs (run_uuid TEXT, artifact_uri TEXT)")
        conn.execute("INSERT INTO runs VALUES ('run2', ?)", (artifacts.as_uri(),))
    store = _store(tmp_path, db)
    folder = store._download(store.resolve())
    assert folder == tmp_path / "cache" / "ticket-priority" / "2"
    assert (folder / "model.json").read_text(encoding="utf-8") == "{}"
    assert '"sha256": "ab12"' in (folder / "registry.json").read_text(encoding="utf-8")


def _unreachable(tmp_path: Path, uri: str) -> ModelStore:
    settings = ModelSettings(
        mlflow=MlflowSettings(tracking_uri=uri), cache_dir=tmp_path / "cache", refresh_seconds=0
    )
    return ModelStore(settings)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_tracking_server_is_reported_without_its_password(
    tmp_path: Path,
) -> None:
    store = _unreachable(tmp_path, f"http://mlflowuser:S3cretPassw0rd@127.0.0.1:{_closed_port()}")
    with structlog.testing.capture_logs() as logs:
        assert store.refresh() is False
    assert store.problem is not None
    assert "mlflowuser:***@127.0.0.1" in store.problem
    assert "S3cretPassw0rd" not in store.problem
    assert logs
    assert "S3cretPassw0rd" not in repr(logs)


def test_a_database_registry_error_is_reported_without_its_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uri = "postgresql://mlflow:PgS3cret@127.0.0.1:1/mlflow"
    # What MLflow's child prints when the database refuses: the driver quotes the URL.
    answer = {"error": f"OperationalError: connection to {uri} failed (password PgS3cret)"}
    done = subprocess.CompletedProcess([], 0, stdout=json.dumps(answer), stderr="")
    monkeypatch.setattr(subprocess, "run", lambda *_a, **_k: done)
    store = _unreachable(tmp_path, uri)
    with structlog.testing.capture_logs() as logs:
        store.refresh()
    assert store.problem is not None
    assert "postgresql://mlflow:***@127.0.0.1:1/mlflow" in store.problem
    assert "PgS3cret" not in store.problem
    assert "PgS3cret" not in repr(logs)
