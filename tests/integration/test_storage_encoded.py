"""Predictions the service encodes from its wire structs read back exactly like the same
prediction built from dicts (`prediction_from_dicts`, what tests and tools use), on every
backend; and the buffered sink's back-pressure keeps every record."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from serving.persistence import EncodedPrediction
from serving.schemas import DecisionOut, FiredRuleOut, ReasonOut, SlaOut, TicketIn
from serving.service import encode_prediction
from serving.storage.records import QueueFilters
from serving.storage.sink import BufferedPredictionSink
from serving.storage.store import ReviewStore, prediction_from_dicts

pytestmark = pytest.mark.anyio

CREATED = datetime(2026, 3, 2, 9, 0, 12, 345678, tzinfo=UTC)


class _Model:
    name = "ticket-priority"
    version = "7"


def _wire(prediction_id: str, **changes: Any) -> tuple[DecisionOut, TicketIn]:
    due = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
    out = DecisionOut(
        prediction_id=prediction_id, external_id="ZD-1", priority="urgent", source="rule",
        rule_id="vip", model_priority="high",
        probabilities={"low": 0.1, "medium": 0.1, "high": 0.6, "urgent": 0.2},
        confidence=0.6, model_name="ticket-priority", model_version="7",
        rules_fired=[
            FiredRuleOut(rule_id="vip", reason="customer.vip is true", actions=["at_least high"]),
            FiredRuleOut(rule_id="outage", reason="'nedbrud' found", actions=["at_least urgent"]),
        ],
        sla=SlaOut(policy="standard", level="urgent", first_response_due=due,
                   resolution_due=due + timedelta(hours=4), calendar="always"),
        reasons=[ReasonOut(feature="'nedbrud' in body", weight=0.42)],
        review_required=True, tags_added=[], degraded=None, shadow_model_priority=None,
        rules_sha256="ab" * 32,
    )  # fmt: skip
    item = TicketIn(subject="Nedbrud", body="Alt er nede, æøå", language="da",
                    external_id="ZD-1", tags=["prod"])  # fmt: skip
    return msgspec.structs.replace(out, **changes), item


def _as_dicts(record: EncodedPrediction, prediction_id: str) -> EncodedPrediction:
    return prediction_from_dicts(
        prediction_id=prediction_id, external_id=record.external_id,
        created_at=record.created_at, request=record.request, decision=record.decision,
        model_version=record.model_version, rules_sha256=record.rules_sha256,
        model_name=record.model_name,
    )  # fmt: skip


async def test_an_encoded_prediction_reads_back_like_its_dict_form(store: ReviewStore) -> None:
    out, item = _wire("e" * 32)
    encoded = encode_prediction(out, item, CREATED, _Model())  # type: ignore[arg-type]
    await store.save_predictions([encoded])
    await store.save_predictions([_as_dicts(encoded, "d" * 32)])
    fast, plain = await store.detail("e" * 32), await store.detail("d" * 32)
    assert fast is not None
    assert plain is not None
    assert fast.request == msgspec.to_builtins(item) == plain.request
    assert fast.decision == msgspec.to_builtins(out) == plain.decision
    assert fast.item.created_at == CREATED
    assert fast.item.first_response_due == datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
    assert fast.item.rules_fired == ("vip", "outage")
    assert (fast.item.confidence, fast.item.model_priority, fast.item.language) == (
        0.6, "high", "da"
    )  # fmt: skip
    assert fast.item.review_required is True
    assert fast.item.shadow is False
    same = dataclasses.replace(plain.item, prediction_id=fast.item.prediction_id)
    assert fast.item == same


async def test_the_rule_filter_finds_encoded_predictions(store: ReviewStore) -> None:
    out, item = _wire("f" * 32)
    await store.save_predictions([encode_prediction(out, item, CREATED, None)])
    found = await store.queue(QueueFilters(rule="outage"))
    assert [q.prediction_id for q in found] == ["f" * 32]
    assert found[0].model_version is None


async def test_a_full_queue_makes_requests_wait_for_the_writer_and_loses_nothing(
    sqlite_url: str,
) -> None:
    store = ReviewStore.from_url(sqlite_url)
    sink = BufferedPredictionSink(store, flush_seconds=0.01, max_pending=10)
    sink.start()
    try:
        peak = 0

        async def request(n: int) -> None:
            nonlocal peak
            for k in range(5):
                out, item = _wire(f"{n:02d}{k:030d}")
                await sink.save([encode_prediction(out, item, CREATED, None)])
                peak = max(peak, sink.pending)

        await asyncio.gather(*(request(n) for n in range(12)))
        await sink.close()
        assert sink.dropped == 0
        assert peak <= 10
        assert await store.pending_count() == 60
    finally:
        await store.dispose()


async def test_a_request_larger_than_the_bound_is_still_taken_whole(sqlite_url: str) -> None:
    store = ReviewStore.from_url(sqlite_url)
    sink = BufferedPredictionSink(store, flush_seconds=60, max_pending=3)
    sink.start()
    try:
        records = [encode_prediction(*_wire(f"{k:032d}"), CREATED, None) for k in range(5)]
        await sink.save(records)
        assert (sink.pending, sink.dropped) == (5, 0)
        await sink.close()
        assert await store.pending_count() == 5
    finally:
        await store.dispose()
