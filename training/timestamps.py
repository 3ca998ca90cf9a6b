"""Parse an export's creation-time column: ISO 8601 first, Unix time in seconds or
milliseconds, then the formats people type.

Day and month order is decided once per column, never per value. Left to itself, pandas'
mixed-format parser reads 01.02.2026 as 2 January but 24.11.2026 as 24 November, which would
silently reorder a European export in time and with it the newest-20% holdout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

# Day and month as leading numbers: 24.11.2026, 11/24/26, 01-02-2026 13:45.
NUMERIC_DATE = r"^(\d{1,2})[./-](\d{1,2})[./-]\d{2,4}\b"
# Unix time as a plain number (an API's or database's export, JSONL/Parquet integers).
EPOCH = r"\d+(?:\.\d+)?"
EPOCH_RANGES: tuple[tuple[Literal["s", "ms"], float, float], ...] = (
    ("s", 3e8, 4.1e9),
    ("ms", 3e11, 4.1e12),
)


@dataclass(frozen=True)
class ParsedTimes:
    """A parsed time column.

    Attributes:
        times: UTC timestamps, NaT where a value could not be read (a bad row).
        day_first: whether numeric dates were read day first.
        warnings: what the user should check, e.g. that ambiguous dates were read day first.
        wrong_order: values whose day/month order contradicts the column's.
    """

    times: pd.Series
    day_first: bool
    warnings: list[str]
    wrong_order: pd.Series


def parse_times(text: pd.Series, column: str, day_first: bool | None = None) -> ParsedTimes:
    """Read timestamps; numeric dates like 01.02.2026 follow one order for the whole column.

    Args:
        text: the column's values as stripped strings ("" = missing).
        column: its name, for warnings.
        day_first: the order of numeric dates; None decides from the values: the order that
            more dates allow only (24.11.2026 is day first, 11/24/2026 month first), day first
            when no date decides it.

    Returns:
        Timestamps in UTC; values in the other order are NaT and flagged in `wrong_order`.
    """
    parsed = pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601")
    parsed = _with_epochs(text, parsed)
    retry = parsed.isna() & (text != "")
    no_flags = pd.Series(False, index=text.index)
    if not retry.any():
        return ParsedTimes(parsed, day_first is not False, [], no_flags)
    parts = text[retry].str.extract(NUMERIC_DATE).dropna().astype(int)
    first, second = parts[0], parts[1]
    notes: list[str] = []
    if day_first is None:
        day_first, notes = _decide_order(text, first, second, column)
    parsed[retry] = pd.to_datetime(
        text[retry], utc=True, errors="coerce", format="mixed", dayfirst=day_first
    )
    # dateutil swaps day and month when its order gives no valid date; the column's order wins.
    expected_day = first if day_first else second
    wrong = no_flags.copy()
    wrong[parts.index] = parsed[parts.index].dt.day.to_numpy() != expected_day.to_numpy()
    parsed = parsed.mask(wrong)
    return ParsedTimes(parsed, day_first, notes, wrong)


def _with_epochs(text: pd.Series, parsed: pd.Series) -> pd.Series:
    """`parsed` with plain numbers read as Unix time: seconds or milliseconds by magnitude
    (the ranges cannot be confused: 1979..2100 is 3e8..4.1e9 s, 3e11..4.1e12 ms).

    A database or API export writes epoch numbers, a JSONL/Parquet export integers; left to
    the date parsers every such row would be a bad timestamp.
    """
    candidates = parsed.isna() & text.str.fullmatch(EPOCH)
    if not candidates.any():
        return parsed
    number = pd.to_numeric(text[candidates], errors="coerce")
    out = parsed.astype("datetime64[ns, UTC]")  # a fraction of a second needs the resolution
    for unit, low, high in EPOCH_RANGES:
        in_range = number.between(low, high)
        if in_range.any():
            out[in_range[in_range].index] = pd.to_datetime(number[in_range], unit=unit, utc=True)
    return out


def _decide_order(
    text: pd.Series, first: pd.Series, second: pd.Series, column: str
) -> tuple[bool, list[str]]:
    day_like, month_like = first.between(13, 31), second.between(13, 31)
    only_day_first = first[day_like & (second <= 12)]
    only_month_first = second[month_like & (first <= 12)]
    if len(only_day_first) and len(only_month_first):
        day_first = len(only_day_first) >= len(only_month_first)
        minority = only_month_first if day_first else only_day_first
        order, other = ("day", "month") if day_first else ("month", "day")
        return day_first, [
            f"{column}: dates are written day first (e.g. "
            f"{text[only_day_first.index[0]]!r}) and month first (e.g. "
            f"{text[only_month_first.index[0]]!r}); read {order} first like most, the "
            f"{len(minority)} written {other} first are bad rows. Set day_first in the data "
            "config to choose"
        ]
    if len(only_day_first) or len(only_month_first):
        return bool(len(only_day_first)), []
    ambiguous = first[(first <= 12) & (second <= 12)]
    if len(ambiguous):
        example = text[ambiguous.index[0]]
        return True, [
            f"{column}: {len(ambiguous)} date(s) such as {example!r} could be day or month "
            "first; read day first. Set day_first: false in the data config if the export "
            "writes month first"
        ]
    return True, []
