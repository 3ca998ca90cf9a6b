"""A team lead exports the reviews from the dashboard, signed in to the page (no API key header)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from serving.app import create_app
from serving.storage.settings import StorageSettings
from tests.api_keys import CSRF, ENTRIES, KEYS, PREDICT, REVIEW
from tests.serving_fakes import FakeModel, make_runtime


@pytest.fixture
def client(tmp_path: Path, sqlite_url: str) -> Iterator[TestClient[Any]]:
    runtime = make_runtime(
        tmp_path, model=FakeModel(), keys=ENTRIES, storage=StorageSettings(database_url=sqlite_url)
    )
    with TestClient(create_app(runtime=runtime)) as test_client:
        yield test_client


def _reviewed(client: TestClient[Any], subject: str) -> str:
    ticket = {"subject": subject, "body": "<script>alert(1)</script>", "language": "da"}
    prediction_id = str(
        client.post("/v1/predict", json=ticket, headers=PREDICT).json()["prediction_id"]
    )
    review = {"level": "urgent", "reason": "vip"}
    answer = client.post(f"/v1/predictions/{prediction_id}/review", json=review, headers=REVIEW)
    assert answer.status_code == 201, answer.text
    return prediction_id


def _sign_in(client: TestClient[Any]) -> None:
    token = CSRF.search(client.get("/review/login").text)
    assert token is not None
    client.post("/review/login", data={"key": KEYS["review"][0], "csrf": token.group(1)})


def test_the_dashboard_downloads_the_reviews_as_csv_and_json_lines(
    client: TestClient[Any],
) -> None:
    prediction_id = _reviewed(client, '=HYPERLINK("http://x") Nedbrud')
    _sign_in(client)
    dashboard = client.get("/review/dashboard").text
    assert '<form method="get" action="/review/export"' in dashboard

    download = client.get("/review/export?since=&format=csv")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert download.headers["content-disposition"] == 'attachment; filename="reviews.csv"'
    [row] = list(csv.DictReader(io.StringIO(download.text)))
    assert (row["prediction_id"], row["priority"], row["reason_code"]) == (
        prediction_id,
        "urgent",
        "vip",
    )
    assert row["subject"].startswith("'=HYPERLINK")  # stays text in a spreadsheet

    lines = client.get("/review/export?format=jsonl").text.splitlines()
    assert [json.loads(line)["prediction_id"] for line in lines] == [prediction_id]
    later = client.get("/review/export?since=2999-01-01&format=csv").text.splitlines()
    assert len(later) == 1
    assert "prediction_id" in later[0]


def test_an_export_with_a_bad_date_says_what_to_send(client: TestClient[Any]) -> None:
    _sign_in(client)
    answer = client.get("/review/export?since=24.11.2026")
    assert answer.status_code == 422
    assert "“24.11.2026” is not a date; use one like 2026-11-01." in answer.text


def test_the_export_needs_a_signed_in_reviewer(client: TestClient[Any]) -> None:
    _reviewed(client, "Nedbrud")
    answer = client.get("/review/export?format=csv", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/review/login?next=%2Freview%2Fexport%3Fformat%3Dcsv"
