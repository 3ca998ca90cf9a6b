"""A helpdesk webhook retried against the real `ticket-priority serve` (granian, two workers,
SQLite review store): one review-queue item, and every retry gets the first answer with
`Idempotent-Replayed: true`, whichever worker answers it and after a restart, also when the
retries arrive at the same moment on both workers."""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.live_server import LiveServer, live_server, service_env
from tests.e2e.serving_registry import sqlite_champion

pytestmark = pytest.mark.slow

TICKET = {
    "external_id": 4711,
    "subject": "Nedbrud: vores webshop er nede",
    "body": "Siden kl. 7 er hele vores webshop nede. Kunderne kan ikke betale.",
    "language": "da",
    "customer": {"tier": "enterprise"},
}
RETRIES = 12


def queue_items(server: LiveServer, headers: dict[str, str]) -> list[dict[str, object]]:
    r = httpx.get(f"{server.base_url}/v1/reviews/queue", headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    items: list[dict[str, object]] = r.json()["items"]
    return [item for item in items if item["external_id"] == "4711"]


def wait_for_queue(server: LiveServer, headers: dict[str, str], count: int) -> None:
    deadline = time.monotonic() + 10
    while len(queue_items(server, headers)) < count:
        assert time.monotonic() < deadline, server.log()[-3000:]
        time.sleep(0.1)


def retry(server: LiveServer, headers: dict[str, str]) -> httpx.Response:
    # A new connection each time, as a helpdesk retry comes: either worker may answer it.
    with httpx.Client(base_url=server.base_url, timeout=10) as client:
        return client.post("/v1/predict", json=TICKET, headers=headers)


def test_a_retried_webhook_is_one_review_item_and_one_answer(tmp_path: Path) -> None:
    settings, _, _ = sqlite_champion(tmp_path)
    env, auth = service_env(
        tmp_path, settings.tracking_uri, ("predict", "review"),
        TP_WORKERS="2", TP_DATABASE_URL=f"sqlite:///{tmp_path / 'reviews.db'}",
        TP_IDEMPOTENCY_HEADER="X-Zendesk-Webhook-Invocation-Id",
    )  # fmt: skip
    webhook = {**auth, "X-Zendesk-Webhook-Invocation-Id": "01JDQ4C3ZS8W2V0KZ7N6Q8M1XA"}
    with live_server(env, tmp_path) as server:
        first = retry(server, webhook)
        assert first.status_code == 200, first.text
        assert "idempotent-replayed" not in first.headers
        wait_for_queue(server, auth, 1)  # stored: retries come seconds later, not at once
        retries = [retry(server, webhook) for _ in range(RETRIES)]
        other_ticket = retry(server, {**webhook, "X-Zendesk-Webhook-Invocation-Id": "next"})
        time.sleep(1)  # two flush intervals: a wrongly stored retry would show now
        items = queue_items(server, auth)
    assert {r.status_code for r in retries} == {200}
    assert {r.content for r in retries} == {first.content}
    assert {r.headers.get("idempotent-replayed") for r in retries} == {"true"}
    assert "idempotent-replayed" not in other_ticket.headers
    assert sorted(str(item["prediction_id"]) for item in items) == sorted(
        [first.json()["prediction_id"], other_ticket.json()["prediction_id"]]
    )
    with live_server(env, tmp_path) as server:  # a restart forgets nothing the store holds
        after_restart = retry(server, webhook)
        reused = retry(server, {**webhook, "X-Zendesk-Webhook-Invocation-Id": "next"})
        changed = httpx.post(
            f"{server.base_url}/v1/predict",
            json={**TICKET, "body": "Alt virker igen."},
            headers=webhook,
            timeout=10,
        )
        time.sleep(0.5)
        items_after = queue_items(server, auth)
    assert after_restart.content == first.content
    assert after_restart.headers["idempotent-replayed"] == "true"
    assert reused.content == other_ticket.content
    assert changed.status_code == 422
    assert changed.json()["error"] == "idempotency_key_reused"
    assert len(items_after) == 2


ROUNDS = 25
SENDERS = 8


def test_the_same_key_sent_at_once_to_two_workers_gets_one_stored_answer(
    tmp_path: Path,
) -> None:
    # Both workers miss their cache and the store (the first answer is not written yet): only
    # one may decide; the other must answer with the stored answer, not one of its own.
    settings, _, _ = sqlite_champion(tmp_path)
    database = tmp_path / "reviews.db"
    env, auth = service_env(
        tmp_path, settings.tracking_uri, ("predict",),
        TP_WORKERS="2", TP_DATABASE_URL=f"sqlite:///{database}",
    )  # fmt: skip
    answers: dict[str, list[httpx.Response]] = {}
    with live_server(env, tmp_path) as server, ThreadPoolExecutor(SENDERS) as pool:
        for round_ in range(ROUNDS):
            key = f"race-{round_}"
            start = threading.Barrier(SENDERS)

            def send(_: int, key: str = key, start: threading.Barrier = start) -> httpx.Response:
                with httpx.Client(base_url=server.base_url, timeout=10) as client:
                    start.wait()
                    return client.post(
                        "/v1/predict", json=TICKET, headers={**auth, "Idempotency-Key": key}
                    )

            answers[key] = list(pool.map(send, range(SENDERS)))
        time.sleep(1)  # the buffered writer's flushes: a late duplicate would show now
        with closing(sqlite3.connect(database)) as db:
            stored = db.execute(
                "SELECT idempotency_key, id FROM predictions WHERE idempotency_key IS NOT NULL"
            ).fetchall()
        counted = scrape_counts(server, auth)  # the two workers' metrics, merged
    assert {r.status_code for rs in answers.values() for r in rs} == {200}
    differing = [key for key, rs in answers.items() if len({r.content for r in rs}) > 1]
    assert differing == []
    answered = {f"e2e:{key}": rs[0].json()["prediction_id"] for key, rs in answers.items()}
    assert len(stored) == ROUNDS
    assert dict(stored) == answered
    replays = [r.headers.get("idempotent-replayed") for rs in answers.values() for r in rs]
    assert replays.count(None) == ROUNDS  # one first answer per key, the rest replays
    # A worker that decided a key and lost it to the other counts a replay, not a decision.
    assert counted == {
        "tp_decisions_total": ROUNDS,
        "tp_idempotent_requests_total:new": ROUNDS,
        "tp_idempotent_requests_total:replayed": ROUNDS * (SENDERS - 1),
    }


def scrape_counts(server: LiveServer, headers: dict[str, str]) -> dict[str, float]:
    """Decisions and keyed requests counted in /metrics, summed over their labels."""
    r = httpx.get(f"{server.base_url}/metrics", headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    totals: dict[str, float] = {}
    for family in text_string_to_metric_families(r.text):
        for sample in family.samples:
            name = sample.name
            if name == "tp_idempotent_requests_total":
                name = f"{name}:{sample.labels['outcome']}"
            elif name != "tp_decisions_total":
                continue
            totals[name] = totals.get(name, 0.0) + sample.value
    return totals
