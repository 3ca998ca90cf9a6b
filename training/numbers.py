"""Parse an export's numeric column as people and spreadsheets write numbers.

A Danish or German Excel export writes 4.200,50 (dot for thousands, comma for decimals), an
English one 4,200.50, a Swiss one 4'200.50, and many add a currency. Reading them with a plain
float parser turns all of these into missing values.

One separator followed by exactly three digits (4,200 or 1.234) is ambiguous: thousands in one
convention, decimals in the other. Like the day/month order of dates, it is decided once per
column, from the values that are not ambiguous (4.200,50, 12,5, 1,234,567, 0.750), never value
by value: reading 4,200 as 4.2 and 4,200.50 as 4200.5 in one column is 1,000x off in silence.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

_GROUPING = r"[\s\u00a0\u202f']"  # spaces, no-break spaces, the Swiss apostrophe
_CURRENCY = r"[€$£]|(?i:\b(?:kr|dkk|sek|nok|eur|usd|chf|gbp)\b\.?)"
# One separator, one to three leading digits (not a lone 0) and exactly three after it.
_AMBIGUOUS = r"[+-]?(?:[1-9]\d{0,2})[.,]\d{3}"
SEPARATORS = (",", ".")


@dataclass(frozen=True)
class ParsedNumbers:
    """A column's numbers and how its separators were read.

    Attributes:
        values: the numbers; NaN where a value is not a number.
        decimal: the decimal separator used for ambiguous values ("," or "."), None when
            guessed.
        decided_by: "config", "column" (unambiguous values showed it) or "guess" (they did
            not: ambiguous values were read as thousands, 4,200 and 4.200 alike).
        ambiguous: how many values had one separator followed by exactly three digits.
        example: one such value, for messages ("" when none).
    """

    values: pd.Series
    decimal: str | None
    decided_by: str
    ambiguous: int
    example: str = ""


def parse_numbers(text: pd.Series, decimal: str | None = None) -> pd.Series:
    """Numbers from strings; NaN where a value is not a number ("" is missing).

    See `read_numbers` for the rules; this returns only the values.
    """
    return read_numbers(text, decimal).values


def read_numbers(text: pd.Series, decimal: str | None = None) -> ParsedNumbers:
    """Numbers from strings, with the column's decimal separator decided once.

    The separator that comes last is the decimal one when both appear (4.200,50 and 4,200.50);
    a separator that appears more than once groups thousands (1.000.000); a single separator
    not followed by exactly three digits, or after a lone 0, is a decimal one (12,5, 0,750).
    A single separator followed by exactly three digits (4,200) follows the column: `decimal`
    when given, else the decimal separator its unambiguous values show, else (nothing shows
    it) it groups thousands and `decided_by` is "guess" so the caller can warn.
    Unambiguous values are read by their own form even where the column shows otherwise.

    Args:
        text: the column as strings.
        decimal: "," or "." to fix the decimal separator; None decides from the column.
    """
    s = (
        text.astype(str)
        .str.replace(_CURRENCY, "", regex=True)
        .str.replace(_GROUPING, "", regex=True)
    )
    ambiguous = s.str.fullmatch(_AMBIGUOUS)
    decided_by = "config" if decimal is not None else "column"
    if decimal is None:
        decimal = column_decimal(s[~ambiguous])
    if decimal is None:
        decided_by = "guess"  # both ambiguous forms group thousands
    last_dot, last_comma = s.str.rfind("."), s.str.rfind(",")
    both = (last_dot >= 0) & (last_comma >= 0)
    single_comma = ~both & (s.str.count(",") == 1)
    single_dot = ~both & (s.str.count(r"\.") == 1)
    comma_decimal = (
        (both & (last_comma > last_dot))
        | (single_comma & ~ambiguous)
        | (single_comma & ambiguous & (decimal == ","))
    )
    grouped_commas = ~comma_decimal & (last_comma >= 0)
    grouped_dots = (
        (comma_decimal & (last_dot >= 0))
        | (~both & (s.str.count(r"\.") > 1))
        | (single_dot & ambiguous & (decimal != "."))
    )
    s = s.mask(grouped_dots, s.str.replace(".", "", regex=False))
    s = s.mask(grouped_commas, s.str.replace(",", "", regex=False))
    s = s.mask(comma_decimal, s.str.replace(",", ".", regex=False))
    n_ambiguous = int(ambiguous.sum())
    example = str(text[ambiguous.to_numpy()].iloc[0]) if n_ambiguous else ""
    return ParsedNumbers(
        pd.to_numeric(s, errors="coerce"), decimal, decided_by, n_ambiguous, example
    )


def column_decimal(s: pd.Series) -> str | None:
    """The decimal separator the unambiguous values of a column show, by majority; None
    when none shows one (or as many show each)."""
    votes = {sep: int(shows_decimal(s, sep).sum()) for sep in SEPARATORS}
    if votes[","] == votes["."]:
        return None
    return "," if votes[","] > votes["."] else "."


def shows_decimal(s: pd.Series, sep: str) -> pd.Series:
    """Values that can only be read with `sep` as the decimal separator."""
    other = "." if sep == "," else ","
    esc, other_esc = "\\" + sep, "\\" + other
    both = s.str.contains(esc) & s.str.contains(other_esc)
    last_is_sep = s.str.rfind(sep) > s.str.rfind(other)
    repeated_other = ~s.str.contains(esc) & (s.str.count(other_esc) > 1)
    single = s.str.fullmatch(rf"[+-]?\d*{esc}\d+") & ~s.str.fullmatch(_AMBIGUOUS)
    return (both & last_is_sep) | repeated_other | single
