"""POST /v1/predict with an Idempotency-Key: a retry gets the first answer and stores nothing,
on the fast path and on the route alike; the key is scoped by API key; reuse with another
ticket is a 422; the batch route refuses the header rather than ignoring it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families

from serving.app import create_app
from serving.idempotency import Claim, Remembered
from serving.persistence import EncodedPrediction, MemorySink
from serving.service import Runtime
from serving.settings import IdempotencySettings
from tests.api_keys import ENTRIES, KEYS, PREDICT
from tests.serving_fakes import FakeModel, make_runtime

OTHER_TENANT = {"Authorization": f"Bearer {KEYS['admin'][0]}"}  # predict+admin, another key id
OUTAGE = {"external_id": "ZD-4711", "subject": "Server down", "body": "Alt er nede"}


def make_client(runtime: Runtime) -> TestClient[Any]:
    return TestClient(create_app(runtime=runtime, extensions=()))


def stored(runtime: Runtime) -> list[str]:
    assert isinstance(runtime.sink, MemorySink)
    return [record.prediction_id for record in runtime.sink.records]


def chunked(ticket: dict[str, Any]) -> Iterator[bytes]:
    """The ticket without a Content-Length: the fast path hands it to the route."""
    encoded = msgspec.json.encode(ticket)
    yield encoded[:10]
    yield encoded[10:]


def test_a_retry_gets_the_first_answer_with_the_replay_header_and_stores_nothing(
    client: TestClient[Any], runtime: Runtime, route_calls: list[int]
) -> None:
    headers = {**PREDICT, "Idempotency-Key": '"zd-4711-created"'}
    first = client.post("/v1/predict", json=OUTAGE, headers=headers)
    retry = client.post("/v1/predict", json=OUTAGE, headers=headers)
    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.content == first.content
    assert "idempotent-replayed" not in first.headers
    assert retry.headers["idempotent-replayed"] == "true"
    assert stored(runtime) == [first.json()["prediction_id"]]
    assert route_calls == []
    client.post("/v1/predict", json={**OUTAGE, "body": "Other"}, headers=headers)  # 422
    metrics = client.get("/metrics").text
    for outcome in ("new", "replayed", "reused"):
        assert f'tp_idempotent_requests_total{{outcome="{outcome}"}} 1.0' in metrics
    record = runtime.sink.records[0]  # type: ignore[attr-defined]
    assert record.idempotency_key == "p:zd-4711-created"
    assert len(record.request_sha256 or "") == 64


def test_the_route_replays_too_for_a_body_the_fast_path_passes_on(
    client: TestClient[Any], runtime: Runtime, route_calls: list[int]
) -> None:
    headers = {**PREDICT, "Idempotency-Key": "k-1", "Content-Type": "application/json"}
    first = client.post("/v1/predict", content=chunked(OUTAGE), headers=headers)
    retry = client.post("/v1/predict", content=chunked(OUTAGE), headers=headers)
    fast_retry = client.post("/v1/predict", json=OUTAGE, headers=headers)
    assert retry.content == fast_retry.content == first.content
    assert "idempotent-replayed" not in first.headers
    assert retry.headers["idempotent-replayed"] == fast_retry.headers["idempotent-replayed"]
    assert retry.headers["content-type"] == "application/json"
    assert stored(runtime) == [first.json()["prediction_id"]]
    assert route_calls == [1, 1]


def test_a_retry_with_another_order_of_fields_is_the_same_request(
    client: TestClient[Any],
) -> None:
    headers = {**PREDICT, "Idempotency-Key": "k-order", "Content-Type": "application/json"}
    first = client.post("/v1/predict", content=msgspec.json.encode(OUTAGE), headers=headers)
    flipped = dict(reversed(list(OUTAGE.items())))
    again = client.post("/v1/predict", content=msgspec.json.encode(flipped), headers=headers)
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"


@pytest.mark.parametrize("path", ["fast", "route"])
def test_a_key_reused_for_another_ticket_is_a_422_naming_the_header(
    client: TestClient[Any], runtime: Runtime, path: str
) -> None:
    headers = {**PREDICT, "Idempotency-Key": "k-reused", "Content-Type": "application/json"}
    client.post("/v1/predict", json=OUTAGE, headers=headers)
    other = {**OUTAGE, "body": "Everything works again, thanks"}
    content = msgspec.json.encode(other) if path == "fast" else chunked(other)
    r = client.post("/v1/predict", content=content, headers=headers)
    assert r.status_code == 422
    assert (r.json()["error"], r.json()["field"]) == ("idempotency_key_reused", "Idempotency-Key")
    assert "different request body" in r.json()["detail"]
    assert len(stored(runtime)) == 1


def test_two_api_keys_may_use_the_same_key(client: TestClient[Any], runtime: Runtime) -> None:
    first = client.post("/v1/predict", json=OUTAGE, headers={**PREDICT, "Idempotency-Key": "1"})
    other = client.post(
        "/v1/predict", json=OUTAGE, headers={**OTHER_TENANT, "Idempotency-Key": "1"}
    )
    assert "idempotent-replayed" not in other.headers
    assert other.json()["prediction_id"] != first.json()["prediction_id"]
    assert len(stored(runtime)) == 2


def test_requests_without_a_key_are_each_stored(client: TestClient[Any], runtime: Runtime) -> None:
    client.post("/v1/predict", json=OUTAGE, headers=PREDICT)
    client.post("/v1/predict", json=OUTAGE, headers=PREDICT)
    assert len(stored(runtime)) == 2


@pytest.mark.parametrize("path", ["fast", "route"])
def test_a_malformed_key_is_a_400_naming_the_header(
    client: TestClient[Any], runtime: Runtime, path: str
) -> None:
    headers = {**PREDICT, "Idempotency-Key": "x" * 300, "Content-Type": "application/json"}
    content = msgspec.json.encode(OUTAGE) if path == "fast" else chunked(OUTAGE)
    r = client.post("/v1/predict", content=content, headers=headers)
    assert r.status_code == 400
    assert (r.json()["error"], r.json()["field"]) == ("invalid_idempotency_key", "Idempotency-Key")
    assert stored(runtime) == []


def test_a_key_sent_twice_is_a_400(client: TestClient[Any], runtime: Runtime) -> None:
    # The test client joins repeated headers with ", ", as a proxy may.
    headers = [*PREDICT.items(), ("Idempotency-Key", "a"), ("Idempotency-Key", "b")]
    r = client.post("/v1/predict", json=OUTAGE, headers=headers)
    assert r.status_code == 400
    assert "sent more than once?" in r.json()["detail"]
    assert stored(runtime) == []


def test_the_batch_route_refuses_a_key_instead_of_storing_a_retry_twice(
    client: TestClient[Any], runtime: Runtime
) -> None:
    headers = {**PREDICT, "Idempotency-Key": "batch-1"}
    r = client.post("/v1/predict/batch", json={"tickets": [OUTAGE]}, headers=headers)
    assert r.status_code == 400
    assert r.json()["error"] == "idempotency_key_unsupported"
    assert "POST /v1/predict with its own Idempotency-Key" in r.json()["detail"]
    assert stored(runtime) == []


def test_an_operator_names_the_helpdesks_own_header(tmp_path: Path) -> None:
    window = IdempotencySettings(header="X-Zendesk-Webhook-Invocation-Id")
    runtime = make_runtime(tmp_path, model=FakeModel(), keys=ENTRIES, idempotency=window)
    runtime.sink = MemorySink()
    headers = {**PREDICT, "X-Zendesk-Webhook-Invocation-Id": "01HZX3V6Q9"}
    with make_client(runtime) as client:
        first = client.post("/v1/predict", json=OUTAGE, headers=headers)
        retry = client.post("/v1/predict", json=OUTAGE, headers=headers)
        ignored = client.post(
            "/v1/predict", json=OUTAGE, headers={**PREDICT, "Idempotency-Key": "1"}
        )
    assert retry.content == first.content
    assert "idempotent-replayed" not in ignored.headers
    assert len(stored(runtime)) == 2


def test_zero_hours_ignores_the_header(tmp_path: Path) -> None:
    runtime = make_runtime(
        tmp_path, model=FakeModel(), keys=ENTRIES, idempotency=IdempotencySettings(hours=0)
    )
    runtime.sink = MemorySink()
    headers = {**PREDICT, "Idempotency-Key": "1"}
    with make_client(runtime) as client:
        client.post("/v1/predict", json=OUTAGE, headers=headers)
        client.post("/v1/predict", json=OUTAGE, headers=headers)
    assert len(stored(runtime)) == 2


def test_a_key_another_worker_stored_is_replayed_from_the_store(
    client: TestClient[Any], runtime: Runtime
) -> None:
    first = client.post("/v1/predict", json=OUTAGE, headers={**PREDICT, "Idempotency-Key": "w"})
    remembered = runtime.answers.get("p:w")
    assert remembered is not None
    runtime.answers = type(runtime.answers)(10, 60)  # this worker never saw the key
    asked: list[str] = []

    async def find(key: str) -> Remembered | None:
        asked.append(key)
        return remembered

    runtime.find_answer = find
    retry = client.post("/v1/predict", json=OUTAGE, headers={**PREDICT, "Idempotency-Key": "w"})
    assert retry.content == first.content
    assert retry.headers["idempotent-replayed"] == "true"
    assert (asked, len(stored(runtime))) == (["p:w"], 1)


def header_parameters(client: TestClient[Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """POST /v1/predict's header parameters ($refs resolved) and its 200's headers."""
    schema = client.get("/schema/openapi.json").json()
    operation = schema["paths"]["/v1/predict"]["post"]
    parameters = [
        schema["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p
        for p in operation.get("parameters", [])
    ]
    headers = {
        name: schema["components"]["headers"][h["$ref"].rsplit("/", 1)[1]] if "$ref" in h else h
        for name, h in operation["responses"]["200"]["headers"].items()
    }
    return [p for p in parameters if p["in"] == "header"], headers


def test_the_openapi_schema_documents_the_header(client: TestClient[Any]) -> None:
    parameters, headers = header_parameters(client)
    [key] = [p for p in parameters if p["name"] == "Idempotency-Key"]
    assert (key["required"], key["schema"]["maxLength"]) == (False, 255)
    assert set(headers) == {"Idempotent-Replayed", "Idempotent-Unconfirmed"}
    assert headers["Idempotent-Replayed"]["schema"]["enum"] == ["true"]


def test_the_openapi_schema_names_the_header_the_operator_configured(tmp_path: Path) -> None:
    window = IdempotencySettings(header="X-Zendesk-Webhook-Invocation-Id", hours=48)
    runtime = make_runtime(tmp_path, model=FakeModel(), keys=ENTRIES, idempotency=window)
    with make_client(runtime) as client:
        parameters, _ = header_parameters(client)
    assert [p["name"] for p in parameters] == ["X-Zendesk-Webhook-Invocation-Id"]
    assert "within 48 hours" in parameters[0]["description"]


@pytest.mark.parametrize("path", ["fast", "route"])
def test_a_key_another_worker_stored_meanwhile_is_answered_with_the_stored_answer(
    client: TestClient[Any], runtime: Runtime, path: str
) -> None:
    # Both workers missed the key in the store and decided; this one stored second.
    headers = {**PREDICT, "Idempotency-Key": "race", "Content-Type": "application/json"}
    first = client.post("/v1/predict", json=OUTAGE, headers=headers)
    remembered = runtime.answers.get("p:race")
    assert remembered is not None
    runtime.answers = type(runtime.answers)(10, 60)
    claimed: list[str | None] = []

    async def taken(record: EncodedPrediction) -> Claim:
        claimed.append(record.idempotency_key)
        return remembered

    runtime.claim_answer = taken
    content = msgspec.json.encode(OUTAGE) if path == "fast" else chunked(OUTAGE)
    retry = client.post("/v1/predict", content=content, headers=headers)
    assert (retry.status_code, retry.content) == (200, first.content)
    assert retry.headers["idempotent-replayed"] == "true"
    assert "idempotent-unconfirmed" not in retry.headers
    assert (claimed, stored(runtime)) == (["p:race"], [first.json()["prediction_id"]])


_COUNTED = ("tp_decisions_total", "tp_rules_fired_total", "tp_model_confidence_count")


def counted(client: TestClient[Any]) -> dict[str, float]:
    """/metrics' decision, rule-fire, confidence and keyed-request counts, summed by family."""
    totals: dict[str, float] = {}
    for family in text_string_to_metric_families(client.get("/metrics").text):
        for sample in family.samples:
            name = sample.name
            if name == "tp_idempotent_requests_total":
                name = f"{name}:{sample.labels['outcome']}"
            elif name not in _COUNTED:
                continue
            totals[name] = totals.get(name, 0.0) + sample.value
    return totals


@pytest.mark.parametrize("path", ["fast", "route"])
def test_a_request_that_lost_the_race_is_counted_as_a_replay_not_as_a_prediction(
    client: TestClient[Any], runtime: Runtime, path: str
) -> None:
    vip = {**OUTAGE, "customer": {"vip": True}}  # fires the sample rules' `vip` rule
    headers = {**PREDICT, "Idempotency-Key": "race", "Content-Type": "application/json"}
    client.post("/v1/predict", json=vip, headers=headers)
    once = counted(client)
    assert once == {
        "tp_decisions_total": 1.0,
        "tp_rules_fired_total": 1.0,
        "tp_model_confidence_count": 1.0,
        "tp_idempotent_requests_total:new": 1.0,
    }
    remembered = runtime.answers.get("p:race")
    assert remembered is not None
    runtime.answers = type(runtime.answers)(10, 60)  # as if another worker had answered it

    async def taken(record: EncodedPrediction) -> Claim:
        return remembered

    runtime.claim_answer = taken
    content = msgspec.json.encode(vip) if path == "fast" else chunked(vip)
    retry = client.post("/v1/predict", content=content, headers=headers)
    assert retry.headers["idempotent-replayed"] == "true"
    assert counted(client) == {
        **once,
        "tp_idempotent_requests_total:replayed": 1.0,  # one ticket, one prediction counted
    }


@pytest.mark.parametrize("path", ["fast", "route"])
def test_an_answer_the_store_could_not_take_says_so_and_is_queued(
    client: TestClient[Any], runtime: Runtime, path: str
) -> None:
    async def unavailable(record: EncodedPrediction) -> Claim:
        return "unavailable"

    runtime.claim_answer = unavailable
    headers = {**PREDICT, "Idempotency-Key": "down", "Content-Type": "application/json"}

    def send() -> Any:
        content = msgspec.json.encode(OUTAGE) if path == "fast" else chunked(OUTAGE)
        return client.post("/v1/predict", content=content, headers=headers)

    first, retry = send(), send()
    assert (first.status_code, retry.status_code) == (200, 200)
    assert first.headers["idempotent-unconfirmed"] == retry.headers["idempotent-unconfirmed"]
    assert first.headers["idempotent-unconfirmed"] == "true"
    assert "idempotent-replayed" not in retry.headers  # not remembered: decided anew
    ids = [first.json()["prediction_id"], retry.json()["prediction_id"]]
    assert stored(runtime) == ids  # both queued; the store keeps whichever comes first
    metrics = client.get("/metrics").text
    assert 'tp_idempotent_requests_total{outcome="unconfirmed"} 2.0' in metrics


def test_a_claimed_answer_is_not_stored_again_through_the_sink(
    client: TestClient[Any], runtime: Runtime
) -> None:
    claimed: list[EncodedPrediction] = []

    async def stored_now(record: EncodedPrediction) -> Claim:
        claimed.append(record)
        return "stored"

    runtime.claim_answer = stored_now
    headers = {**PREDICT, "Idempotency-Key": "claimed"}
    first = client.post("/v1/predict", json=OUTAGE, headers=headers)
    retry = client.post("/v1/predict", json=OUTAGE, headers=headers)
    assert [r.prediction_id for r in claimed] == [first.json()["prediction_id"]]
    assert claimed[0].answer_json == first.content
    assert (retry.content, retry.headers["idempotent-replayed"]) == (first.content, "true")
    assert stored(runtime) == []
    assert "idempotent-unconfirmed" not in first.headers
