"""A team lead exports the reviews from the dashboard, signed in to the page (no API key header)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from litestar.testing import TestClient

from tests.api_keys import CSRF, KEYS, PREDICT, REVIEW


def _reviewed(review_client: TestClient[Any], subject: str) -> str:
    ticket = {"subject": subject, "body": "<script>alert(1)</script>", "language": "da"}
    prediction_id = str(
        review_client.post("/v1/predict", json=ticket, headers=PREDICT).json()["prediction_id"]
    )
    review = {"level": "urgent", "reason": "vip"}
    answer = review_client.post(
        f"/v1/predictions/{prediction_id}/review", json=review, headers=REVIEW
    )
    assert answer.status_code == 201, answer.text
    return prediction_id


def _sign_in(review_client: TestClient[Any]) -> None:
    token = CSRF.search(review_client.get("/review/login").text)
    assert token is not None
    review_client.post("/review/login", data={"key": KEYS["review"][0], "csrf": token.group(1)})


def test_the_dashboard_downloads_the_reviews_as_csv_and_json_lines(
    review_client: TestClient[Any],
) -> None:
    prediction_id = _reviewed(review_client, '=HYPERLINK("http://x") Nedbrud')
    _sign_in(review_client)
    dashboard = review_client.get("/review/dashboard").text
    assert '<form method="get" action="/review/export"' in dashboard

    download = review_client.get("/review/export?since=&format=csv")
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

    lines = review_client.get("/review/export?format=jsonl").text.splitlines()
    assert [json.loads(line)["prediction_id"] for line in lines] == [prediction_id]
    later = review_client.get("/review/export?since=2999-01-01&format=csv").text.splitlines()
    assert len(later) == 1
    assert "prediction_id" in later[0]


def test_an_export_with_a_bad_date_says_what_to_send(review_client: TestClient[Any]) -> None:
    _sign_in(review_client)
    answer = review_client.get("/review/export?since=24.11.2026")
    assert answer.status_code == 422
    assert "“24.11.2026” is not a date; use one like 2026-11-01." in answer.text


def test_the_export_needs_a_signed_in_reviewer(review_client: TestClient[Any]) -> None:
    _reviewed(review_client, "Nedbrud")
    answer = review_client.get("/review/export?format=csv", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/review/login?next=%2Freview%2Fexport%3Fformat%3Dcsv"
