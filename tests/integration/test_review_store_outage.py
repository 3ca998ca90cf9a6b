"""A review store that cannot be opened at start-up: predictions go on, reviews wait (503),
/health/ready says why, and the store opens once it becomes reachable."""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import structlog
from litestar.testing import TestClient

import serving.review as review_extension
from serving.app import create_app
from serving.storage.settings import StorageSettings
from tests.api_keys import ENTRIES, KEYS, PREDICT, REVIEW
from tests.serving_fakes import FakeModel, make_runtime


def _store_not_mounted_yet(tmp_path: Path, **settings: Any) -> tuple[StorageSettings, Path]:
    """Settings of a SQLite store that cannot be opened: a file where its folder should be."""
    folder = tmp_path / "mounted-later"
    folder.write_text("not a folder yet")
    return StorageSettings(database_url=f"sqlite:///{folder / 'reviews.db'}", **settings), folder


def test_an_unreachable_store_at_start_does_not_stop_predictions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(review_extension, "STORE_RETRY_SECONDS", 0.1)
    storage, folder = _store_not_mounted_yet(tmp_path)
    runtime = make_runtime(tmp_path, model=FakeModel(), keys=ENTRIES, storage=storage)
    with TestClient(create_app(runtime=runtime)) as client:
        answer = client.post("/v1/predict", json={"subject": "Nedbrud", "body": "Alt er nede"},
                             headers=PREDICT)  # fmt: skip
        assert answer.status_code == 200
        ready = client.get("/health/ready").json()
        assert any("review store unreachable (" in p for p in ready["problems"])
        waiting = client.get("/v1/reviews/queue", headers=REVIEW)
        assert (waiting.status_code, waiting.json()["error"]) == (503, "unavailable")
        assert "trying again every 0.1 s" in waiting.json()["detail"]

        folder.unlink()
        folder.mkdir()
        queue: dict[str, Any] = {}
        for _ in range(100):
            response = client.get("/v1/reviews/queue", headers=REVIEW)
            if response.status_code == 200 and response.json()["items"]:
                queue = response.json()
                break
            time.sleep(0.05)
        assert [item["prediction_id"] for item in queue["items"]] == [
            answer.json()["prediction_id"]
        ]
        assert client.get("/health/ready").json()["problems"] == []


def test_a_store_failing_mid_run_is_a_503_not_a_500(tmp_path: Path) -> None:
    path = tmp_path / "reviews.db"
    storage = StorageSettings(database_url=f"sqlite:///{path}")
    runtime = make_runtime(tmp_path, model=FakeModel(), keys=ENTRIES, storage=storage)
    with TestClient(create_app(runtime=runtime)) as client:
        assert client.get("/v1/reviews/queue", headers=REVIEW).status_code == 200
        with closing(sqlite3.connect(path)) as db:
            db.execute("DROP TABLE prediction_rules")
            db.execute("DROP TABLE reviews")
            db.execute("DROP TABLE predictions")
        failing = client.get("/v1/reviews/queue", headers=REVIEW)
        assert (failing.status_code, failing.json()["error"]) == (503, "store_unavailable")
        assert "predictions are still answered" in failing.json()["detail"]


def _sign_in(client: TestClient[Any]) -> None:
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/review/login").text)
    assert token is not None
    client.post("/review/login", data={"key": KEYS["review"][0], "csrf": token.group(1)})


def _assert_store_down_page(response: Any, *, lost: bool) -> None:
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["retry-after"] == "30"
    assert "<h1>Reviews are unavailable for a moment</h1>" in response.text
    assert ("Your review was not saved." in response.text) is lost
    assert "FileExistsError" not in response.text


def test_review_pages_say_in_html_that_the_store_is_unreachable_at_start(tmp_path: Path) -> None:
    storage, _ = _store_not_mounted_yet(tmp_path)
    runtime = make_runtime(tmp_path, model=FakeModel(), keys=ENTRIES, storage=storage)
    with TestClient(create_app(runtime=runtime)) as client:
        for path in ("/review/login", "/review/queue", "/review/p/abc"):
            _assert_store_down_page(client.get(path), lost=False)
        _assert_store_down_page(client.post("/review/p/abc", data={"csrf": "x"}), lost=True)
        api = client.get("/v1/reviews/queue", headers=REVIEW)
        assert (api.status_code, api.json()["error"]) == (503, "unavailable")


def test_a_review_page_whose_store_fails_mid_run_says_so_in_html(tmp_path: Path) -> None:
    path = tmp_path / "reviews.db"
    storage = StorageSettings(database_url=f"sqlite:///{path}")
    runtime = make_runtime(tmp_path, model=FakeModel(), keys=ENTRIES, storage=storage)
    with TestClient(create_app(runtime=runtime)) as client:
        _sign_in(client)
        assert client.get("/review/queue").status_code == 200
        with closing(sqlite3.connect(path)) as db:
            db.execute("DROP TABLE prediction_rules")
            db.execute("DROP TABLE reviews")
            db.execute("DROP TABLE predictions")
        _assert_store_down_page(client.get("/review/queue"), lost=False)


def test_metrics_show_the_queue_and_the_predictions_an_outage_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(review_extension, "STORE_RETRY_SECONDS", 60.0)
    storage, _ = _store_not_mounted_yet(tmp_path, prediction_flush_ms=10, prediction_queue=2)
    runtime = make_runtime(tmp_path, model=FakeModel(), keys=ENTRIES, storage=storage)
    with TestClient(create_app(runtime=runtime)) as client:
        for n in range(5):
            answer = client.post("/v1/predict", json={"subject": f"Nedbrud {n}", "body": "Nede"},
                                 headers=PREDICT)  # fmt: skip
            assert answer.status_code == 200
        time.sleep(0.1)  # the writer tries (and fails) at least once more
        scraped = client.get("/metrics").text
    assert 'tp_predictions_not_stored_total{reason="queue_full"} 3.0' in scraped
    assert "tp_predictions_queued 2.0" in scraped


def test_the_log_says_why_the_store_cannot_be_opened_and_which_setting_to_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(review_extension, "STORE_RETRY_SECONDS", 60.0)
    with socket.socket() as probe:  # a port nobody listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://tp:s3cret@127.0.0.1:{port}/reviews"
    runtime = make_runtime(
        tmp_path, model=FakeModel(), keys=ENTRIES, storage=StorageSettings(database_url=url)
    )
    app = create_app(runtime=runtime)  # configures logging: before the capture starts
    with structlog.testing.capture_logs() as logs, TestClient(app):
        pass
    [line] = [entry for entry in logs if entry["event"] == "review_store_unreachable"]
    assert line["setting"] == "TP_DATABASE_URL"
    assert line["database"] == f"postgresql://tp:***@127.0.0.1:{port}/reviews"
    assert f"port {port} failed: Connection refused" in line["reason"]
    assert "s3cret" not in str(line)


def test_a_stopping_worker_logs_what_it_wrote_and_that_it_stopped(tmp_path: Path) -> None:
    storage = StorageSettings(database_url=f"sqlite:///{tmp_path / 'reviews.db'}",
                              prediction_flush_ms=60_000)  # fmt: skip
    runtime = make_runtime(tmp_path, model=FakeModel(), keys=ENTRIES, storage=storage)
    app = create_app(runtime=runtime)  # configures logging: before the capture starts
    with structlog.testing.capture_logs() as logs, TestClient(app) as client:
        for n in range(3):
            answer = client.post("/v1/predict", json={"subject": f"Nedbrud {n}", "body": "Nede"},
                                 headers=PREDICT)  # fmt: skip
            assert answer.status_code == 200
    events = [(e["event"], e.get("queued", e.get("not_stored"))) for e in logs
              if e["event"].startswith(("prediction_store_clos", "service_stopped"))]  # fmt: skip
    assert events == [
        ("prediction_store_closing", 3),
        ("prediction_store_closed", 0),
        ("service_stopped", None),
    ]
    assert {e["pid"] for e in logs if e["event"] == "service_stopped"} == {os.getpid()}
