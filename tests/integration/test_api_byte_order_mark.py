"""A UTF-8 byte-order mark before a JSON body (Windows tools write one) is read past on every
JSON endpoint, as RFC 8259 section 8.1 allows; a UTF-16 body is a 400 that names the fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from serving.app import create_app
from serving.storage.settings import StorageSettings
from tests.api_keys import ENTRIES, KEYS
from tests.serving_fakes import FakeModel, make_runtime

JSON = {"content-type": "application/json"}
PREDICT = {"Authorization": f"Bearer {KEYS['predict'][0]}", **JSON}
REVIEW = {"Authorization": f"Bearer {KEYS['review'][0]}", **JSON}
OUTAGE = {"subject": "Server down", "body": "Alt er nede", "customer": {"tier": "enterprise"}}
BOM = b"\xef\xbb\xbf"


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def test_a_ticket_after_a_byte_order_mark_is_answered_by_the_fast_path(
    client: TestClient[Any], route_calls: list[int]
) -> None:
    r = client.post("/v1/predict", content=BOM + _json({**OUTAGE, "external_id": "B-1"}),
                    headers=PREDICT)  # fmt: skip
    assert r.status_code == 200, r.text
    assert (r.json()["priority"], r.json()["external_id"]) == ("urgent", "B-1")
    assert route_calls == []


def test_a_chunked_ticket_after_a_byte_order_mark_is_answered_by_the_route(
    client: TestClient[Any], route_calls: list[int]
) -> None:
    # Without a Content-Length the fast path hands the request to the route, which decodes
    # the body twice (Litestar's JSONBody, then strictly).
    chunks = iter([BOM, _json({**OUTAGE, "external_id": "B-2"})])
    r = client.post("/v1/predict", content=chunks, headers=PREDICT)
    assert r.status_code == 200, r.text
    assert r.json()["external_id"] == "B-2"
    assert route_calls == [1]


def test_a_batch_after_a_byte_order_mark_is_answered(client: TestClient[Any]) -> None:
    body = BOM + _json({"tickets": [OUTAGE, {"body": "a question"}]})
    r = client.post("/v1/predict/batch", content=body, headers=PREDICT)
    assert r.status_code == 200, r.text
    assert (r.json()["count"], r.json()["failed"]) == (2, 0)
    assert r.json()["results"][0]["decision"]["priority"] == "urgent"


def test_only_a_byte_order_mark_is_the_empty_body_400(client: TestClient[Any]) -> None:
    for path in ("/v1/predict", "/v1/predict/batch"):
        r = client.post(path, content=BOM, headers=PREDICT)
        assert r.status_code == 400, r.text
        assert r.json()["error"] == "empty_body"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
@pytest.mark.parametrize("path", ["/v1/predict", "/v1/predict/batch"])
def test_a_utf16_body_is_400_naming_the_encoding_and_the_fix(
    client: TestClient[Any], path: str, encoding: str
) -> None:
    ticket = OUTAGE if path == "/v1/predict" else {"tickets": [OUTAGE]}
    text = json.dumps(ticket).encode(encoding)
    if encoding == "utf-16-be":
        text = b"\xfe\xff" + text
    r = client.post(path, content=text, headers=PREDICT)
    assert r.status_code == 400, r.text
    body = r.json()
    assert (body["status"], body["error"]) == (400, "malformed_json")
    endian = "little" if encoding == "utf-16" else "big"  # Python's utf-16: native order
    assert f"UTF-16 {endian}-endian" in body["detail"]
    assert "byte-order mark" in body["detail"]
    assert "UTF-8" in body["detail"]


def test_a_review_after_a_byte_order_mark_is_stored(tmp_path: Path, sqlite_url: str) -> None:
    runtime = make_runtime(
        tmp_path, model=FakeModel(), keys=ENTRIES,
        storage=StorageSettings(database_url=sqlite_url, redact_text_after_days=0),
    )  # fmt: skip
    with TestClient(create_app(runtime=runtime)) as client:
        predicted = client.post("/v1/predict", content=_json(OUTAGE), headers=PREDICT)
        prediction_id = predicted.json()["prediction_id"]
        body = BOM + _json({"level": "high", "reason": "other", "note": "bom"})
        r = client.post(f"/v1/predictions/{prediction_id}/review", content=body, headers=REVIEW)
        assert r.status_code == 201, r.text
        assert (r.json()["final_level"], r.json()["note"]) == ("high", "bom")
