"""The prediction sinks on a real SQLite review store: buffering, background writes, retries
after an outage, refused records, the overflow bound."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
import structlog
from sqlalchemy.exc import OperationalError

from serving.metrics import Metrics
from serving.storage import sink as sink_module
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


class _SlowStore:
    """Commits a batch, then takes a while to return: where a shutdown cancel used to land."""

    def __init__(self, failures_at_close: int = 0) -> None:
        self.rows: list[str] = []
        self.committed = asyncio.Event()
        self.failures_at_close = failures_at_close
        self.closing = False

    async def save_predictions(self, records: list[Any]) -> None:
        if self.closing and self.failures_at_close:
            self.failures_at_close -= 1
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        self.rows += [r.prediction_id for r in records]
        self.committed.set()
        await asyncio.sleep(0.3)


async def test_close_lets_the_batch_in_progress_finish_and_writes_each_record_once() -> None:
    store = _SlowStore()
    sink = BufferedPredictionSink(store, flush_seconds=0.01)  # type: ignore[arg-type]
    sink.start()
    first = [make_record() for _ in range(5)]
    await sink.save(first)
    await store.committed.wait()  # the writer is inside its batch, after the commit
    later = [make_record() for _ in range(3)]
    await sink.save(later)
    await sink.close()
    assert sorted(store.rows) == sorted(r.prediction_id for r in first + later)
    assert sink.pending == 0


async def test_close_retries_a_database_busy_with_another_workers_last_batch() -> None:
    store = _SlowStore(failures_at_close=2)
    sink = BufferedPredictionSink(store, flush_seconds=60)  # type: ignore[arg-type]
    records = [make_record() for _ in range(4)]
    await sink.save(records)
    store.closing = True
    await sink.close()
    assert sorted(store.rows) == sorted(r.prediction_id for r in records)


class _HangingStore:
    """A database that accepts the connection but never answers (a stopped server)."""

    def __init__(self) -> None:
        self.started = asyncio.Event()

    async def save_predictions(self, records: list[Any]) -> None:
        self.started.set()
        await asyncio.Event().wait()


async def test_a_hanging_database_does_not_hold_predictions_and_readiness_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sink_module, "STALL_SECONDS", 0.2)
    store = _HangingStore()
    sink = BufferedPredictionSink(store, flush_seconds=0.01, max_pending=10)  # type: ignore[arg-type]
    sink.start()
    await sink.save([make_record() for _ in range(10)])
    await store.started.wait()
    assert sink.problem is None  # not yet stalled
    started = asyncio.get_running_loop().time()
    await sink.save([make_record() for _ in range(10)])  # the queue is full: waits, briefly
    assert asyncio.get_running_loop().time() - started < 1.0  # not max_wait_seconds (10 s)
    assert sink.problem is not None
    assert "review store: a write has not finished; 10 predictions wait" in sink.problem
    monkeypatch.setattr(sink_module, "CLOSE_WAIT_SECONDS", 0.1)
    monkeypatch.setattr(sink_module, "CLOSE_RETRY_SECONDS", 0.0)
    await asyncio.wait_for(sink.close(), timeout=5)


def _not_stored(metrics: Metrics) -> dict[str, float]:
    text = metrics.render().decode()
    found = re.findall(r'^tp_predictions_not_stored_total\{reason="(\w+)"\} (\S+)$', text, re.M)
    return {reason: float(value) for reason, value in found}


def _queued(metrics: Metrics) -> float:
    found = re.search(r"^tp_predictions_queued (\S+)$", metrics.render().decode(), re.M)
    assert found is not None
    return float(found.group(1))


async def test_metrics_count_each_prediction_the_store_will_never_hold_and_the_queue(
    sqlite_store: ReviewStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sink_module, "CLOSE_RETRY_SECONDS", 0.0)
    metrics = Metrics()
    sink = BufferedPredictionSink(sqlite_store, flush_seconds=60, max_pending=3, observer=metrics)
    first = make_record()
    await sink.save([first])
    await sink.flush()
    assert _queued(metrics) == 0
    await sink.save([make_record() for _ in range(5)])  # 5 for a queue of 3: 2 dropped
    assert _queued(metrics) == 3
    await sink.flush()
    await sink.save([make_record(), first])  # `first` again: refused by the database
    await sink.flush()
    assert _not_stored(metrics) == {
        "queue_full": 2, "refused": 1, "shutdown": 0, "write_failed": 0
    }  # fmt: skip

    down = ReviewStore.from_url(f"sqlite:///{tmp_path / 'no-tables.db'}")
    try:
        closing = BufferedPredictionSink(down, flush_seconds=60, observer=metrics)
        await closing.save([make_record(), make_record()])
        await closing.close()  # cannot write them: they are lost with the worker
        direct = SqlPredictionSink(down, observer=metrics)
        await direct.save([make_record()])
    finally:
        await down.dispose()
    assert _not_stored(metrics)["shutdown"] == 2
    assert _not_stored(metrics)["write_failed"] == 1


class _DownStore:
    """A database that refuses every connection, counting the attempts."""

    def __init__(self) -> None:
        self.attempts = 0

    async def save_predictions(self, records: list[Any]) -> None:
        self.attempts += 1
        raise OperationalError("INSERT", {}, Exception("connection refused"))


async def test_while_writes_fail_the_writer_retries_once_a_second_not_on_every_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sink_module, "CLOSE_RETRY_SECONDS", 0.0)
    store = _DownStore()
    sink = BufferedPredictionSink(store, flush_seconds=0.01)  # type: ignore[arg-type]
    sink.start()
    try:
        await sink.save([make_record() for _ in range(1_000)])  # a full batch wakes the writer
        for _ in range(200):  # ~1.5 s of single predictions while the database is down
            await sink.save([make_record()])
            await asyncio.sleep(0.0075)
        assert store.attempts <= 4  # the first failure, then about one a second
        assert sink.pending == 1_200
    finally:
        await sink.close()


class _Clock:
    """`time.monotonic` for the sink, moved by hand."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def monotonic(self) -> float:
        return self.now


async def test_dropped_predictions_are_logged_once_then_summed_every_few_seconds(
    sqlite_store: ReviewStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = _Clock()
    monkeypatch.setattr(sink_module, "time", clock)
    metrics = Metrics()
    down = _DownStore()
    sink = BufferedPredictionSink(down, flush_seconds=60, max_pending=3, observer=metrics)  # type: ignore[arg-type]

    def dropped_lines(logs: list[dict[str, Any]]) -> list[tuple[int, int, float | None]]:
        return [
            (line["count"], line.get("dropped_total"), line.get("over_seconds"))
            for line in logs
            if line["event"] == "prediction_queue_full_oldest_dropped"
        ]

    with structlog.testing.capture_logs() as logs:
        for _ in range(103):  # 3 fill the queue, each of the other 100 drops the oldest
            await sink.save([make_record()])
        assert dropped_lines(logs) == [(1, 1, None)]  # the first drop, at once

        clock.now += 4.0
        await sink.save([make_record()])
        await sink.flush()  # the writer's pass: nothing due yet
        assert dropped_lines(logs) == [(1, 1, None)]

        clock.now += 1.0
        await sink.save([make_record()])  # 5 s after the first line: the sum since it
        assert dropped_lines(logs)[1:] == [(101, 102, 5.0)]

        for _ in range(7):
            await sink.save([make_record()])
        clock.now += 5.0
        await sink.flush()  # no request needed: the writer's pass logs what is due
        assert dropped_lines(logs)[2:] == [(7, 109, 5.0)]

        for _ in range(2):
            await sink.save([make_record()])
        sink.store = sqlite_store  # the store is back: the rest is logged with the write
        clock.now += 1.0
        await sink.flush()
        assert dropped_lines(logs)[3:] == [(2, 111, 1.0)]
        assert sink.pending == 0

        sink.store = down  # type: ignore[assignment]
        for _ in range(4):  # a new outage's first drop is logged at once again
            await sink.save([make_record()])
        assert dropped_lines(logs)[4:] == [(1, 112, None)]

    assert len(dropped_lines(logs)) == 5  # for 112 dropped predictions
    assert _not_stored(metrics)["queue_full"] == sink.dropped == 112
