"""Prediction ids are UUIDs in hex: version 7, random apart from their millisecond clock, so
they sort by creation time (cheap primary-key inserts in the review store)."""

from __future__ import annotations

import time
import uuid

from serving.service import prediction_ids


def test_bulk_ids_are_distinct_version_7_uuids_in_hex() -> None:
    ids = prediction_ids(500)
    assert len(set(ids)) == 500
    for text in ids:
        parsed = uuid.UUID(hex=text)
        assert parsed.hex == text
        assert parsed.version == 7
        assert parsed.variant == uuid.RFC_4122


def test_ids_carry_the_current_millisecond_and_sort_by_time() -> None:
    before = time.time_ns() // 1_000_000
    first = prediction_ids(3)
    time.sleep(0.002)
    second = prediction_ids(1)[0]
    after = time.time_ns() // 1_000_000
    assert before <= int(first[0][:12], 16) <= after
    assert all(second > earlier for earlier in first)


def test_one_id_and_none() -> None:
    assert uuid.UUID(hex=prediction_ids(1)[0]).version == 7
    assert prediction_ids(0) == []
