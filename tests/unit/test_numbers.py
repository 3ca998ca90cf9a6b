"""Numbers as Danish, German, English and Swiss spreadsheets write them."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from training.numbers import parse_numbers, read_numbers


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


def test_whole_english_amounts_with_thousands_commas_are_not_read_1000x_too_small() -> None:
    parsed = read_numbers(pd.Series(["4,273", "1,702", "850", "12,345"]))
    assert parsed.values.tolist() == [4273.0, 1702.0, 850.0, 12345.0]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        (["1.234", "4.273,00"], 1234.0),  # Danish: the column's decimals are commas
        (["1,234", "4,273.50"], 1234.0),  # English: the column's decimals are dots
        (["1,234", "1,234,567"], 1234.0),  # several comma groups: commas group thousands
        (["1.234", "1.234.567"], 1234.0),  # several dot groups: dots group thousands
        (["1,234", "12,5"], 1.234),  # a comma with one decimal: commas are decimals
        (["1.234", "0.5"], 1.234),  # a dot with one decimal: dots are decimals
        (["1,234", "0,750"], 1.234),  # a lone 0 is never grouped: comma decimals
    ],
)
def test_a_lone_separator_with_three_digits_follows_the_columns_convention(
    column: list[str], value: float
) -> None:
    parsed = read_numbers(pd.Series(column))
    assert parsed.values.iloc[0] == pytest.approx(value)
    assert parsed.decided_by == "column"


@pytest.mark.parametrize("text", ["1,234", "1.234"])
def test_a_column_without_evidence_is_read_as_thousands_and_says_it_guessed(text: str) -> None:
    parsed = read_numbers(pd.Series([text, "17"]))
    assert parsed.values.iloc[0] == 1234.0
    assert (parsed.decided_by, parsed.ambiguous, parsed.example) == ("guess", 1, text)


@pytest.mark.parametrize(("decimal", "value"), [(",", 1.234), (".", 1234.0)])
def test_a_configured_decimal_separator_decides_the_ambiguous_values(
    decimal: str, value: float
) -> None:
    parsed = read_numbers(pd.Series(["1,234"]), decimal)
    assert parsed.values.iloc[0] == pytest.approx(value)
    assert parsed.decided_by == "config"


def test_numbers_a_column_does_not_need_to_decide_are_not_ambiguous() -> None:
    parsed = read_numbers(pd.Series(["4,200.50", "12,5", "1.000.000", "0,750", "1234,567"]))
    assert parsed.ambiguous == 0
