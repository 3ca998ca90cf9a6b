"""The one column mapping shared by training and serving: specs, records, missing values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from classifier.errors import InvalidTicket
from classifier.features import (
    MISSING,
    FeatureSpec,
    category_block,
    coerce_frame,
    missing_columns,
    signed_log1p,
    to_frame,
)
from classifier.schema import CATEGORY_COLUMNS, NUMERIC_COLUMNS, TEXT_COLUMNS, Customer, Ticket

SPEC = FeatureSpec(("subject", "body"), ("tier", "vip"), ("affected_users", "monthly_value"))


def test_default_spec_is_the_plain_schema() -> None:
    spec = FeatureSpec.default()
    assert spec.text_columns == TEXT_COLUMNS
    assert spec.columns == TEXT_COLUMNS + CATEGORY_COLUMNS + NUMERIC_COLUMNS


def test_spec_round_trips_through_its_dict_form() -> None:
    assert FeatureSpec.from_dict(SPEC.to_dict()) == SPEC


def test_a_column_listed_under_two_kinds_is_rejected_by_name() -> None:
    with pytest.raises(InvalidTicket, match="tier: listed twice"):
        FeatureSpec(("body",), ("tier",), ("tier",))


def test_a_spec_without_text_is_rejected() -> None:
    with pytest.raises(InvalidTicket, match="text_columns"):
        FeatureSpec((), ("tier",))


def test_columns_the_records_lack_become_missing_values() -> None:
    frame = to_frame([{"body": "Serveren er nede"}], SPEC)
    assert list(frame.columns) == list(SPEC.columns)
    row = frame.iloc[0]
    assert row["subject"] == ""
    assert row["body"] == "Serveren er nede"
    assert row["tier"] == MISSING
    assert row["vip"] == MISSING
    assert math.isnan(row["affected_users"])
    assert math.isnan(row["monthly_value"])


def test_values_are_cleaned_the_same_way_for_every_kind() -> None:
    record = {
        "subject": None,
        "body": "Hei\\nPalvelu ei toimi",
        "tier": "  Enterprise ",
        "vip": True,
        "affected_users": "120",
        "monthly_value": "n/a",
        "unused": "ignored",
    }
    row = to_frame([record], SPEC).iloc[0]
    assert row["subject"] == ""
    assert row["body"] == "Hei Palvelu ei toimi"
    assert row["tier"] == "enterprise"
    assert row["vip"] == "true"
    assert row["affected_users"] == 120.0
    assert math.isnan(row["monthly_value"])


def test_a_ticket_record_maps_onto_the_default_spec() -> None:
    ticket = Ticket(
        subject="Nedbrud",
        body="Alt er nede",
        language="da",
        customer=Customer(tier="premium", vip=False, monthly_value=900.0),
        affected_users=40,
    )
    row = to_frame([ticket.to_record()], FeatureSpec.default()).iloc[0]
    assert (row["language"], row["tier"], row["vip"]) == ("da", "premium", "false")
    assert row["affected_users"] == 40.0
    assert math.isnan(row["open_tickets"])
    assert row["channel"] == MISSING


def test_coerce_frame_matches_to_frame_on_the_same_rows() -> None:
    records = [
        {"subject": "A", "body": "x", "tier": "free", "vip": False, "affected_users": 1},
        {"subject": None, "body": "y", "tier": None, "vip": None, "affected_users": None},
    ]
    frame = pd.DataFrame(records)
    pd.testing.assert_frame_equal(coerce_frame(frame, SPEC), to_frame(records, SPEC))
    assert missing_columns(frame, SPEC) == ["monthly_value"]


def test_numbers_are_log_compressed_keeping_their_sign_and_missing_values() -> None:
    out = signed_log1p(np.asarray([[0.0, -9.0], [np.nan, 99.0]], dtype=object))
    assert out[0].tolist() == [0.0, pytest.approx(-math.log(10))]
    assert math.isnan(out[1, 0])
    assert out[1, 1] == pytest.approx(math.log(100))


def test_category_block_reads_booleans_numbers_and_gaps() -> None:
    block = category_block(pd.DataFrame({"a": [True, None], "b": [3.0, "X  Y"]}))
    assert block.tolist() == [["true", "3"], [MISSING, "x y"]]
