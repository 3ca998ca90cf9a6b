"""The review store keeps one prediction per idempotency key, on SQLite and PostgreSQL, however
the repeats arrive (one batch, later batches, the buffered sink); a key outside the window or
redacted may be used again."""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec
import pytest
from sqlalchemy import func, select

from serving.persistence import EncodedPrediction
from serving.storage.models import Prediction, PredictionRule
from serving.storage.sink import BufferedPredictionSink
from serving.storage.store import ReviewStore, utcnow
from tests.review_fixtures import make_record

pytestmark = pytest.mark.anyio


def keyed(
    key: str | None, *, created_at: datetime | None = None, **kwargs: object
) -> EncodedPrediction:
    record = make_record(created_at=created_at or utcnow(), rules=("vip",), **kwargs)  # type: ignore[arg-type]
    return msgspec.structs.replace(record, idempotency_key=key, request_sha256="f" * 64)


async def counts(store: ReviewStore) -> tuple[int, int]:
    async with store.read() as session:
        predictions = await session.scalar(select(func.count()).select_from(Prediction))
        rules = await session.scalar(select(func.count()).select_from(PredictionRule))
    return int(predictions or 0), int(rules or 0)


async def test_a_repeated_key_is_stored_once_with_its_rules(store: ReviewStore) -> None:
    first, repeat, later = keyed("p:k1"), keyed("p:k1"), keyed("p:k1")
    await store.save_predictions([first, repeat, keyed(None), keyed(None)])
    await store.save_predictions([later])
    assert await counts(store) == (3, 3)  # first + two without a key, one rule each
    assert await store.detail(first.prediction_id) is not None
    assert await store.detail(repeat.prediction_id) is None
    assert await store.detail(later.prediction_id) is None


async def test_keys_are_distinct_per_api_key_and_nulls_repeat_freely(store: ReviewStore) -> None:
    await store.save_predictions([keyed("zendesk:1"), keyed("freshdesk:1"), keyed(None)])
    await store.save_predictions([keyed(None), keyed(None)])
    assert await counts(store) == (5, 5)


async def test_the_buffered_sink_drops_repeats_without_counting_them_as_failures(
    store: ReviewStore,
) -> None:
    sink = BufferedPredictionSink(store, flush_seconds=60)
    await sink.save([keyed("p:k2")])
    await sink.flush()
    await sink.save([keyed("p:k2"), keyed(None)])
    await sink.flush()
    assert (sink.failed_writes, sink.pending, await counts(store)) == (0, 0, (2, 2))


async def test_a_key_older_than_the_window_may_be_used_again(store: ReviewStore) -> None:
    store.idempotency_window = timedelta(hours=24)
    old = keyed("p:k3", created_at=utcnow() - timedelta(hours=25))
    await store.save_predictions([old])
    assert await store.stored_answer("p:k3") is None
    fresh = keyed("p:k3")
    await store.save_predictions([fresh])
    assert await counts(store) == (2, 2)
    assert await store.detail(fresh.prediction_id) is not None


async def test_redaction_frees_the_key(store: ReviewStore) -> None:
    store.idempotency_window = timedelta(days=400)
    old = keyed("p:k4", created_at=utcnow() - timedelta(days=100))
    await store.save_predictions([old])
    assert await store.redact_text(utcnow() - timedelta(days=90)) == 1
    assert await store.stored_answer("p:k4") is None
    await store.save_predictions([keyed("p:k4")])
    assert (await counts(store))[0] == 2
