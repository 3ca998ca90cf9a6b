"""Shadow mode over the real app, the real rules and `decide()`: the service serves the
rules-only level, the store keeps what the model would have said, and the agreement API and
dashboard compare both with the reviewers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import create_engine, text

from classifier.decide import decide
from classifier.rules import default_rules_path
from serving.app import create_app
from serving.rules_store import RulesStore
from serving.storage.settings import StorageSettings
from tests.api_keys import CSRF, ENTRIES, KEYS, PREDICT, REVIEW
from tests.serving_fakes import FakeModel, make_runtime

# FakeModel says urgent for "nede"/"down", else low; no rule of the sample file matches these.
TICKETS = {
    "SH-1": {"subject": "Alt er nede", "body": "Vi kan ikke logge ind", "language": "da"},
    "SH-2": {"subject": "Kysymys laskusta", "body": "Voisitteko lähettää kopion?",
             "language": "fi"},
    "SH-3": {"subject": "Vraag over factuur", "body": "Kleine vraag", "language": "nl"},
}  # fmt: skip


@pytest.fixture
def client(tmp_path: Path, sqlite_url: str) -> Iterator[TestClient[Any]]:
    runtime = make_runtime(
        tmp_path, model=FakeModel(), keys=ENTRIES, shadow_mode=True,
        storage=StorageSettings(database_url=sqlite_url, prediction_flush_ms=0),
    )  # fmt: skip
    runtime.rules = RulesStore(default_rules_path())
    runtime.decide = decide
    with TestClient(create_app(runtime=runtime)) as test_client:
        test_client.app.state.db_url = sqlite_url
        yield test_client


def predict(client: TestClient[Any]) -> dict[str, dict[str, Any]]:
    answers = {}
    for external_id, ticket in TICKETS.items():
        response = client.post(
            "/v1/predict", json={**ticket, "external_id": external_id}, headers=PREDICT
        )
        assert response.status_code == 200, response.text
        answers[external_id] = response.json()
    return answers


def test_shadow_mode_serves_rules_and_stores_what_the_model_would_have_said(
    client: TestClient[Any],
) -> None:
    answers = predict(client)
    served = {key: answer["priority"] for key, answer in answers.items()}
    assert {a["source"] for a in answers.values()} <= {"default", "rule"}
    assert {k: a["shadow_model_priority"] for k, a in answers.items()} == {
        "SH-1": "urgent", "SH-2": "low", "SH-3": "low",
    }  # fmt: skip
    assert served == {"SH-1": "medium", "SH-2": "medium", "SH-3": "medium"}

    engine = create_engine(client.app.state.db_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT external_id, priority, model_priority, shadow FROM predictions")
        ).all()
    engine.dispose()
    assert sorted(tuple(r) for r in rows) == [
        ("SH-1", "medium", "urgent", 1), ("SH-2", "medium", "low", 1),
        ("SH-3", "medium", "low", 1),
    ]  # fmt: skip

    queue = client.get("/v1/reviews/queue", headers=REVIEW).json()
    assert {(i["external_id"], i["shadow"], i["model_priority"]) for i in queue["items"]} == {
        ("SH-1", True, "urgent"), ("SH-2", True, "low"), ("SH-3", True, "low"),
    }  # fmt: skip


def test_agreement_api_and_dashboard_compare_served_rules_and_the_shadow_model(
    client: TestClient[Any],
) -> None:
    ids = {key: answer["prediction_id"] for key, answer in predict(client).items()}

    def review(external_id: str, **body: Any) -> None:
        response = client.post(
            f"/v1/predictions/{ids[external_id]}/review", json=body, headers=REVIEW
        )
        assert response.status_code == 201, response.text

    review("SH-1", level="urgent", reason="impact_underestimated")  # the model was right
    review("SH-2", level="low", reason="impact_overestimated")  # the model was right
    review("SH-3", action="accept")  # the served rules-only level was right

    stats = client.get("/v1/stats/agreement", headers=REVIEW).json()
    shadow = stats["shadow"]
    assert shadow["reviews"] == 3
    assert shadow["served_agreement"] == pytest.approx(1 / 3)
    assert shadow["model_agreement"] == pytest.approx(2 / 3)
    assert stats["overall"]["accepted"] == 1

    form = client.get("/review/login")
    token = CSRF.search(form.text)
    assert token is not None
    signed = client.post(
        "/review/login", data={"key": KEYS["review"][0], "csrf": token.group(1)},
        follow_redirects=False,
    )  # fmt: skip
    assert signed.status_code == 303
    dashboard = client.get("/review/dashboard")
    assert dashboard.status_code == 200
    assert 'id="shadow-served">33%<' in dashboard.text
    assert 'id="shadow-model">67%<' in dashboard.text


def test_without_shadow_reviews_the_dashboard_has_no_shadow_section(
    tmp_path: Path, sqlite_url: str
) -> None:
    runtime = make_runtime(
        tmp_path, model=FakeModel(), keys=ENTRIES, storage=StorageSettings(database_url=sqlite_url)
    )
    with TestClient(create_app(runtime=runtime)) as plain:
        answer = plain.post("/v1/predict", json=TICKETS["SH-1"], headers=PREDICT).json()
        assert answer["shadow_model_priority"] is None
        plain.post(f"/v1/predictions/{answer['prediction_id']}/review", json={}, headers=REVIEW)
        stats = plain.get("/v1/stats/agreement", headers=REVIEW).json()
        assert stats["shadow"]["reviews"] == 0
        token = CSRF.search(plain.get("/review/login").text)
        assert token is not None
        plain.post("/review/login", data={"key": KEYS["review"][0], "csrf": token.group(1)})
        assert 'id="shadow"' not in plain.get("/review/dashboard").text
