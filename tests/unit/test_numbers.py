"""Numbers as Danish, German, English and Swiss spreadsheets write them."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from training.numbers import parse_numbers


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("4.200,50", 4200.5),  # Danish/German: dot groups, comma is decimal
        ("4,200.50", 4200.5),  # English
        ("4'200.50", 4200.5),  # Swiss
        ("4 200,50", 4200.5),  # Finnish/French: space groups
        ("4\u00a0200,50", 4200.5),  # a no-break space, as Excel writes it
        ("1.000.000", 1_000_000.0),
        ("1,000,000", 1_000_000.0),
        ("12,5", 12.5),
        ("12.5", 12.5),
        ("-3,5", -3.5),
        ("1e3", 1000.0),
        ("4200 kr.", 4200.0),
        ("€ 1.234,56", 1234.56),
        ("$1,234.56", 1234.56),
        ("DKK 99", 99.0),
    ],
)
def test_numbers_in_local_formats_are_read(text: str, value: float) -> None:
    assert parse_numbers(pd.Series([text])).iloc[0] == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "abc", "n/a", "12 users", "1.2.3,4,5"])
def test_what_is_not_a_number_is_missing(text: str) -> None:
    assert math.isnan(parse_numbers(pd.Series([text])).iloc[0])


def test_a_lone_comma_stays_a_decimal_comma() -> None:
    # ambiguous in English (one thousand two hundred and thirty-four), but a Danish, German or
    # Dutch export means 1.234, and those write decimals with a comma
    assert parse_numbers(pd.Series(["1,234"])).iloc[0] == pytest.approx(1.234)
