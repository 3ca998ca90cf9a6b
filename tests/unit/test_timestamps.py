"""One day/month order per time column: European exports keep their time order."""

from __future__ import annotations

import pandas as pd
import pytest

from training.config import ConfigError, data_config_from_mapping
from training.timestamps import parse_times


def days(values: list[str], day_first: bool | None = None) -> list[str]:
    parsed = parse_times(pd.Series(values), "created_at", day_first)
    return [t.strftime("%Y-%m-%d") if not pd.isna(t) else "bad" for t in parsed.times]


def test_one_unambiguous_date_decides_day_first_for_the_whole_column() -> None:
    # pandas alone reads the first as 2 January and the second as 24 November.
    assert days(["01.02.2026 10:00", "24.11.2026 13:45"]) == ["2026-02-01", "2026-11-24"]


def test_one_unambiguous_date_decides_month_first_for_the_whole_column() -> None:
    assert days(["01/02/2026", "11/24/2026 08:00"]) == ["2026-01-02", "2026-11-24"]


def test_ambiguous_dates_are_read_day_first_with_a_warning() -> None:
    parsed = parse_times(pd.Series(["01/02/2026", "03/04/2026"]), "opened")
    assert parsed.day_first
    assert [t.month for t in parsed.times] == [2, 4]
    assert parsed.warnings == [
        "opened: 2 date(s) such as '01/02/2026' could be day or month first; read day "
        "first. Set day_first: false in the data config if the export writes month first"
    ]


def test_dates_in_both_orders_keep_the_majority_order_and_flag_the_others() -> None:
    parsed = parse_times(pd.Series(["24.11.2026", "11/25/2026", "05.06.2026"]), "opened")
    assert [str(t.date()) if not pd.isna(t) else "bad" for t in parsed.times] == [
        "2026-11-24", "bad", "2026-06-05",
    ]  # fmt: skip
    assert parsed.wrong_order.tolist() == [False, True, False]
    assert "read day first like most, the 1 written month first are bad rows" in parsed.warnings[0]


def test_a_stray_day_first_date_does_not_turn_a_month_first_column() -> None:
    parsed = parse_times(pd.Series(["11/24/2026", "12/25/2026", "13/01/2026"]), "opened")
    assert not parsed.day_first
    assert parsed.wrong_order.tolist() == [False, False, True]
    assert "read month first like most, the 1 written day first are bad rows" in parsed.warnings[0]


def test_a_configured_order_wins_and_contrary_dates_are_bad() -> None:
    assert days(["24.11.2026", "01/02/2026"], day_first=False) == ["bad", "2026-01-02"]
    assert days(["11/24/2026", "01/02/2026"], day_first=True) == ["bad", "2026-02-01"]


def test_iso_and_spelled_out_timestamps_are_untouched() -> None:
    parsed = parse_times(
        pd.Series(["2026-11-24T10:00:00+01:00", "March 5, 2024 2:22 PM", "", "31/31/2024"]), "t"
    )
    assert [str(t) for t in parsed.times] == [
        "2026-11-24 09:00:00+00:00", "2024-03-05 14:22:00+00:00", "NaT", "NaT",
    ]  # fmt: skip
    assert parsed.warnings == []


def test_day_first_in_the_data_config_must_be_a_boolean() -> None:
    assert data_config_from_mapping({"day_first": False}).day_first is False
    with pytest.raises(ConfigError, match="day_first must be true or false"):
        data_config_from_mapping({"day_first": "yes please"})


@pytest.mark.parametrize(
    "value", ["1764000000", "1764000000000", "1764000000.25", "2025-11-24T16:00:00Z"]
)
def test_unix_time_in_seconds_or_milliseconds_is_read(value: str) -> None:
    assert days([value]) == ["2025-11-24"]


def test_a_plain_number_outside_unix_time_stays_a_bad_timestamp() -> None:
    assert days(["46023", "12"]) == ["bad", "bad"]
