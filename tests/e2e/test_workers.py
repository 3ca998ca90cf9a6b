"""`ticket-priority serve` with two worker processes (granian, uvicorn) sharing one SQLite
review store.

Each request opens its own connection, so the kernel spreads them over both workers. Every
prediction must be stored once, every scrape of /metrics (answered by either worker) must
count all of them, and an admin reload answered by one worker must reach the other. A worker
killed outright is started again, and its model series leaves the scrapes.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from serving.settings import packaged_rules_path
from tests.e2e.live_server import LiveServer, live_server, service_env
from tests.e2e.serving_registry import sqlite_champion

pytestmark = pytest.mark.slow

SINGLES = 40
BATCHES = 3
BATCH_SIZE = 20
TICKET = {
    "subject": "Verkkokauppa ei toimi",
    "body": "Asiakkaat eivät pääse maksamaan tilauksiaan. Tämä on kiireellinen.",
    "language": "fi",
    "customer": {"tier": "business"},
}


@dataclass
class TwoWorkers:
    server: LiveServer
    headers: dict[str, str]
    database: Path
    version: str
    rules_file: Path


@pytest.fixture(scope="module", params=["granian", "uvicorn"])
def two_workers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TwoWorkers]:
    workdir = tmp_path_factory.mktemp(f"workers-{request.param}")
    settings, version, _ = sqlite_champion(workdir)
    database = workdir / "reviews.db"
    rules_file = workdir / "rules.yaml"
    shutil.copyfile(packaged_rules_path(), rules_file)
    env, headers = service_env(
        workdir, settings.tracking_uri, ("predict", "admin"),
        TP_RULES_FILE=str(rules_file),
        TP_RULES_RELOAD_SECONDS="0",  # no file watch: only a reload can change the rules
        TP_WORKERS="2", TP_SERVER=request.param, TP_DATABASE_URL=f"sqlite:///{database}",
    )  # fmt: skip
    with live_server(env, workdir) as server:
        _wait_until_both_ready(server)
        yield TwoWorkers(server, headers, database, version, rules_file)


def _wait_until_both_ready(server: LiveServer, timeout: float = 60) -> None:
    # The first worker may answer before the second has loaded the model.
    deadline = time.monotonic() + timeout
    in_a_row = 0
    while in_a_row < 10:
        assert time.monotonic() < deadline, server.log()[-3000:]
        status = httpx.get(f"{server.base_url}/health/ready", timeout=10).json()["status"]
        in_a_row = in_a_row + 1 if status == "ready" else 0
        time.sleep(0.05 if status == "ready" else 0.5)


def _decision_ids(w: TwoWorkers) -> list[str]:
    ids = []
    for _ in range(SINGLES):
        r = httpx.post(f"{w.server.base_url}/v1/predict", json=TICKET, headers=w.headers)
        assert r.status_code == 200, r.text
        ids.append(r.json()["prediction_id"])
    for _ in range(BATCHES):
        r = httpx.post(
            f"{w.server.base_url}/v1/predict/batch",
            json={"tickets": [TICKET] * BATCH_SIZE},
            headers=w.headers,
        )
        assert r.status_code == 200, r.text
        ids.extend(item["decision"]["prediction_id"] for item in r.json()["results"])
    return ids


def _stored(database: Path, expected: int, timeout: float = 15) -> int:
    # Workers store predictions in the background: wait until the count reaches `expected`.
    deadline = time.monotonic() + timeout
    while True:
        with closing(sqlite3.connect(database, timeout=5)) as db:
            count = int(db.execute("SELECT count(*) FROM predictions").fetchone()[0])
        if count >= expected or time.monotonic() > deadline:
            return count
        time.sleep(0.2)


def _scrape(w: TwoWorkers) -> dict[str, list[tuple[dict[str, str], float]]]:
    r = httpx.get(f"{w.server.base_url}/metrics", headers=w.headers, timeout=10)
    assert r.status_code == 200, r.text
    text = r.text
    return {
        family.name: [(dict(s.labels), s.value) for s in family.samples]
        for family in text_string_to_metric_families(text)
    }


def test_two_workers_store_every_prediction_once_and_metrics_count_all(
    two_workers: TwoWorkers,
) -> None:
    ids = _decision_ids(two_workers)
    total = SINGLES + BATCHES * BATCH_SIZE
    assert len(set(ids)) == total
    assert _stored(two_workers.database, total) == total

    for _ in range(8):  # each scrape reaches either worker
        families = _scrape(two_workers)
        decisions = sum(value for labels, value in families["tp_decisions"] if "priority" in labels)
        assert decisions == total
        served = [labels for labels, value in families["tp_model_info"] if value == 1]
        assert {labels["version"] for labels in served} == {two_workers.version}
        assert len({labels["pid"] for labels in served}) == 2, served
        assert families["tp_degraded"] == [({}, 0.0)]


def _rules_hashes(w: TwoWorkers, asks: int) -> set[str]:
    return {
        httpx.get(f"{w.server.base_url}/v1/rules", headers=w.headers).json()["sha256"]
        for _ in range(asks)
    }


def test_an_admin_reload_answered_by_one_worker_reaches_the_other(
    two_workers: TwoWorkers,
) -> None:
    (before,) = _rules_hashes(two_workers, 10)
    with two_workers.rules_file.open("a", encoding="utf-8") as rules:
        rules.write("\n# edited by the operator\n")
    answer = httpx.post(
        f"{two_workers.server.base_url}/v1/admin/reload", headers=two_workers.headers
    ).json()
    assert answer["rules_changed"] is True
    after = answer["rules_sha256"]
    assert after != before
    time.sleep(2.5)  # workers look for a reload request every second
    assert _rules_hashes(two_workers, 20) == {after}


def _serving_pids(w: TwoWorkers) -> set[str]:
    families = _scrape(w)
    return {labels["pid"] for labels, value in families["tp_model_info"] if value == 1}


def test_a_killed_worker_is_replaced_and_leaves_the_metrics(two_workers: TwoWorkers) -> None:
    before = _serving_pids(two_workers)
    assert len(before) == 2
    killed = sorted(before)[0]
    os.kill(int(killed), signal.SIGKILL)
    deadline = time.monotonic() + 60
    while True:
        assert time.monotonic() < deadline, two_workers.server.log()[-3000:]
        assert two_workers.server.process.poll() is None, "the service stopped"
        try:
            pids = _serving_pids(two_workers)
        except httpx.TransportError:
            pids = set()
        if len(pids) == 2 and killed not in pids:
            break
        time.sleep(0.5)
    _wait_until_both_ready(two_workers.server)
    r = httpx.post(f"{two_workers.server.base_url}/v1/predict", json=TICKET,
                   headers=two_workers.headers)  # fmt: skip
    assert r.status_code == 200, r.text
