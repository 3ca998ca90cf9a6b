"""Text the review store cannot hold: NUL characters (PostgreSQL refuses U+0000 in `text` and
`jsonb`) and values the database refuses as bad data must never hold up other predictions or
turn a request into a 500, and no ticket text reaches the logs on the way."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
import structlog
from litestar.testing import TestClient
from sqlalchemy.exc import DataError

from serving.app import create_app
from serving.persistence import EncodedPrediction
from serving.storage.engine import make_async_engine
from serving.storage.nul import storable
from serving.storage.settings import StorageSettings
from serving.storage.sink import BufferedPredictionSink, SqlPredictionSink
from serving.storage.store import ReviewStore
from tests.review_fixtures import make_record
from tests.serving_fakes import FakeModel, keys, make_runtime

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]

SECRET = "CPR 010203-1234"  # ticket text that must never be logged


async def stored(store: ReviewStore) -> int:
    return len(await store.queue(limit=500))


async def test_nul_in_ticket_text_is_stored_as_the_replacement_character(
    store: ReviewStore,
) -> None:
    record = make_record(
        subject="Printer\x00 broken", body=f"abc\x00def {SECRET}", external_id="NUL\x00-1"
    )
    await store.save_predictions([record])
    detail = await store.detail(record.prediction_id)
    assert detail is not None
    assert (detail.item.subject, detail.item.external_id) == ("Printer\ufffd broken", "NUL\ufffd-1")
    assert detail.body == f"abc\ufffddef {SECRET}"


async def test_the_text_backslash_u0000_is_not_a_nul_and_stays_as_written(
    store: ReviewStore,
) -> None:
    record = make_record(body="C:\\u0000 and \\\x00")  # backslash-u0000, then backslash + NUL
    await store.save_predictions([record])
    detail = await store.detail(record.prediction_id)
    assert detail is not None
    assert detail.body == "C:\\u0000 and \\\ufffd"


def test_a_record_without_nul_is_passed_through_untouched() -> None:
    record = make_record()
    assert storable(record) is record


async def test_one_ticket_with_nul_does_not_hold_up_the_batch(store: ReviewStore) -> None:
    sink = BufferedPredictionSink(store, flush_seconds=60)
    await sink.save([make_record(), make_record(body="a\x00b"), make_record()])
    await sink.flush()
    assert (sink.failed_writes, sink.pending, await stored(store)) == (0, 0, 3)


@pytest.fixture
async def pg_store(db_url: str) -> AsyncIterator[ReviewStore]:
    """The PostgreSQL store only: SQLite does not enforce column lengths."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite does not refuse over-long values")
    review_store = ReviewStore.from_url(db_url)
    yield review_store
    await review_store.dispose()


def too_long(body: str = SECRET) -> EncodedPrediction:
    # PostgreSQL refuses an external id over its 256-character column as bad data (DataError).
    return make_record(external_id="x" * 300, body=body)


async def test_a_record_refused_as_bad_data_is_dropped_counted_and_not_retried(
    pg_store: ReviewStore,
) -> None:
    sink = BufferedPredictionSink(pg_store, flush_seconds=60)
    with structlog.testing.capture_logs() as logs:
        await sink.save([make_record(), too_long(), make_record()])
        await sink.flush()
        await sink.save([make_record()])
        await sink.flush()
    assert (sink.failed_writes, sink.pending, sink.problem) == (1, 0, None)
    assert await stored(pg_store) == 3
    refused = [entry for entry in logs if entry["event"] == "prediction_refused_by_database"]
    assert [entry["error"] for entry in refused] == ["DataError"]
    assert SECRET not in repr(logs)


async def test_the_direct_sink_drops_a_record_refused_as_bad_data(pg_store: ReviewStore) -> None:
    sink = SqlPredictionSink(pg_store)
    with structlog.testing.capture_logs() as logs:
        await sink.save([too_long()])
    assert sink.failed_writes == 1
    assert SECRET not in repr(logs)


async def test_the_driver_logs_no_ticket_text_from_a_refused_statement(
    pg_database: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    if pg_database is None:
        pytest.skip("PostgreSQL could not be started here (it is required under CI=true)")
    engine = make_async_engine(pg_database)
    await engine.dispose()
    error = DataError("INSERT", {}, Exception(f'CONTEXT: JSON data, line 1: {{"body":"{SECRET}'))
    with caplog.at_level(logging.WARNING, logger="psycopg"):
        logging.getLogger("psycopg").warning("error ignored terminating %r: %s", "pipe", error)
    assert "error ignored terminating 'pipe': DataError" in caplog.text
    assert SECRET not in caplog.text


@pytest.mark.parametrize(
    "text", ["\x00", "\\\x00", "\\\\\x00", "\\u0000", "\\\\u0000", "a\x00\\u0000\x00"]
)
def test_only_real_nul_characters_are_replaced_whatever_backslashes_precede_them(
    text: str,
) -> None:
    cleaned = msgspec.json.decode(storable(make_record(body=text)).request_json)["body"]
    assert cleaned == text.replace("\x00", "\ufffd")


KEYS = keys()
PREDICT = {"Authorization": f"Bearer {KEYS['predict'][0]}"}
REVIEW = {"Authorization": f"Bearer {KEYS['review'][0]}"}


@pytest.fixture
def client(tmp_path: Path, db_url: str) -> Iterator[TestClient[Any]]:
    runtime = make_runtime(
        tmp_path, model=FakeModel(), keys=[entry for _, entry in KEYS.values()],
        storage=StorageSettings(database_url=db_url),
    )  # fmt: skip
    with TestClient(create_app(runtime=runtime)) as test_client:
        yield test_client


def test_the_api_answers_nul_as_sent_stores_it_replaced_and_looks_it_up_alike(
    client: TestClient[Any],
) -> None:
    ticket = {"subject": "Printer\u0000 broken", "body": "b", "external_id": "E\u0000"}
    answer = client.post("/v1/predict", json=ticket, headers=PREDICT)
    assert answer.status_code == 200, answer.text
    assert answer.json()["external_id"] == "E\u0000"  # the answer is unaffected
    queue = client.get("/v1/reviews/queue", headers=REVIEW).json()
    assert [item["subject"] for item in queue["items"]] == ["Printer\ufffd broken"]
    for name in ("level", "language", "rule", "model_version"):
        filtered = client.get("/v1/reviews/queue", params={name: "x\u0000"}, headers=REVIEW)
        assert (filtered.status_code, filtered.json()["pending"]) == (200, 0), name
    unknown = client.post("/v1/predictions/ab%00/review", json={}, headers=REVIEW)
    assert (unknown.status_code, unknown.json()["error"]) == (404, "unknown_prediction")
    note = client.post(
        f"/v1/predictions/{answer.json()['prediction_id']}/review",
        json={"note": "a\u0000b"},
        headers=REVIEW,
    )
    assert (note.status_code, note.json()["field"]) == (422, "note")
