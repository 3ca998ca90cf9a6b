"""Predictions whose request named no language get the one detected from their text when they
are stored, so the review queue's language filter finds them; older rows by a backfill command."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient
from typer.testing import CliRunner

from serving.app import create_app
from serving.cli import app as cli_app
from serving.storage.records import QueueFilters
from serving.storage.settings import StorageSettings
from serving.storage.sink import BufferedPredictionSink
from serving.storage.store import ReviewStore
from tests.review_fixtures import make_record
from tests.serving_fakes import FakeModel, keys, make_runtime

pytestmark = pytest.mark.anyio

DANISH = "Hele systemet er nede, og vi kan ikke arbejde med det."
FINNISH = "Lasku on väärin ja se ei ole oikein, mutta voi korjata."
KEYS = keys()
PREDICT = {"Authorization": f"Bearer {KEYS['predict'][0]}"}
REVIEW = {"Authorization": f"Bearer {KEYS['review'][0]}"}


async def _languages(store: ReviewStore, ids: list[str]) -> list[str | None]:
    found = {item.prediction_id: item.language for item in await store.queue(limit=50)}
    return [found[prediction_id] for prediction_id in ids]


async def test_the_writer_detects_a_language_the_request_did_not_send(store: ReviewStore) -> None:
    records = [
        make_record(body=DANISH, subject="Nedbrud", language=None),
        make_record(body=FINNISH, subject="Lasku", language=None),
        make_record(body=DANISH, subject="Nedbrud", language="nl"),  # sent: kept as sent
        make_record(body="Hej", subject="?", language=None),  # too short to tell
    ]
    sink = BufferedPredictionSink(store)
    await sink.save(records)
    await sink.flush()
    ids = [record.prediction_id for record in records]
    assert await _languages(store, ids) == ["da", "fi", "nl", None]
    found = await store.queue(QueueFilters(language="da"))
    assert [item.prediction_id for item in found] == [ids[0]]
    assert await store.pending_languages() == ["da", "fi", "nl"]


async def test_a_keyed_prediction_stored_before_its_answer_gets_a_language_too(
    store: ReviewStore,
) -> None:
    # Keyed predictions skip the writer (`claim_key` stores them before answering).
    record = make_record(body=DANISH, subject="Nedbrud", language=None)
    record = msgspec.structs.replace(record, idempotency_key="p:lang-1")
    assert await store.claim_key(record) is None
    assert await _languages(store, [record.prediction_id]) == ["da"]


@pytest.fixture
def client(tmp_path: Path, sqlite_url: str) -> Iterator[TestClient[Any]]:
    entries = [entry for _, entry in KEYS.values()]
    runtime = make_runtime(
        tmp_path, model=FakeModel(), keys=entries, storage=StorageSettings(database_url=sqlite_url)
    )
    with TestClient(create_app(runtime=runtime)) as test_client:
        yield test_client


def test_the_queue_filter_finds_a_ticket_sent_without_a_language(
    client: TestClient[Any],
) -> None:
    ticket = {"subject": "Lasku", "body": FINNISH}
    prediction_id = client.post("/v1/predict", json=ticket, headers=PREDICT).json()["prediction_id"]
    queue = client.get("/v1/reviews/queue?language=fi", headers=REVIEW).json()
    assert [item["prediction_id"] for item in queue["items"]] == [prediction_id]
    assert queue["items"][0]["language"] == "fi"
    detail = client.get("/v1/reviews/export?format=jsonl", headers=REVIEW)
    assert detail.text == ""  # the export keeps the request as sent (nothing reviewed yet)


async def test_db_detect_languages_fills_the_rows_stored_before(
    sqlite_store: ReviewStore, sqlite_url: str
) -> None:
    records = [
        make_record(body=DANISH, language=None),
        make_record(body=FINNISH, language=None),
        make_record(body="Hej", subject="?", language=None),
        make_record(body=DANISH, language="de"),
    ]
    await sqlite_store.save_predictions(records)
    ids = [record.prediction_id for record in records]
    with closing(sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))) as db, db:
        db.execute("UPDATE predictions SET language = NULL WHERE language != 'de'")  # as before
    assert await _languages(sqlite_store, ids) == [None, None, None, "de"]

    def run() -> str:
        result = CliRunner().invoke(cli_app, ["db", "detect-languages", "--database-url",
                                              sqlite_url])  # fmt: skip
        assert result.exit_code == 0, result.output
        return " ".join(result.output.split())

    assert "3 predictions without a language; detected 2, 1 too short or redacted" in run()
    assert await _languages(sqlite_store, ids) == ["da", "fi", None, "de"]
    assert "1 predictions without a language; detected 0, 1 too short" in run()  # repeatable


def test_db_detect_languages_names_a_missing_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nowhere.db'}"
    result = CliRunner().invoke(cli_app, ["db", "detect-languages", "--database-url", url])
    assert result.exit_code == 2
    assert "no database file" in " ".join(result.output.split())
    assert not (tmp_path / "nowhere.db").exists()
