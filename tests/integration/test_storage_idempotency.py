"""The review store keeps one prediction per idempotency key, on SQLite and PostgreSQL, however
the repeats arrive (one batch, later batches, the buffered sink); a key outside the window or
redacted may be used again; the stored answer reads back byte for byte."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from sqlalchemy import func, select, text

from serving.idempotency import Remembered, fingerprint, store_claim, store_lookup
from serving.persistence import EncodedPrediction
from serving.schemas import DecisionOut, FiredRuleOut, SlaOut, TicketIn
from serving.service import encode_prediction
from serving.storage.engine import make_sync_engine
from serving.storage.migrate import alembic_config, head_revision, upgrade
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


def wire(prediction_id: str) -> tuple[DecisionOut, TicketIn]:
    due = datetime(2026, 3, 2, 13, 0, 0, 123456, tzinfo=UTC)
    out = DecisionOut(
        prediction_id=prediction_id, external_id="ZD-1", priority="urgent", source="rule",
        rule_id="vip", model_priority="high",
        probabilities={"low": 0.1, "medium": 0.1, "high": 0.6, "urgent": 0.2},
        confidence=0.6, model_name="ticket-priority", model_version="7",
        rules_fired=[FiredRuleOut(rule_id="vip", reason="vip", actions=["at_least high"])],
        sla=SlaOut(policy="standard", level="urgent", first_response_due=due,
                   resolution_due=due + timedelta(hours=4), calendar="always"),
        reasons=[], review_required=True, tags_added=["outage"], degraded=None,
        shadow_model_priority=None, rules_sha256="ab" * 32,
    )  # fmt: skip
    return out, TicketIn(subject="Nedbrud", body="Alt er nede, æøå", external_id="ZD-1")


async def test_the_stored_answer_is_the_first_answer_byte_for_byte(store: ReviewStore) -> None:
    out, item = wire("e" * 32)
    request_print = fingerprint(msgspec.json.encode(item))
    record = encode_prediction(out, item, utcnow(), None, idempotency=("p:k5", request_print))
    await store.save_predictions([record])
    found = await store_lookup(store)("p:k5")
    assert found is not None
    # Also on PostgreSQL, whose JSONB `decision` lists the `probabilities` keys in its own
    # order (low, high, medium, urgent): the answer is kept as text next to it.
    assert found.body == record.decision_json == msgspec.json.encode(out)
    assert list(msgspec.json.decode(found.body)["probabilities"]) == [
        "low", "medium", "high", "urgent"
    ]  # fmt: skip
    assert found.fingerprint == request_print
    assert await store_lookup(store)("p:other") is None


async def test_a_key_stored_after_a_lookup_is_found_by_the_next(store: ReviewStore) -> None:
    # On SQLite the lookup keeps its own read-only connection open between calls.
    assert await store.stored_answer("p:k6") is None
    await store.save_predictions([keyed("p:k6")])
    found = await store.stored_answer("p:k6")
    assert found is not None
    assert found.request_sha256 == "f" * 64
    assert not found.exact  # saved without an answer, as before migration 0006: its Decision


async def test_on_sqlite_the_lookup_does_not_go_through_the_async_engine(
    sqlite_store: ReviewStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sqlite_store.save_predictions([keyed("p:k7")])

    def no_thread_hop(*args: object) -> None:
        raise AssertionError("the async engine costs a thread hop per lookup (~1 ms)")

    monkeypatch.setattr(type(sqlite_store.engine), "connect", no_thread_hop)
    assert await sqlite_store.stored_answer("p:k7") is not None


def keyed_answer(key: str, body: str) -> EncodedPrediction:
    out, item = wire(uuid.uuid4().hex)
    item = msgspec.structs.replace(item, body=body)
    request_print = fingerprint(msgspec.json.encode(item))
    return encode_prediction(out, item, utcnow(), None, idempotency=(key, request_print))


async def test_a_claimed_key_hands_the_next_claim_the_first_answer(store: ReviewStore) -> None:
    first, second = keyed_answer("p:c1", "Alt er nede"), keyed_answer("p:c1", "Alt er nede")
    assert await store.claim_key(first) is None
    taken = await store.claim_key(second)
    assert taken is not None
    assert (taken.exact, taken.body.encode()) == (True, first.decision_json)
    assert await counts(store) == (1, 1)  # the first prediction and its rule, nothing of the second
    assert await store.detail(first.prediction_id) is not None
    claim = store_claim(store)
    assert await claim(keyed_answer("p:c2", "x")) == "stored"
    again = await claim(keyed_answer("p:c2", "x"))
    assert isinstance(again, Remembered)
    assert await claim(keyed_answer("p:c3", "y")) == "stored"
    assert await store_claim(store, lambda: False)(keyed_answer("p:c4", "z")) == "unavailable"
    assert await counts(store) == (3, 3)


async def test_a_claim_takes_a_key_back_from_a_prediction_older_than_the_window(
    store: ReviewStore,
) -> None:
    store.idempotency_window = timedelta(hours=24)
    old = msgspec.structs.replace(
        keyed_answer("p:c5", "old"), created_at=utcnow() - timedelta(hours=25)
    )
    assert await store.claim_key(old) is None
    fresh = keyed_answer("p:c5", "new")
    assert await store.claim_key(fresh) is None
    taken = await store.claim_key(keyed_answer("p:c5", "new"))
    assert taken is not None
    assert taken.body.encode() == fresh.decision_json
    assert await counts(store) == (2, 2)


async def test_redaction_clears_the_kept_answer(store: ReviewStore) -> None:
    store.idempotency_window = timedelta(days=400)
    old = msgspec.structs.replace(
        keyed_answer("p:c6", "Alt er nede"), created_at=utcnow() - timedelta(days=100)
    )
    await store.save_predictions([old])
    assert await store.redact_text(utcnow() - timedelta(days=90)) == 1
    async with store.read() as session:
        kept = await session.scalar(select(Prediction.answer))
    assert kept is None


def test_migration_0006_adds_the_answer_column_and_its_downgrade_drops_it(db_url: str) -> None:
    from alembic import command

    def columns() -> set[str]:
        engine = make_sync_engine(db_url)
        with engine.connect() as connection:
            names = set(connection.execute(text("SELECT * FROM predictions")).keys())
        engine.dispose()
        return names

    assert head_revision() == "0006"
    assert "answer" in columns()
    engine = make_sync_engine(db_url)
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    engine.dispose()
    assert "answer" not in columns()
    assert {"idempotency_key", "request_sha256"} <= columns()
    assert upgrade(db_url) == "0006"
    assert "answer" in columns()
