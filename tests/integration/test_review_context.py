"""ReviewContext reads what this worker answered moments ago (still in its write queue)."""

from __future__ import annotations

import pytest

from serving.persistence import EncodedPrediction
from serving.review.context import ReviewContext
from serving.storage.settings import StorageSettings
from serving.storage.store import ReviewStore
from tests.review_fixtures import make_record

pytestmark = pytest.mark.anyio


def context_with_queue(
    store: ReviewStore, queued: list[EncodedPrediction], flushes: list[int]
) -> ReviewContext:
    async def flush() -> None:  # what the buffered sink's flush does: write the queue
        flushes.append(len(queued))
        await store.save_predictions(queued)
        queued.clear()

    return ReviewContext(store=store, settings=StorageSettings(), flush_predictions=flush)


async def test_a_queued_prediction_is_written_and_found_on_first_read(
    sqlite_store: ReviewStore,
) -> None:
    record, flushes = make_record(external_id="ZD-1"), []
    context = context_with_queue(sqlite_store, [record], flushes)
    found = await context.detail(record.prediction_id)
    assert found is not None
    assert (found.item.prediction_id, found.item.external_id) == (record.prediction_id, "ZD-1")
    assert flushes == [1]


async def test_a_stored_prediction_is_read_without_flushing(sqlite_store: ReviewStore) -> None:
    record, flushes = make_record(), []
    await sqlite_store.save_predictions([record])
    context = context_with_queue(sqlite_store, [], flushes)
    assert await context.detail(record.prediction_id) is not None
    assert flushes == []


async def test_an_unknown_prediction_is_none_after_one_flush(sqlite_store: ReviewStore) -> None:
    flushes: list[int] = []
    context = context_with_queue(sqlite_store, [], flushes)
    assert await context.detail("0" * 32) is None
    assert flushes == [0]
