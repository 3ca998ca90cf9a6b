"""An acknowledged review survives a server crash: SIGKILL mid-burst, restart, count."""

from __future__ import annotations

import json
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.e2e.review_live import Keys, running, seed, server_env

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

TICKETS = 80
KILL_AFTER = 15


def test_every_acknowledged_review_is_in_the_database_after_a_sigkill(tmp_path: Path) -> None:
    keys = Keys.new()
    env = server_env(tmp_path, keys)
    headers = {"Authorization": f"Bearer {keys.review}"}
    acked: list[str] = []
    lock = threading.Lock()
    enough = threading.Event()

    with running(tmp_path, env) as server:
        ids = seed(
            server,
            keys,
            [{"subject": f"Storing {i}", "body": "Inloggen lukt niet", "language": "nl"}
             for i in range(TICKETS)],
        )  # fmt: skip

        def send(index: int, prediction_id: str) -> None:
            body = (
                {"action": "accept"}
                if index % 2
                else {"level": "urgent", "reason": "impact_underestimated", "note": "Kritisk"}
            )
            try:
                response = httpx.post(
                    f"{server.base_url}/v1/predictions/{prediction_id}/review",
                    json=body,
                    headers=headers,
                    timeout=10,
                )
            except httpx.TransportError:
                return  # the server died before answering: not acknowledged
            if response.status_code == 201:
                with lock:
                    acked.append(prediction_id)
                    if len(acked) >= KILL_AFTER:
                        enough.set()

        with ThreadPoolExecutor(max_workers=8) as pool:
            for index, prediction_id in enumerate(ids):
                pool.submit(send, index, prediction_id)
            assert enough.wait(timeout=120), server.log()
            server.kill()

    assert KILL_AFTER <= len(acked) < TICKETS, "the kill must land in the middle of the burst"

    with running(tmp_path, env) as restarted:
        export = httpx.get(
            f"{restarted.base_url}/v1/reviews/export?format=jsonl", headers=headers, timeout=30
        )
        assert export.status_code == 200
        exported = {json.loads(line)["prediction_id"] for line in export.text.splitlines()}
        assert set(acked) <= exported
        unreviewed = next(p for p in ids if p not in exported)
        again = httpx.post(
            f"{restarted.base_url}/v1/predictions/{unreviewed}/review",
            json={"action": "accept"},
            headers=headers,
            timeout=10,
        )
        assert again.status_code == 201

    with sqlite3.connect(tmp_path / "reviews.db") as db:
        stored = {row[0] for row in db.execute("SELECT prediction_id FROM reviews")}
        predictions = db.execute("SELECT count(*) FROM predictions").fetchone()[0]
        half_done = db.execute(
            "SELECT count(*) FROM reviews r JOIN predictions p ON p.id = r.prediction_id "
            "WHERE p.reviewed_at IS NULL"
        ).fetchone()[0]
    assert set(acked) <= stored
    assert predictions == TICKETS
    assert half_done == 0  # a review and its prediction's reviewed_at commit together
