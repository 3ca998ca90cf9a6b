"""Parse an export's numeric column as people and spreadsheets write numbers.

A Danish or German Excel export writes 4.200,50 (dot for thousands, comma for decimals), an
English one 4,200.50, a Swiss one 4'200.50, and many add a currency. Reading them with a plain
float parser turns all of these into missing values.
"""

from __future__ import annotations

import pandas as pd

_GROUPING = r"[\s\u00a0\u202f']"  # spaces, no-break spaces, the Swiss apostrophe
_CURRENCY = r"[€$£]|(?i:\b(?:kr|dkk|sek|nok|eur|usd|chf|gbp)\b\.?)"


def parse_numbers(text: pd.Series) -> pd.Series:
    """Numbers from strings; NaN where a value is not a number ("" is missing).

    The separator that comes last is the decimal one when both appear (4.200,50 and 4,200.50);
    a separator that appears more than once groups thousands (1.000.000); a single comma alone
    is a decimal comma (12,5), as a single dot alone is a decimal point.
    """
    s = (
        text.astype(str)
        .str.replace(_CURRENCY, "", regex=True)
        .str.replace(_GROUPING, "", regex=True)
    )
    last_dot, last_comma = s.str.rfind("."), s.str.rfind(",")
    both = (last_dot >= 0) & (last_comma >= 0)
    comma_decimal = (both & (last_comma > last_dot)) | (
        ~both & (last_comma >= 0) & (s.str.count(",") == 1)
    )
    grouped_commas = ~comma_decimal & (last_comma >= 0)
    grouped_dots = (comma_decimal & (last_dot >= 0)) | (~both & (s.str.count(r"\.") > 1))
    s = s.mask(grouped_dots, s.str.replace(".", "", regex=False))
    s = s.mask(grouped_commas, s.str.replace(",", "", regex=False))
    s = s.mask(comma_decimal, s.str.replace(",", ".", regex=False))
    return pd.to_numeric(s, errors="coerce")
