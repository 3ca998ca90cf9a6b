"""The prediction sinks on a real SQLite review store: buffering, background writes, retries
after an outage, refused records, the overflow bound."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from serving.storage.migrate import upgrade
from serving.storage.sink import BufferedPredictionSink, SqlPredictionSink
from serving.storage.store import ReviewStore
from tests.review_fixtures import make_record

pytestmark = pytest.mark.anyio


async def stored(store: ReviewStore) -> int:
    return len(await store.queue(limit=500))


async def test_the_buffered_sink_writes_only_when_flushed(sqlite_store: ReviewStore) -> None:
    sink = BufferedPredictionSink(sqlite_store, flush_seconds=60)
    await sink.save([make_record(), make_record()])
    assert (sink.pending, await stored(sqlite_store)) == (2, 0)
    await sink.flush()
    assert (sink.pending, await stored(sqlite_store)) == (0, 2)


async def test_the_background_writer_flushes_on_its_interval_and_close_writes_the_rest(
    sqlite_store: ReviewStore,
) -> None:
    sink = BufferedPredictionSink(sqlite_store, flush_seconds=0.05)
    sink.start()
    await sink.save([make_record()])
    for _ in range(100):
        if await stored(sqlite_store) == 1:
            break
        await asyncio.sleep(0.02)
    assert await stored(sqlite_store) == 1
    await sink.save([make_record(), make_record()])
    await sink.close()
    assert (sink.pending, await stored(sqlite_store)) == (0, 3)


async def test_a_record_the_database_refuses_does_not_block_the_others(
    sqlite_store: ReviewStore,
) -> None:
    sink = BufferedPredictionSink(sqlite_store, flush_seconds=60)
    first = make_record()
    await sink.save([first])
    await sink.flush()
    await sink.save([make_record(), first, make_record()])  # `first` again: same primary key
    await sink.flush()
    assert (sink.failed_writes, sink.pending, await stored(sqlite_store)) == (1, 0, 3)


async def test_predictions_wait_through_an_outage_and_are_written_after_it(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'not-yet.db'}"
    store = ReviewStore.from_url(url)  # no tables yet: every write fails like an outage
    try:
        sink = BufferedPredictionSink(store, flush_seconds=60)
        await sink.save([make_record(), make_record()])
        await sink.flush()
        assert (sink.pending, sink.failed_writes) == (2, 2)
        upgrade(url)
        await sink.flush()
        assert sink.pending == 0
        assert await stored(store) == 2
    finally:
        await store.dispose()


async def test_the_queue_is_bounded_and_drops_the_oldest(sqlite_store: ReviewStore) -> None:
    sink = BufferedPredictionSink(sqlite_store, flush_seconds=60, max_pending=3)
    records = [make_record(external_id=f"ZD-{i}") for i in range(5)]
    await sink.save(records)
    assert (sink.pending, sink.dropped) == (3, 2)
    await sink.flush()
    kept = {item.external_id for item in await sqlite_store.queue(limit=10)}
    assert kept == {"ZD-2", "ZD-3", "ZD-4"}


async def test_the_direct_sink_writes_before_returning_and_survives_an_outage(
    sqlite_store: ReviewStore, tmp_path: Path
) -> None:
    sink = SqlPredictionSink(sqlite_store)
    await sink.save([make_record()])
    assert await stored(sqlite_store) == 1

    broken = ReviewStore.from_url(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        failing = SqlPredictionSink(broken)
        await failing.save([make_record(), make_record()])  # must not raise
        assert failing.failed_writes == 2
    finally:
        await broken.dispose()
