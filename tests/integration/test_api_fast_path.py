"""POST /v1/predict's fast path answers valid requests itself and gives everything else to the
route, so every answer is the same as the route's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from classifier.errors import UnknownLevel
from serving.persistence import MemorySink
from serving.service import Runtime
from serving.settings import LimitSettings
from tests.api_keys import ENTRIES, PREDICT, REVIEW
from tests.serving_fakes import FakeModel, make_runtime

OUTAGE = {"subject": "Server down", "body": "Alt er nede", "customer": {"tier": "enterprise"}}


@pytest.fixture
def runtime(tmp_path: Path) -> Runtime:
    runtime = make_runtime(
        tmp_path, model=FakeModel(), keys=ENTRIES, limits=LimitSettings(subject_chars=20)
    )
    runtime.sink = MemorySink()
    return runtime


def test_a_valid_request_is_answered_without_the_route_and_stored_once(
    client: TestClient[Any], runtime: Runtime, route_calls: list[int]
) -> None:
    r = client.post("/v1/predict", json={**OUTAGE, "external_id": "F-1"}, headers=PREDICT)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.headers["x-request-id"]
    body = r.json()
    assert (body["priority"], body["external_id"]) == ("urgent", "F-1")
    assert route_calls == []
    assert isinstance(runtime.sink, MemorySink)
    assert [s.prediction_id for s in runtime.sink.records] == [body["prediction_id"]]


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"Authorization": "Bearer nope"}, 401), (REVIEW, 403)],
)
def test_key_problems_get_the_routes_401_and_403(
    client: TestClient[Any], headers: dict[str, str], status: int
) -> None:
    r = client.post("/v1/predict", json=OUTAGE, headers=headers)
    assert r.status_code == status
    assert r.json()["status"] == status


def test_a_ticket_over_a_configured_limit_goes_to_the_route_for_its_413(
    client: TestClient[Any], route_calls: list[int]
) -> None:
    r = client.post("/v1/predict", json={"subject": "x" * 21, "body": "b"}, headers=PREDICT)
    assert r.status_code == 413
    assert r.json()["field"] == "subject"
    assert route_calls == [1]


@pytest.mark.parametrize(
    ("content", "status", "field"),
    [(b'{"subject": ', 400, None), (b'{"subject": 7}', 422, "subject")],
)
def test_malformed_and_invalid_bodies_get_the_routes_errors(
    client: TestClient[Any], content: bytes, status: int, field: str | None
) -> None:
    headers = {**PREDICT, "Content-Type": "application/json"}
    r = client.post("/v1/predict", content=content, headers=headers)
    assert r.status_code == status
    assert r.json().get("field") == field


def test_a_body_without_content_length_is_replayed_to_the_route(
    client: TestClient[Any], route_calls: list[int]
) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"subject": "Server down", '
        yield b'"body": "Alt er nede"}'

    headers = {**PREDICT, "Content-Type": "application/json"}
    r = client.post("/v1/predict", content=chunks(), headers=headers)
    assert r.status_code == 200
    assert r.json()["priority"] in {"low", "medium", "high", "urgent"}
    assert route_calls == [1]


def test_a_core_error_gets_the_same_422_as_the_error_map(
    client: TestClient[Any], runtime: Runtime
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise UnknownLevel("customer.calendar: no calendar 'moon'; define it in the rules")

    runtime.decide = refuse
    r = client.post("/v1/predict", json=OUTAGE, headers=PREDICT)
    assert r.status_code == 422
    assert r.json()["error"] == "unknown_level"
    assert "moon" in r.json()["detail"]
    assert r.headers["x-request-id"]
