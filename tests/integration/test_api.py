"""Every endpoint and status code of the service, over fakes of the model and the rules."""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import structlog
from litestar.testing import TestClient

from classifier.levels import PriorityScale
from serving.app import create_app
from serving.persistence import EncodedPrediction, MemorySink
from serving.routes import predict as predict_routes
from serving.service import Runtime
from serving.settings import LimitSettings
from tests.api_keys import ADMIN, ENTRIES, PREDICT, REVIEW
from tests.serving_fakes import FakeModel, make_runtime, write_rules
from training.settings import MlflowSettings

OUTAGE = {"subject": "Server down", "body": "Alt er nede", "customer": {"tier": "enterprise"}}


def _client(runtime: Runtime) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(runtime=runtime, extensions=())) as client:
        yield client


@pytest.fixture
def model() -> FakeModel:
    return FakeModel()


@pytest.fixture
def runtime(tmp_path: Path, model: FakeModel) -> Runtime:
    return make_runtime(tmp_path, model=model, keys=ENTRIES)


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient[Any]]:
    yield from _client(runtime)


@pytest.fixture
def rules_only(tmp_path: Path) -> Iterator[TestClient[Any]]:
    yield from _client(make_runtime(tmp_path, model=None, keys=ENTRIES))


def test_predict_returns_the_whole_decision(client: TestClient[Any]) -> None:
    r = client.post("/v1/predict", json={**OUTAGE, "external_id": "Z-9"}, headers=PREDICT)
    assert r.status_code == 200
    body = r.json()
    assert body["priority"] == "urgent"
    assert body["source"] == "model"
    assert body["model_priority"] == "urgent"
    assert set(body["probabilities"]) == {"low", "medium", "high", "urgent"}
    assert body["model_name"] == "ticket-priority"
    assert body["model_version"] == "1"
    assert body["external_id"] == "Z-9"
    assert len(body["prediction_id"]) == 32
    assert body["sla"]["level"] == "urgent"
    assert body["rules_sha256"]
    assert body["degraded"] is None
    assert r.headers["x-request-id"]


def test_a_rule_overrides_the_model_and_is_named(client: TestClient[Any]) -> None:
    r = client.post(
        "/v1/predict", json={"body": "hello", "customer": {"vip": True}}, headers=PREDICT
    )
    body = r.json()
    assert (body["priority"], body["source"], body["rule_id"]) == ("high", "rule", "vip")
    assert body["model_priority"] == "low"
    assert body["rules_fired"][0]["reason"] == "customer.vip is true"


def test_without_a_key_predict_is_401_json(client: TestClient[Any]) -> None:
    r = client.post("/v1/predict", json=OUTAGE)
    assert r.status_code == 401
    assert r.json()["error"] == "unauthorized"
    assert "Bearer" in r.json()["detail"]


def test_a_key_without_the_predict_scope_is_403(client: TestClient[Any]) -> None:
    r = client.post("/v1/predict", json=OUTAGE, headers=REVIEW)
    assert r.status_code == 403
    assert "predict" in r.json()["detail"]


def test_malformed_json_is_400(client: TestClient[Any]) -> None:
    r = client.post("/v1/predict", content=b'{"subject": ', headers=PREDICT)
    assert r.status_code == 400
    assert r.json()["error"] == "malformed_json"


DEEP = b"[" * 1000 + b"]" * 1000
DEEP_OBJECT = b'{"a":' * 1000 + b"1" + b"}" * 1000


@pytest.mark.parametrize("nested", [DEEP, DEEP_OBJECT], ids=["arrays", "objects"])
@pytest.mark.parametrize("path", ["/v1/predict", "/v1/predict/batch"])
def test_json_nested_too_deeply_is_400_naming_the_limit_without_a_traceback(
    client: TestClient[Any], path: str, nested: bytes
) -> None:
    ticket = b'{"subject": "x", "extra_field": ' + nested + b"}"
    body = ticket if path == "/v1/predict" else b'{"tickets": [' + ticket + b"]}"
    with structlog.testing.capture_logs() as logs:
        r = client.post(path, content=body, headers={**PREDICT, "content-type": "application/json"})
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "malformed_json"
    assert "nested too deeply" in r.json()["detail"]
    assert "1,000 levels" in r.json()["detail"]
    assert not [e for e in logs if e["event"] == "unhandled_error"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"subject": 5}, "subject"),
        ({"body": "x", "customer": {"vip": "often"}}, "customer.vip"),
        ({"body": "x", "affected_users": -3}, "affected_users"),
        ({"body": "x", "created_at": "yesterday"}, "created_at"),
        ({"body": "x", "tags": [1]}, "tags[0]"),
        ({"subject": "", "body": ""}, "body"),
    ],
)
def test_invalid_fields_are_422_naming_the_field(
    client: TestClient[Any], payload: dict[str, Any], field: str
) -> None:
    r = client.post("/v1/predict", json=payload, headers=PREDICT)
    assert r.status_code == 422
    assert r.json()["field"] == field
    assert field.split("[", maxsplit=1)[0] in r.json()["detail"]


def test_a_non_object_body_is_422(client: TestClient[Any]) -> None:
    r = client.post("/v1/predict", json=["a"], headers=PREDICT)
    assert r.status_code == 422


def test_too_long_text_is_413_naming_the_field(client: TestClient[Any]) -> None:
    r = client.post("/v1/predict", json={"subject": "x" * 1001}, headers=PREDICT)
    assert r.status_code == 413
    assert r.json()["field"] == "subject"
    assert "1000" in r.json()["detail"]


def test_a_request_over_the_byte_limit_is_413(tmp_path: Path) -> None:
    runtime = make_runtime(
        tmp_path,
        model=FakeModel(),
        keys=ENTRIES,
        limits=LimitSettings(request_bytes=2048, body_chars=10_000),
    )
    for client in _client(runtime):
        r = client.post("/v1/predict", json={"body": "x" * 5000}, headers=PREDICT)
        assert r.status_code == 413
        assert "TP_MAX_REQUEST_BYTES" in r.json()["detail"]


def test_batch_answers_in_order_with_one_model_call(
    client: TestClient[Any], model: FakeModel
) -> None:
    tickets = [OUTAGE, {"subject": 7}, {"body": "a question"}, {"body": ""}]
    r = client.post("/v1/predict/batch", json={"tickets": tickets}, headers=PREDICT)
    assert r.status_code == 200
    body = r.json()
    assert (body["count"], body["failed"]) == (4, 2)
    results = body["results"]
    assert [x["index"] for x in results] == [0, 1, 2, 3]
    assert results[0]["decision"]["priority"] == "urgent"
    assert results[1]["error"]["field"] == "tickets[1].subject"
    assert results[2]["decision"]["priority"] == "low"
    assert results[3]["error"]["status"] == 422
    assert model.calls == [2]


def test_batch_over_the_size_limit_is_413(tmp_path: Path) -> None:
    runtime = make_runtime(
        tmp_path, model=FakeModel(), keys=ENTRIES, limits=LimitSettings(batch_size=3)
    )
    for client in _client(runtime):
        r = client.post("/v1/predict/batch", json={"tickets": [OUTAGE] * 4}, headers=PREDICT)
        assert r.status_code == 413
        assert r.json()["field"] == "tickets"


def test_batch_over_the_size_limit_is_counted_before_the_typed_decode(
    client: TestClient[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 5,000,000 `{}` items (15 MB) took 6 s of typed decoding just to get their 413.
    def typed(_body: bytes) -> Any:
        raise AssertionError("the tickets were decoded before they were counted")

    monkeypatch.setattr(predict_routes, "_all_tickets", typed)
    body = b'{"tickets": [' + b",".join([b"{}"] * 1001) + b"]}"
    r = client.post(
        "/v1/predict/batch", content=body, headers={**PREDICT, "content-type": "application/json"}
    )
    assert r.status_code == 413, r.text
    assert "1001 tickets" in r.json()["detail"]


@pytest.mark.parametrize(
    ("content", "status"),
    [(b'{"tickets": [', 400), (b"{}", 422), (b'{"tickets": 5}', 422), (b"[1, 2]", 422)],
)
def test_batch_with_a_broken_envelope_is_4xx(
    client: TestClient[Any], content: bytes, status: int
) -> None:
    r = client.post("/v1/predict/batch", content=content, headers=PREDICT)
    assert r.status_code == status


def test_batch_needs_the_predict_scope(client: TestClient[Any]) -> None:
    assert client.post("/v1/predict/batch", json={"tickets": []}).status_code == 401


def test_model_endpoint_describes_the_served_model(client: TestClient[Any]) -> None:
    body = client.get("/v1/model", headers=PREDICT).json()
    assert body["name"] == "ticket-priority"
    assert body["version"] == "1"
    assert body["levels"] == ["low", "medium", "high", "urgent"]
    assert body["metrics"] == {"macro_f1": 0.8}
    assert body["trained_at"].startswith("2026-01-01")


def test_model_endpoint_is_503_without_a_model(rules_only: TestClient[Any]) -> None:
    r = rules_only.get("/v1/model", headers=PREDICT)
    assert r.status_code == 503
    assert r.json()["error"] == "model_not_ready"


def test_rules_endpoint_names_the_file_and_hash(client: TestClient[Any]) -> None:
    body = client.get("/v1/rules", headers=PREDICT).json()
    assert body["source"].endswith("rules.yaml")
    assert len(body["sha256"]) == 64
    assert body["problem"] is None
    # Readiness needs no key: the file's name only, not the server's folders.
    public = client.get("/health/ready").json()["rules"]
    assert public["source"] == "rules.yaml" != body["source"]
    assert public["sha256"] == body["sha256"]


def test_live_and_ready_need_no_key(client: TestClient[Any]) -> None:
    assert client.get("/health/live").json() == {"status": "ok"}
    ready = client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    assert ready.json()["model_version"] == "1"
    assert len(ready.json()["rules"]["sha256"]) == 64


def test_ready_lists_a_review_store_that_is_not_storing(
    client: TestClient[Any], runtime: Runtime
) -> None:
    class _Failing(MemorySink):
        problem = "review store: writes are failing; 3 predictions wait, 0 dropped so far"

    runtime.sink = _Failing()
    ready = client.get("/health/ready").json()
    assert ready["status"] == "ready"  # answers are unaffected
    assert ready["problems"] == [_Failing.problem]


def test_without_a_model_rules_answer_and_ready_says_degraded(
    rules_only: TestClient[Any],
) -> None:
    r = rules_only.post("/v1/predict", json=OUTAGE, headers=PREDICT)
    assert r.status_code == 200
    body = r.json()
    assert body["source"] == "default"
    assert body["priority"] == "medium"
    assert body["model_version"] is None
    assert "no model" in body["degraded"]
    ready = rules_only.get("/health/ready").json()
    assert ready["status"] == "degraded"
    assert ready["degraded"]
    assert ready["model_version"] is None


def test_a_failing_model_degrades_instead_of_500(client: TestClient[Any], model: FakeModel) -> None:
    model.fail = True
    r = client.post("/v1/predict", json=OUTAGE, headers=PREDICT)
    assert r.status_code == 200
    assert r.json()["source"] == "default"
    assert "failed" in r.json()["degraded"]
    assert 'tp_internal_errors_total{kind="model"} 1.0' in client.get("/metrics").text


def test_a_model_on_levels_the_rules_do_not_know_degrades_with_the_fix(tmp_path: Path) -> None:
    model = FakeModel(scale=PriorityScale.from_names(["lo", "mid", "hi"]))
    for client in _client(make_runtime(tmp_path, model=model, keys=ENTRIES)):
        r = client.post("/v1/predict", json=OUTAGE, headers=PREDICT)
        assert r.status_code == 200
        body = r.json()
        assert (body["source"], body["priority"]) == ("default", "medium")
        assert body["model_version"] is None
        assert body["degraded"].startswith(
            "model ticket-priority version 1 suggests levels ['lo', 'mid', 'hi'] that the rules "
            "file's levels ['low', 'medium', 'high', 'urgent'] do not know"
        )
        assert "aliases: {lo: low}" in body["degraded"]
        assert model.calls == []  # its answers could not be placed, so it is not asked
        ready = client.get("/health/ready").json()
        assert (ready["status"], ready["model_version"]) == ("degraded", "1")
        assert ready["problems"] == [body["degraded"]]
        assert "tp_degraded 1.0" in client.get("/metrics").text


def test_a_model_whose_levels_are_rule_aliases_is_served(tmp_path: Path) -> None:
    model = FakeModel(scale=PriorityScale.from_names(["minor", "normal", "major", "critical"]))
    for client in _client(make_runtime(tmp_path, model=model, keys=ENTRIES)):
        body = client.post("/v1/predict", json=OUTAGE, headers=PREDICT).json()
        assert (body["source"], body["degraded"]) == ("model", None)
        assert client.get("/health/ready").json()["status"] == "ready"


def test_metrics_count_decisions_rules_and_model_info(client: TestClient[Any]) -> None:
    client.post("/v1/predict", json={"body": "hi", "customer": {"vip": True}}, headers=PREDICT)
    text = client.get("/metrics").text
    assert 'tp_decisions_total{priority="high",source="rule"} 1.0' in text
    assert 'tp_rules_fired_total{rule_id="vip"} 1.0' in text
    assert 'tp_model_info{name="ticket-priority",run_id="run-1",version="1"} 1.0' in text
    assert "tp_degraded 0.0" in text
    assert (
        'tp_request_duration_seconds_count{method="POST",route="/v1/predict",status="200"}' in text
    )
    assert "tp_model_confidence_bucket" in text


def test_metrics_can_require_the_admin_scope(tmp_path: Path) -> None:
    from serving.settings import AuthSettings

    runtime = make_runtime(tmp_path, model=FakeModel(), keys=ENTRIES)
    runtime.settings = type(runtime.settings)(
        **{
            **runtime.settings.__dict__,
            "auth": AuthSettings(api_keys=tuple(ENTRIES), metrics_public=False),
        }
    )
    for client in _client(runtime):
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers=PREDICT).status_code == 403
        assert client.get("/metrics", headers=ADMIN).status_code == 200


def test_reload_needs_admin_and_picks_up_new_rules(
    client: TestClient[Any], runtime: Runtime
) -> None:
    assert client.post("/v1/admin/reload", headers=PREDICT).status_code == 403
    before = client.get("/v1/rules", headers=PREDICT).json()["sha256"]
    write_rules(runtime.rules.path, "ok rules v2")
    r = client.post("/v1/admin/reload", headers=ADMIN)
    assert r.status_code == 200
    assert r.json()["rules_changed"] is True
    assert r.json()["rules_sha256"] != before
    assert client.get("/v1/rules", headers=PREDICT).json()["sha256"] == r.json()["rules_sha256"]


def test_a_broken_rules_file_is_rejected_and_the_old_rules_kept(
    client: TestClient[Any], runtime: Runtime
) -> None:
    before = client.get("/v1/rules", headers=PREDICT).json()["sha256"]
    write_rules(runtime.rules.path, "broken: [")
    r = client.post("/v1/admin/reload", headers=ADMIN)
    assert r.status_code == 409
    assert r.json()["error"] == "rules_invalid"
    assert client.get("/v1/rules", headers=PREDICT).json()["sha256"] == before
    assert client.post("/v1/predict", json=OUTAGE, headers=PREDICT).status_code == 200
    ready = client.get("/health/ready").json()
    assert any("expected a list of rules" in p for p in ready["problems"])


class _FailingSink:
    async def save(self, records: Sequence[EncodedPrediction]) -> None:
        raise OSError("disk full")


def test_predictions_are_stored_once_per_ticket(runtime: Runtime) -> None:
    sink = MemorySink()
    runtime.sink = sink
    for client in _client(runtime):
        one = client.post("/v1/predict", json={**OUTAGE, "external_id": "A"}, headers=PREDICT)
        client.post(
            "/v1/predict/batch", json={"tickets": [OUTAGE, {"x": 1}, OUTAGE]}, headers=PREDICT
        )
    assert len(sink.records) == 3
    first = sink.records[0]
    assert first.prediction_id == one.json()["prediction_id"]
    assert first.external_id == "A"
    assert first.request["subject"] == "Server down"
    assert first.decision["priority"] == "urgent"
    assert first.model_version == "1"
    assert first.rules_sha256 == one.json()["rules_sha256"]


def test_responses_send_the_stored_decision_bytes_in_the_documented_shape(
    runtime: Runtime,
) -> None:
    import msgspec

    from serving.persistence import EncodedPrediction
    from serving.schemas import BatchOut, DecisionOut

    sink = MemorySink()
    runtime.sink = sink
    for client in _client(runtime):
        one = client.post("/v1/predict", json=OUTAGE, headers=PREDICT)
        batch = client.post(
            "/v1/predict/batch", json={"tickets": [{"x": 1}, OUTAGE]}, headers=PREDICT
        )
    stored = [r for r in sink.records if isinstance(r, EncodedPrediction)]
    assert len(stored) == 2
    assert one.content == stored[0].decision_json
    assert msgspec.json.decode(one.content, type=DecisionOut).priority == "urgent"
    typed = msgspec.json.decode(batch.content, type=BatchOut)
    assert (typed.count, typed.failed) == (2, 1)
    assert typed.results[0].decision is None
    assert typed.results[0].error is not None
    assert msgspec.json.encode(typed.results[1].decision) == stored[1].decision_json
    assert "decision" not in batch.json()["results"][0]
    assert "error" not in batch.json()["results"][1]


def test_a_failing_store_still_answers(runtime: Runtime) -> None:
    runtime.sink = _FailingSink()
    for client in _client(runtime):
        r = client.post("/v1/predict", json=OUTAGE, headers=PREDICT)
        assert r.status_code == 200
        assert 'tp_internal_errors_total{kind="store"} 1.0' in client.get("/metrics").text


def test_shadow_mode_reports_the_model_without_using_it(tmp_path: Path) -> None:
    runtime = make_runtime(tmp_path, model=FakeModel(), keys=ENTRIES, shadow_mode=True)
    for client in _client(runtime):
        body = client.post("/v1/predict", json=OUTAGE, headers=PREDICT).json()
        assert body["source"] == "default"
        assert body["shadow_model_priority"] == "urgent"


def test_ticket_text_stays_out_of_the_log(
    capfd: pytest.CaptureFixture[str], runtime: Runtime
) -> None:
    for client in _client(runtime):
        client.post("/v1/predict", json={"body": "secret-8f3a down"}, headers=PREDICT)
    out, err = capfd.readouterr()
    assert '"route":"/v1/predict"' in out
    assert '"priority":"urgent"' in out
    assert "secret-8f3a" not in out + err


def test_each_request_writes_one_json_log_line_with_its_id_and_outcome(
    capfd: pytest.CaptureFixture[str], runtime: Runtime
) -> None:
    for client in _client(runtime):
        r = client.post("/v1/predict", json=OUTAGE, headers={**PREDICT, "X-Request-ID": "rq-7"})
        capfd.readouterr()
        client.post("/v1/predict", json=OUTAGE, headers=PREDICT)
    assert r.headers["x-request-id"] == "rq-7"
    out, _ = capfd.readouterr()
    lines = [json.loads(line) for line in out.splitlines() if '"event":"request"' in line]
    assert len(lines) == 1
    line = lines[0]
    assert list(line)[-3:] == ["event", "level", "timestamp"]
    assert (line["route"], line["status"], line["level"]) == ("/v1/predict", 200, "info")
    assert len(line["request_id"]) == 32
    assert line["priority"] == "urgent"
    assert line["timestamp"].endswith("Z")
    assert line["ms"] > 0


def test_openapi_documents_every_endpoint_and_docs_redirect(client: TestClient[Any]) -> None:
    schema = client.get("/schema/openapi.json").json()
    paths = set(schema["paths"])
    assert {
        "/v1/predict",
        "/v1/predict/batch",
        "/v1/model",
        "/v1/rules",
        "/v1/admin/reload",
        "/health/live",
        "/health/ready",
        "/metrics",
    } <= paths
    batch_body = schema["paths"]["/v1/predict/batch"]["post"]["requestBody"]
    items = batch_body["content"]["application/json"]["schema"]["properties"]["tickets"]["items"]
    assert items["$ref"].endswith("/TicketIn")
    assert "TicketIn" in schema["components"]["schemas"]
    r = client.get("/docs", follow_redirects=False)
    assert r.status_code in (301, 302, 307)


def test_unknown_paths_are_404_json(client: TestClient[Any]) -> None:
    r = client.get("/v1/nothing")
    assert r.status_code == 404
    assert r.json()["status"] == 404


def test_serving_raises_the_young_gc_threshold_and_restores_it_at_shutdown(
    runtime: Runtime,
) -> None:
    import gc

    from serving.app import GC_YOUNG_THRESHOLD

    before = gc.get_threshold()
    with TestClient(create_app(runtime=runtime, extensions=())) as client:
        assert client.get("/health/live").status_code == 200
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, *before[1:])
    assert gc.get_threshold() == before


@pytest.mark.parametrize("path", ["/v1/predict", "/v1/predict/batch"])
def test_a_500_is_logged_with_the_request_id_it_answers_with(
    client: TestClient[Any], runtime: Runtime, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(runtime, "decide_all", broken)
    body = OUTAGE if path == "/v1/predict" else {"tickets": [OUTAGE]}
    with structlog.testing.capture_logs() as logs:
        r = client.post(path, json=body, headers=PREDICT)
    assert r.status_code == 500
    entry = next(e for e in logs if e["event"] == "unhandled_error")
    assert entry["request_id"] == r.headers["x-request-id"]
    assert entry["error_type"] == "RuntimeError"


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("zendesk:4711/1", True),
        ("freshdesk@eu-5.42", True),
        ("a" * 128, True),
        ("a" * 129, False),  # replaced whole, never cut to look like another id
        ("id with spaces", False),
        ('x"}{"injected":1', False),
    ],
)
def test_a_callers_request_id_is_echoed_only_when_safe_and_whole(
    runtime: Runtime, sent: str, kept: bool
) -> None:
    for client in _client(runtime):
        echoed = client.get("/v1/model", headers={**PREDICT, "X-Request-ID": sent}).headers[
            "x-request-id"
        ]
        assert (echoed == sent) is kept
        assert len(echoed) == len(sent) if kept else len(echoed) == 32


def _with_registry(tmp_path: Path, tracking_uri: str) -> Runtime:
    """A runtime without a model that reads the registry at `tracking_uri`."""
    runtime = make_runtime(tmp_path, model=None, keys=ENTRIES)
    runtime.models.settings = replace(
        runtime.models.settings,
        registry_enabled=True,
        mlflow=MlflowSettings(tracking_uri=tracking_uri),
    )
    return runtime


def test_ready_never_shows_the_registry_password(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    runtime = _with_registry(tmp_path, f"http://mlflow:PgS3cret@127.0.0.1:{port}")
    for client in _client(runtime):
        ready = client.get("/health/ready")
        assert ready.status_code == 200
        assert "PgS3cret" not in ready.text
        assert "127.0.0.1" not in ready.text  # readiness is public: no URL at all
        assert "registry 'http://\u2026': cannot resolve" in ready.json()["degraded"]
        reload = client.post("/v1/admin/reload", headers=ADMIN)
        assert "PgS3cret" not in reload.text
        assert "mlflow:***@127.0.0.1" in reload.json()["model_problem"]  # admin: the URL


def test_ready_shows_no_folder_of_a_missing_registry_or_a_rejected_rules_file(
    tmp_path: Path,
) -> None:
    registry = tmp_path / "gone" / "mlflow.db"
    runtime = _with_registry(tmp_path, f"sqlite:///{registry}")
    for client in _client(runtime):
        reload = client.post("/v1/admin/reload", headers=ADMIN)
        write_rules(tmp_path / "rules.yaml", "broken")
        with structlog.testing.capture_logs() as logs:
            rejected = client.post("/v1/admin/reload", headers=ADMIN)
        assert rejected.status_code == 409
        ready = client.get("/health/ready").json()
        assert str(tmp_path) not in json.dumps(ready)
        registry_problem = "registry 'sqlite://\u2026': database file mlflow.db does not exist"
        assert ready["problems"][0].startswith(registry_problem)
        assert ready["degraded"] == ready["problems"][0]
        rules_problem = "rules.yaml: rules: expected a list of rules"
        assert ready["problems"][1:] == [rules_problem]
        assert ready["rules"]["problem"] == rules_problem
        # Operators keep the detail: the admin answer and the log line name the full path.
        assert str(registry) in reload.json()["model_problem"]
        assert str(tmp_path / "rules.yaml") in rejected.json()["detail"]
        assert any(str(tmp_path / "rules.yaml") in str(line.get("problem")) for line in logs)


@pytest.mark.parametrize("path", ["/health/live", "/health/ready"])
def test_health_answers_head_as_load_balancers_probe(client: TestClient[Any], path: str) -> None:
    r = client.head(path)
    assert r.status_code == 200
    assert r.content == b""


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/v1/predict"), ("post", "/v1/predict/batch"), ("get", "/v1/model")],
)
def test_a_401_names_the_bearer_scheme(client: TestClient[Any], method: str, path: str) -> None:
    r = client.request(method, path, json={"subject": "x"})
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"


def test_answers_are_not_stored_by_caches_on_the_way(runtime: Runtime) -> None:
    for client in _client(runtime):
        predicted = client.post("/v1/predict", json=OUTAGE, headers=PREDICT)
        batch = client.post("/v1/predict/batch", json={"tickets": [OUTAGE]}, headers=PREDICT)
        for answer in (predicted, batch, client.get("/v1/model", headers=PREDICT)):
            assert answer.headers.get_list("cache-control") == ["no-store"]


def test_a_helpdesks_numeric_ticket_id_is_accepted_and_kept_as_text(runtime: Runtime) -> None:
    # Zendesk and Freshdesk webhooks send {"id": 4711}; a template change should not be needed.
    for client in _client(runtime):
        single = client.post("/v1/predict", json={**OUTAGE, "external_id": 4711}, headers=PREDICT)
        batch = client.post(
            "/v1/predict/batch",
            json={"tickets": [{**OUTAGE, "external_id": 4712}]},
            headers=PREDICT,
        )
        assert single.status_code == 200, single.text
        assert single.json()["external_id"] == "4711"
        assert batch.json()["results"][0]["decision"]["external_id"] == "4712"


def test_metrics_say_while_the_rules_file_on_disk_is_rejected(
    client: TestClient[Any], runtime: Runtime
) -> None:
    def problem(kind: str) -> str:
        found = re.search(rf'^tp_config_problem\{{kind="{kind}"\}} (\S+)$',
                          client.get("/metrics").text, re.M)  # fmt: skip
        assert found is not None
        return found.group(1)

    assert (problem("rules"), problem("model")) == ("0.0", "0.0")
    good = runtime.rules.path.read_text()
    write_rules(runtime.rules.path, "broken: [")
    assert client.post("/v1/admin/reload", headers=ADMIN).status_code == 409
    assert problem("rules") == "1.0"
    runtime.rules.path.write_text(good)
    assert client.post("/v1/admin/reload", headers=ADMIN).status_code == 200
    assert problem("rules") == "0.0"


def test_metrics_say_so_when_the_file_watch_rejects_the_rules(tmp_path: Path) -> None:
    runtime = make_runtime(tmp_path, model=FakeModel(), keys=ENTRIES)
    watched = replace(runtime.settings.rules, reload_seconds=0.05)
    runtime.settings = replace(runtime.settings, rules=watched)
    with TestClient(create_app(runtime=runtime)) as client:
        write_rules(runtime.rules.path, "broken: [")
        scraped = ""
        for _ in range(100):
            scraped = client.get("/metrics").text
            if 'tp_config_problem{kind="rules"} 1.0' in scraped:
                break
            time.sleep(0.05)
        assert 'tp_config_problem{kind="rules"} 1.0' in scraped
