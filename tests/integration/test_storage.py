"""The review store on real SQLite and PostgreSQL: migrations, queue, reviews, export, stats."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select

from classifier.levels import PriorityScale
from serving.storage.engine import make_sync_engine
from serving.storage.export import EXPORT_COLUMNS, csv_chunks, export_rows, jsonl_line
from serving.storage.fast_insert import PREDICTION_COLUMNS, prediction_tuples
from serving.storage.migrate import current_revision, head_revision, upgrade
from serving.storage.models import Base, Review
from serving.storage.records import (
    AlreadyReviewed,
    InvalidReview,
    PredictionNotFound,
    QueueFilters,
    ReviewInput,
    ReviewResult,
)
from serving.storage.reviewing import record_review
from serving.storage.settings import DEFAULT_REASONS
from serving.storage.stats import agreement
from serving.storage.store import ReviewStore
from tests.review_fixtures import T0, make_record

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]
SCALE = PriorityScale.default_scale()
REASONS = tuple(code for code, _ in DEFAULT_REASONS)


async def review(store: ReviewStore, prediction_id: str, **fields: Any) -> ReviewResult:
    return await record_review(
        store, prediction_id, ReviewInput(**{"agent": "ann", **fields}), SCALE, REASONS
    )


def test_upgrading_a_0001_store_keeps_its_predictions_and_drops_the_unused_indexes(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    assert upgrade(url, "0001") == "0001"
    engine = make_sync_engine(url)
    rows, _, _ = prediction_tuples([make_record(external_id="ZD-1")])
    columns = PREDICTION_COLUMNS[:16]  # 0001's; 0005 and 0006 added the key, fingerprint, answer
    with engine.begin() as connection:
        connection.exec_driver_sql(
            f"INSERT INTO predictions ({', '.join(columns)}) "  # noqa: S608 - constant names
            f"VALUES ({', '.join('?' * len(columns))})",
            rows[0][:16],
        )
    assert upgrade(url) == head_revision()
    with engine.connect() as connection:
        stored = connection.exec_driver_sql(
            "SELECT external_id, idempotency_key FROM predictions"
        ).all()
        indexes = {
            name
            for (name,) in connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'predictions'"
            )
        }
        checkpoint = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
        page = connection.exec_driver_sql("PRAGMA page_size").scalar()
    engine.dispose()
    assert stored == [("ZD-1", None)]
    assert "uq_predictions_idempotency_key" in indexes
    assert "ix_predictions_external_id" not in indexes
    assert "ix_predictions_language" not in indexes
    assert {"ix_predictions_created_at", "ix_predictions_pending"} <= indexes
    assert (page, checkpoint) == (16_384, 2_560)  # new file: 16 KiB pages, WAL folded at 40 MiB


def test_an_existing_sqlite_file_keeps_its_page_size_and_folds_its_wal_at_the_same_size(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old_pages.db"
    with closing(sqlite3.connect(path)) as plain:
        plain.execute("CREATE TABLE t (x INTEGER)")  # SQLite's default 4 KiB pages
        plain.commit()
    engine = make_sync_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        page = connection.exec_driver_sql("PRAGMA page_size").scalar()
        checkpoint = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
    engine.dispose()
    assert (page, checkpoint) == (4_096, 10_240)


def test_migrations_reach_head_and_match_the_models(db_url: str) -> None:
    assert current_revision(db_url) == head_revision() == "0006"
    assert upgrade(db_url) == "0006"  # a second run is a no-op
    engine = make_sync_engine(db_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


async def test_queue_orders_by_first_response_due_then_lowest_confidence(
    store: ReviewStore,
) -> None:
    late = make_record(due=T0 + timedelta(hours=8), confidence=0.2)
    sure = make_record(due=T0 + timedelta(hours=1), confidence=0.9)
    unsure = make_record(due=T0 + timedelta(hours=1), confidence=0.4)
    no_sla = make_record(confidence=0.1, sla=False)
    await store.save_predictions([late, sure, unsure, no_sla])
    queue = await store.queue()
    assert [item.prediction_id for item in queue] == [
        unsure.prediction_id,
        sure.prediction_id,
        late.prediction_id,
        no_sla.prediction_id,
    ]
    assert queue[0].first_response_due == T0 + timedelta(hours=1)
    assert queue[0].subject == "Nedbrud i produktion"
    assert await store.pending_count() == 4


async def test_queue_filters_by_level_language_rule_and_model_version(
    store: ReviewStore,
) -> None:
    danish = make_record("urgent", language="da", rules=("security-breach", "vip"))
    finnish = make_record("high", language="fi", subject="Palvelu ei toimi", model_version="4")
    dutch = make_record("low", language="nl", model_version=None, confidence=None)
    await store.save_predictions([danish, finnish, dutch])

    async def ids(**filters: str) -> set[str]:
        return {item.prediction_id for item in await store.queue(QueueFilters(**filters))}

    assert await ids(level="urgent") == {danish.prediction_id}
    assert await ids(language="FI") == {finnish.prediction_id}
    assert await ids(rule="vip") == {danish.prediction_id}
    assert await ids(model_version="4") == {finnish.prediction_id}
    assert await ids(level="high", language="da") == set()
    assert await store.pending_count(QueueFilters(language="nl")) == 1


async def test_pending_languages_are_the_distinct_filter_values_of_the_queue(
    store: ReviewStore,
) -> None:
    records = [make_record(language=language) for language in ("fi", "FI", "da", None, "", "sl")]
    await store.save_predictions(records)
    await review(store, records[-1].prediction_id, action="accept")  # sl: none pending
    assert await store.pending_languages() == ["da", "fi"]


async def test_queue_filters_by_the_utc_day_a_ticket_was_received(store: ReviewStore) -> None:
    late = make_record(created_at=datetime(2026, 11, 1, 23, 59, 59, tzinfo=UTC))
    midnight = make_record(created_at=datetime(2026, 11, 2, tzinfo=UTC))
    await store.save_predictions([late, midnight])

    async def ids(**days: date) -> set[str]:
        return {item.prediction_id for item in await store.queue(QueueFilters(**days))}

    assert await ids(received_from=date(2026, 11, 2)) == {midnight.prediction_id}
    assert await ids(received_until=date(2026, 11, 1)) == {late.prediction_id}
    assert await store.pending_count(QueueFilters(received_from=date(2026, 11, 3))) == 0


async def test_accept_keeps_the_suggestion_and_leaves_the_queue(store: ReviewStore) -> None:
    record = make_record("high")
    await store.save_predictions([record])
    result = await review(store, record.prediction_id, action="accept")
    assert (result.action, result.suggested_level, result.final_level) == (
        "accept",
        "high",
        "high",
    )
    assert await store.queue() == []
    detail = await store.detail(record.prediction_id)
    assert detail is not None
    assert detail.current_review == result
    assert detail.decision["priority"] == "high"  # the original suggestion is kept whole


async def test_override_stores_both_the_suggestion_and_the_human_level(
    store: ReviewStore,
) -> None:
    record = make_record("medium")
    await store.save_predictions([record])
    result = await review(
        store,
        record.prediction_id,
        action="override",
        level="Akut",  # a Danish alias of urgent
        reason="impact_underestimated",
        note="Hele lageret står stille",
    )
    assert (result.action, result.suggested_level, result.final_level) == (
        "override",
        "medium",
        "urgent",
    )
    assert result.reason == "impact_underestimated"
    assert result.note == "Hele lageret står stille"


async def test_override_to_the_suggested_level_counts_as_accept(store: ReviewStore) -> None:
    record = make_record("high")
    await store.save_predictions([record])
    result = await review(
        store, record.prediction_id, action="override", level="high", reason="vip"
    )
    assert result.action == "accept"


@pytest.mark.parametrize(
    ("fields", "field_name"),
    [
        ({"action": "override", "level": "blocker", "reason": "vip"}, "level"),
        ({"action": "override", "level": "low", "reason": "bored"}, "reason"),
        ({"action": "override", "reason": "vip"}, "level"),
        ({"action": "override", "level": "low"}, "reason"),
        ({"action": "accept", "level": "low"}, "level"),
        ({"action": "accept", "note": "x" * 5000}, "note"),
        ({"action": "accept", "agent": " "}, "agent"),
        ({"action": "accept", "note": "a\x00b"}, "note"),  # PostgreSQL cannot store NUL
        ({"action": "accept", "agent": "x\x00y"}, "agent"),
    ],
)
async def test_invalid_reviews_name_the_field(
    store: ReviewStore, fields: dict[str, str], field_name: str
) -> None:
    record = make_record("high")
    await store.save_predictions([record])
    with pytest.raises(InvalidReview) as caught:
        await review(store, record.prediction_id, **fields)
    assert caught.value.field == field_name
    assert await store.pending_count() == 1


async def test_reviewing_an_unknown_prediction_raises_not_found(store: ReviewStore) -> None:
    with pytest.raises(PredictionNotFound, match="does not exist"):
        await review(store, "nope", action="accept")


async def test_second_review_conflicts_unless_forced_and_history_is_kept(
    store: ReviewStore,
) -> None:
    record = make_record("high")
    await store.save_predictions([record])
    await review(store, record.prediction_id, action="accept")
    with pytest.raises(AlreadyReviewed, match="force=true"):
        await review(store, record.prediction_id, action="override", level="low", reason="spam")
    forced = await review(
        store, record.prediction_id, action="override", level="low", reason="spam", force=True
    )
    assert forced.replaced_previous
    detail = await store.detail(record.prediction_id)
    assert detail is not None
    assert [r.final_level for r in detail.reviews] == ["high", "low"]
    assert detail.current_review is not None
    assert detail.current_review.final_level == "low"
    async with store.read() as session:
        current = await session.scalar(
            select(func.count()).select_from(Review).where(Review.is_current)
        )
    assert current == 1


async def test_concurrent_reviews_of_one_prediction_store_exactly_one(
    store: ReviewStore,
) -> None:
    record = make_record("high")
    await store.save_predictions([record])
    outcomes = await asyncio.gather(
        *(review(store, record.prediction_id, action="accept", agent=f"a{i}") for i in range(6)),
        return_exceptions=True,
    )
    stored = [o for o in outcomes if not isinstance(o, BaseException)]
    conflicts = [o for o in outcomes if isinstance(o, AlreadyReviewed)]
    assert len(stored) == 1
    assert len(conflicts) == 5


async def test_repeating_the_current_verdict_returns_it_and_stores_nothing(
    store: ReviewStore,
) -> None:
    accepted, overridden = make_record("high"), make_record("high")
    await store.save_predictions([accepted, overridden])
    first = await review(store, accepted.prediction_id, action="accept", note="ok")
    again = await review(store, accepted.prediction_id, action="accept")
    assert again == first
    first_override = await review(
        store, overridden.prediction_id, action="override", level="low", reason="spam"
    )
    again_override = await review(
        store, overridden.prediction_id, action="override", level="LOW", reason="spam"
    )
    assert again_override == first_override
    assert (again_override.final_level, again_override.replaced_previous) == ("low", False)
    async with store.read() as session:
        rows = await session.scalar(select(func.count()).select_from(Review))
    assert rows == 2


@pytest.mark.parametrize(
    "other",
    [
        {"agent": "bob", "action": "accept"},
        {"action": "override", "level": "low", "reason": "spam"},
        {"action": "override", "level": "urgent", "reason": "vip"},
    ],
    ids=["another-agent", "another-level", "another-reason"],
)
async def test_a_different_verdict_still_conflicts(
    store: ReviewStore, other: dict[str, Any]
) -> None:
    record = make_record("high")
    await store.save_predictions([record])
    if other.get("level") == "urgent":
        await review(store, record.prediction_id, action="override", level="urgent", reason="spam")
    else:
        await review(store, record.prediction_id, action="accept")
    with pytest.raises(AlreadyReviewed, match="force=true"):
        await review(store, record.prediction_id, **other)


async def test_concurrent_repeats_of_one_verdict_all_get_the_one_stored_review(
    store: ReviewStore,
) -> None:
    record = make_record("high")
    await store.save_predictions([record])
    outcomes = await asyncio.gather(
        *(review(store, record.prediction_id, action="accept") for _ in range(4)),
        return_exceptions=True,
    )
    assert all(isinstance(o, ReviewResult) for o in outcomes), outcomes
    assert len({o.review_id for o in outcomes if isinstance(o, ReviewResult)}) == 1


async def test_export_gives_training_rows_labelled_with_the_final_level(
    store: ReviewStore,
) -> None:
    first = make_record("medium", external_id="ZD-1", subject="Tietoturvaloukkaus", language="fi")
    second = make_record("high", external_id="ZD-2", subject="Storing bij inloggen")
    pending = make_record("low", external_id="ZD-3")
    await store.save_predictions([first, second, pending])
    await review(store, first.prediction_id, action="override", level="urgent", reason="vip")
    rows = [row async for row in export_rows(store)]
    await review(store, second.prediction_id, action="accept")
    assert [row["ticket_id"] for row in rows] == ["ZD-1"]
    since = rows[0]["reviewed_at"]
    later = [row async for row in export_rows(store, since=T0.fromisoformat(since))]
    assert [row["ticket_id"] for row in later] == ["ZD-1", "ZD-2"]
    row = later[0]
    assert (row["priority"], row["suggested_priority"], row["review_action"]) == (
        "urgent",
        "medium",
        "override",
    )
    assert (row["subject"], row["tier"], row["language"]) == (
        "Tietoturvaloukkaus",
        "enterprise",
        "fi",
    )

    parsed = list(csv.DictReader(io.StringIO("".join(csv_chunks(later)))))
    assert list(parsed[0]) == list(EXPORT_COLUMNS)
    assert parsed[1]["subject"] == "Storing bij inloggen"
    assert json.loads(jsonl_line(later[0]))["priority"] == "urgent"


def test_csv_cells_get_a_quote_only_when_text_starts_like_a_formula() -> None:
    row = {"subject": "-minus", "body": "a=b", "affected_users": -3, "tags": ["=x"]}
    parsed = next(csv.DictReader(io.StringIO("".join(csv_chunks([row])))))
    assert (parsed["subject"], parsed["body"]) == ("'-minus", "a=b")
    assert (parsed["affected_users"], parsed["tags"]) == ("-3", '["=x"]')  # numbers, JSON kept


async def test_agreement_counts_overall_slices_time_and_override_matrix(
    store: ReviewStore,
) -> None:
    records = [
        make_record("high", language="da"),
        make_record("high", language="da"),
        make_record("low", language="fi", model_version="4"),
        make_record("medium", language="fi", model_version=None, confidence=None, source="default"),
        make_record("low", language=None, body="Vi kan ikke logge ind, og det er ikke godt."),
    ]
    await store.save_predictions(records)
    await review(store, records[0].prediction_id, action="accept")
    await review(store, records[1].prediction_id, action="override", level="urgent", reason="vip")
    # an "override" to the suggested level changes nothing: its reason is not an override's
    await review(store, records[2].prediction_id, action="override", level="low", reason="other")
    await review(store, records[3].prediction_id, action="override", level="low", reason="spam")
    before = await agreement(store, SCALE.levels)
    await review(store, records[4].prediction_id, action="accept")  # no language sent: detected
    after = await agreement(store, SCALE.levels)
    assert {s.key: s.reviews for s in after.per_language} == {"da": 3, "fi": 2}
    assert (after.overall.reviews, after.overall.accepted) == (5, 3)
    stats = before
    assert (stats.overall.reviews, stats.overall.accepted, stats.overall.rate) == (4, 2, 0.5)
    assert {s.key: (s.reviews, s.accepted) for s in stats.per_level} == {
        "low": (1, 1),
        "medium": (1, 0),
        "high": (2, 1),
    }
    assert {s.key: s.rate for s in stats.per_language} == {"da": 0.5, "fi": 0.5}
    assert {s.key: (s.reviews, s.accepted) for s in stats.per_model_version} == {
        "3": (2, 1),
        "4": (1, 1),
        "rules-only": (1, 0),
    }
    assert sum(point.reviews for point in stats.over_time) == 4
    assert stats.override_matrix["high"]["urgent"] == 1
    assert stats.override_matrix["high"]["high"] == 1
    assert stats.override_matrix["medium"]["low"] == 1
    assert (stats.model_agreement.reviews, stats.model_agreement.accepted) == (3, 2)
    assert stats.reason_counts == {"vip": 1, "spam": 1}


async def test_shadow_agreement_compares_the_unused_model_with_the_served_rules(
    store: ReviewStore,
) -> None:
    right = make_record("medium", source="rule", shadow_model_priority="urgent")
    wrong = make_record("high", source="rule", shadow_model_priority="low")
    await store.save_predictions([right, wrong])
    await review(store, right.prediction_id, action="override", level="urgent", reason="vip")
    await review(store, wrong.prediction_id, action="accept")
    stats = await agreement(store, SCALE.levels)
    assert (stats.shadow_served.reviews, stats.shadow_served.accepted) == (2, 1)
    assert (stats.shadow_model.reviews, stats.shadow_model.accepted) == (2, 1)
    detail = await store.detail(right.prediction_id)
    assert detail is not None
    assert detail.item.shadow
    assert detail.item.model_priority == "urgent"


async def test_redaction_blanks_old_text_and_keeps_the_decision(store: ReviewStore) -> None:
    old = make_record("high", created_at=T0 - timedelta(days=100), external_id="old")
    note = {"note": "ring Søren på 12345678"}
    old = msgspec.structs.replace(old, request_json=_with_extra(old.request_json, note))
    new = make_record("high", created_at=T0, external_id="new")
    await store.save_predictions([old, new])
    assert await store.redact_text(T0 - timedelta(days=90)) == 1
    assert await store.redact_text(T0 - timedelta(days=90)) == 0
    old_detail = await store.detail(old.prediction_id)
    new_detail = await store.detail(new.prediction_id)
    assert old_detail is not None
    assert new_detail is not None
    assert (old_detail.item.subject, old_detail.body, old_detail.redacted) == ("", "", True)
    assert old_detail.decision["priority"] == "high"
    assert old_detail.request["customer"]["tier"] == "enterprise"
    assert new_detail.body.startswith("Hele systemet")
    # the words the model quoted and custom attributes go too; attribute reasons stay
    assert old_detail.request["extra"] == {}
    assert [r["feature"] for r in old_detail.decision["model"]["reasons"]] == ["tier = enterprise"]
    assert len(new_detail.decision["model"]["reasons"]) == 3


def _with_extra(request_json: bytes, extra: dict[str, str]) -> bytes:
    return json.dumps({**json.loads(request_json), "extra": extra}).encode()


async def test_the_shared_secret_is_created_once(store: ReviewStore) -> None:
    first = await store.secret("session")
    assert len(first) >= 40
    assert await store.secret("session") == first
    assert await store.secret("other") != first


async def test_a_revoked_session_stays_revoked_until_it_would_have_expired(
    store: ReviewStore,
) -> None:
    now = datetime.now(UTC)
    await store.revoke_session("old", now - timedelta(minutes=1))
    await store.revoke_session("signed-out", now + timedelta(hours=12))
    await store.revoke_session("signed-out", now + timedelta(hours=12))  # twice is fine
    assert await store.session_revoked("signed-out")
    assert not await store.session_revoked("still-signed-in")
    assert not await store.session_revoked("old")  # expired anyway: dropped on the way


def test_database_errors_never_carry_the_statement_values(tmp_path: Path) -> None:
    # The service logs database errors; their values are ticket text and reviewers' notes.
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    engine = make_sync_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection, pytest.raises(OperationalError) as info:
        connection.execute(text("INSERT INTO missing VALUES (:note)"), {"note": "CPR 010203-1234"})
    assert "CPR" not in str(info.value)
    assert "parameters hidden" in str(info.value)


def test_a_new_sqlite_store_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    # It holds ticket text and the review page's session secret; the umask would give 0644.
    db = tmp_path / "reviews.db"
    upgrade(f"sqlite:///{db}")
    stores = {"reviews.db", "reviews.db-wal", "reviews.db-shm"}  # not the empty migrate lock
    made = [path for path in tmp_path.iterdir() if path.name in stores]
    assert db in made
    assert {path.name: path.stat().st_mode & 0o777 for path in made} == dict.fromkeys(
        (path.name for path in made), 0o600
    )


def test_an_existing_sqlite_store_keeps_the_mode_its_operator_gave_it(tmp_path: Path) -> None:
    db = tmp_path / "reviews.db"
    db.touch(mode=0o640)
    db.chmod(0o640)
    upgrade(f"sqlite:///{db}")
    assert db.stat().st_mode & 0o777 == 0o640
