"""Unknown paths (404) and wrong methods (405), which Litestar answers in its router before any
route's middleware, go through the request middleware like every other answer: request id,
`no-store`, one log line and one bounded metrics series, with the `ErrorOut` body."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from serving.app import create_app
from serving.storage.settings import StorageSettings
from tests.api_keys import ADMIN, ENTRIES, PREDICT
from tests.serving_fakes import FakeModel, make_runtime


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient[Any]]:
    runtime = make_runtime(tmp_path, model=FakeModel(), keys=ENTRIES)
    with TestClient(create_app(runtime=runtime, extensions=())) as client:
        yield client


def _request_lines(out: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("event") == "request"]


@pytest.mark.parametrize(
    ("method", "path", "status", "error"),
    [
        ("GET", "/no/such/path", 404, "not_found"),
        ("POST", "/v1/predictt", 404, "not_found"),
        ("DELETE", "/v1/predict", 405, "method_not_allowed"),
        ("GET", "/v1/predict/batch", 405, "method_not_allowed"),
    ],
)
def test_unmatched_requests_get_the_request_id_no_store_and_an_error_body(
    client: TestClient[Any], method: str, path: str, status: int, error: str
) -> None:
    r = client.request(method, path, headers={**PREDICT, "X-Request-ID": "zendesk:4711/1"})
    assert r.status_code == status
    assert r.headers["x-request-id"] == "zendesk:4711/1"
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    assert set(body) == {"status", "error", "detail"}  # ErrorOut; `field` is left out when None
    assert (body["status"], body["error"]) == (status, error)
    assert "/docs" in body["detail"]


def test_a_405_names_the_allowed_methods(client: TestClient[Any]) -> None:
    r = client.delete("/v1/predict", headers=PREDICT)
    assert r.headers["allow"] == "POST, OPTIONS"
    assert "POST" in r.json()["detail"]


def test_a_404_gets_a_new_request_id_when_the_caller_sends_none(client: TestClient[Any]) -> None:
    first, second = client.get("/nope"), client.get("/nope")
    assert len(first.headers["x-request-id"]) == 32
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


def test_unmatched_requests_are_logged_once_with_their_path(
    capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The app is built here: its request log binds the stdout in place at that moment.
    runtime = make_runtime(tmp_path, model=FakeModel(), keys=ENTRIES)
    with TestClient(create_app(runtime=runtime, extensions=())) as client:
        r = client.get("/wp-login.php", headers={"X-Request-ID": "scan-1"})
    lines = [line for line in _request_lines(capfd.readouterr().out)
             if line["request_id"] == "scan-1"]  # fmt: skip
    assert len(lines) == 1
    assert lines[0]["route"] == "unmatched"
    assert lines[0]["path"] == "/wp-login.php"
    assert (lines[0]["status"], lines[0]["method"]) == (r.status_code, "GET")


def test_scanned_paths_and_made_up_methods_share_one_bounded_metrics_series(
    client: TestClient[Any],
) -> None:
    for i in range(20):
        client.get(f"/scan/{i}")
        client.request(f"X{i}", "/v1/predict")
    client.delete("/v1/predict")
    text = client.get("/metrics", headers=ADMIN).text
    prefix = "tp_request_duration_seconds_count"
    counts = [line.removeprefix(prefix) for line in text.splitlines()
              if line.startswith(prefix) and "unmatched" in line]  # fmt: skip
    assert sorted(counts) == [
        '{method="DELETE",route="unmatched",status="405"} 1.0',
        '{method="GET",route="unmatched",status="404"} 20.0',
        '{method="other",route="unmatched",status="405"} 20.0',
    ]


def test_the_review_pages_own_not_found_page_keeps_its_headers_and_gets_the_request_id(
    tmp_path: Path, sqlite_url: str
) -> None:
    runtime = make_runtime(
        tmp_path, model=FakeModel(), keys=ENTRIES,
        storage=StorageSettings(database_url=sqlite_url, redact_text_after_days=0),
    )  # fmt: skip
    with TestClient(create_app(runtime=runtime)) as client:
        r = client.get("/review/no-such-page")
        assert r.status_code == 404
        assert r.headers["content-type"].startswith("text/html")
        assert "Page not found" in r.text
        assert r.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert r.headers["cache-control"] == "no-store"
        assert r.headers["x-request-id"]
        api = client.get("/v1/no-such-endpoint")
        assert (api.status_code, api.json()["error"]) == (404, "not_found")
        assert api.headers["x-request-id"]
