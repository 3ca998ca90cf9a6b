"""Prediction ids made in bulk look exactly like `uuid.uuid4().hex`."""

from __future__ import annotations

import uuid

from serving.service import prediction_ids


def test_bulk_ids_are_distinct_version_4_uuids_in_hex() -> None:
    ids = prediction_ids(500)
    assert len(set(ids)) == 500
    for text in ids:
        parsed = uuid.UUID(hex=text)
        assert parsed.hex == text
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122


def test_one_id_and_none() -> None:
    assert uuid.UUID(hex=prediction_ids(1)[0]).version == 4
    assert prediction_ids(0) == []
