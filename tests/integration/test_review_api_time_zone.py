"""GET /v1/stats/agreement?tz=... and GET /v1/reviews/queue?tz=...: days counted, and dates read,
in the caller's time zone, as the review page does; without `tz` the answer is the UTC one it
always was."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.api_keys import PREDICT, REVIEW

# UTC review times around midnight in Helsinki (UTC+2 in November) and Los Angeles (UTC-8).
REVIEWED = [
    "2026-11-19 21:59:00.000000",  # Helsinki 19th 23:59; Los Angeles 19th 13:59
    "2026-11-19 22:30:00.000000",  # Helsinki 20th 00:30; Los Angeles 19th 14:30
    "2026-11-20 07:30:00.000000",  # Helsinki 20th 09:30; Los Angeles 19th 23:30
    "2026-11-20 08:30:00.000000",  # Helsinki 20th 10:30; Los Angeles 20th 00:30
]


@pytest.fixture
def client(review_client: TestClient[Any], sqlite_url: str) -> TestClient[Any]:
    """Four accepted reviews at the times of `REVIEWED`."""
    ids = []
    for n in range(len(REVIEWED)):
        ticket = {"subject": "Alt er nede", "body": f"Ticket {n}", "external_id": f"TZ-{n}"}
        response = review_client.post("/v1/predict", json=ticket, headers=PREDICT)
        ids.append(response.json()["prediction_id"])
    for prediction_id in ids:
        response = review_client.post(
            f"/v1/predictions/{prediction_id}/review", json={}, headers=REVIEW
        )
        assert response.status_code == 201, response.text
    with closing(sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))) as db, db:
        for prediction_id, moment in zip(ids, REVIEWED, strict=True):
            db.execute(
                "UPDATE reviews SET created_at = ? WHERE prediction_id = ?", (moment, prediction_id)
            )
    return review_client


def per_day(client: TestClient[Any], query: str) -> dict[str, int]:
    response = client.get(f"/v1/stats/agreement{query}", headers=REVIEW)
    assert response.status_code == 200, response.text
    return {point["day"]: point["reviews"] for point in response.json()["over_time"]}


def test_days_are_counted_in_the_zone_tz_names(client: TestClient[Any]) -> None:
    assert per_day(client, "") == {"2026-11-19": 2, "2026-11-20": 2}
    assert per_day(client, "?tz=UTC") == {"2026-11-19": 2, "2026-11-20": 2}
    assert per_day(client, "?tz=Europe/Helsinki") == {"2026-11-19": 1, "2026-11-20": 3}
    assert per_day(client, "?tz=America/Los_Angeles") == {"2026-11-19": 3, "2026-11-20": 1}


def test_the_answer_without_tz_is_the_utc_one(client: TestClient[Any]) -> None:
    plain = client.get("/v1/stats/agreement?since=2026-11-20", headers=REVIEW)
    utc = client.get("/v1/stats/agreement?since=2026-11-20&tz=UTC", headers=REVIEW)
    assert plain.status_code == utc.status_code == 200
    assert plain.content == utc.content
    assert plain.json()["overall"]["reviews"] == 2


@pytest.mark.parametrize(
    ("query", "reviews"),
    [
        ("since=2026-11-20&tz=Europe/Helsinki", 3),  # from 2026-11-19 22:00 UTC
        ("since=2026-11-20&tz=America/Los_Angeles", 1),  # from 2026-11-20 08:00 UTC
        ("until=2026-11-20&tz=Europe/Helsinki", 1),
        ("until=2026-11-20&tz=America/Los_Angeles", 3),
        ("since=2026-11-20T00:00:00&tz=America/Los_Angeles", 1),  # a time without a zone too
        ("since=2026-11-20T00:00:00Z&tz=America/Los_Angeles", 2),  # a zone given is kept
        ("since=2026-11-19T23:00:00%2B00:00&tz=Europe/Helsinki", 2),
    ],
)
def test_dates_and_times_without_a_zone_are_read_in_tz(
    client: TestClient[Any], query: str, reviews: int
) -> None:
    response = client.get(f"/v1/stats/agreement?{query}", headers=REVIEW)
    assert response.status_code == 200, response.text
    assert response.json()["overall"]["reviews"] == reviews


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../../etc/passwd", "Europe/Helsinki" * 10])
def test_an_unknown_zone_is_a_422_naming_the_parameter_and_an_example(
    client: TestClient[Any], zone: str
) -> None:
    response = client.get("/v1/stats/agreement", params={"tz": zone}, headers=REVIEW)
    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["status"], body["error"], body["field"]) == (422, "invalid_time_zone", "tz")
    assert "query parameter 'tz'" in body["detail"]
    assert "Europe/Helsinki" in body["detail"]


def test_a_date_outside_the_range_once_in_tz_is_a_422_naming_it(client: TestClient[Any]) -> None:
    response = client.get("/v1/stats/agreement?since=0001-01-01&tz=Europe/Helsinki", headers=REVIEW)
    assert response.status_code == 422, response.text
    assert (response.json()["field"], "0001-01-01" in response.json()["detail"]) == ("since", True)


def test_the_openapi_schema_documents_tz(client: TestClient[Any]) -> None:
    schema = client.get("/schema/openapi.json").json()
    operation = schema["paths"]["/v1/stats/agreement"]["get"]
    (tz,) = [p for p in operation["parameters"] if p["name"] == "tz"]
    assert (tz["in"], tz.get("required", False)) == ("query", False)
    assert "IANA" in tz["description"]
    assert "Europe/Helsinki" in tz["description"]
    assert "422" in operation["responses"]


RECEIVED = REVIEWED  # the same four moments around midnight, as receive times


@pytest.fixture
def queued(review_client: TestClient[Any], sqlite_url: str) -> dict[str, str]:
    """Four pending predictions received at the times of `RECEIVED`: {time: prediction id}."""
    ids = {}
    for n, moment in enumerate(RECEIVED):
        ticket = {"subject": "Alt er nede", "body": f"Queue {n}", "external_id": f"TZQ-{n}"}
        response = review_client.post("/v1/predict", json=ticket, headers=PREDICT)
        ids[moment] = response.json()["prediction_id"]
    stored = review_client.get("/v1/reviews/queue", headers=REVIEW)  # waits for the writes
    assert stored.json()["pending"] == len(RECEIVED), stored.text
    with closing(sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))) as db, db:
        for moment, prediction_id in ids.items():
            db.execute(
                "UPDATE predictions SET created_at = ? WHERE id = ?", (moment, prediction_id)
            )
    return ids


def queue_times(client: TestClient[Any], ids: dict[str, str], query: str) -> list[str]:
    response = client.get(f"/v1/reviews/queue?{query}", headers=REVIEW)
    assert response.status_code == 200, response.text
    shown = {item["prediction_id"] for item in response.json()["items"]}
    assert response.json()["pending"] == len(shown)
    return sorted(moment[11:16] for moment, prediction_id in ids.items() if prediction_id in shown)


@pytest.mark.parametrize(
    ("query", "times"),
    [
        ("received_from=2026-11-20", ["07:30", "08:30"]),  # UTC days without tz
        ("received_from=2026-11-20&tz=UTC", ["07:30", "08:30"]),
        ("received_from=2026-11-20&tz=Europe/Helsinki", ["07:30", "08:30", "22:30"]),
        ("received_until=2026-11-19&tz=Europe/Helsinki", ["21:59"]),
        ("received_from=2026-11-20&tz=America/Los_Angeles", ["08:30"]),
        ("received_until=2026-11-19&tz=America/Los_Angeles", ["07:30", "21:59", "22:30"]),
        (
            "received_from=2026-11-20&received_until=2026-11-20&tz=Europe/Helsinki",
            ["07:30", "08:30", "22:30"],
        ),
        (
            "received_from=2026-11-19&received_until=2026-11-19&tz=America/Los_Angeles",
            ["07:30", "21:59", "22:30"],
        ),
    ],
)
def test_queue_received_days_are_days_in_tz(
    queued: dict[str, str], review_client: TestClient[Any], query: str, times: list[str]
) -> None:
    assert queue_times(review_client, queued, query) == times


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../../etc/passwd"])
def test_queue_unknown_zone_is_a_422_naming_tz(
    queued: dict[str, str], review_client: TestClient[Any], zone: str
) -> None:
    response = review_client.get(
        "/v1/reviews/queue", params={"received_from": "2026-11-20", "tz": zone}, headers=REVIEW
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["error"], body["field"]) == ("invalid_time_zone", "tz")
    assert "Europe/Helsinki" in body["detail"]


def test_the_openapi_schema_documents_the_queue_tz(review_client: TestClient[Any]) -> None:
    schema = review_client.get("/schema/openapi.json").json()
    operation = schema["paths"]["/v1/reviews/queue"]["get"]
    params = {p["name"]: p for p in operation["parameters"]}
    assert (params["tz"]["in"], params["tz"].get("required", False)) == ("query", False)
    assert "IANA" in params["tz"]["description"]
    assert "`tz`" in params["received_from"]["description"]
    assert "UTC date" not in params["received_until"]["description"]
