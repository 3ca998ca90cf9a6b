"""An export's columns as the model and the service see them: names, text, categories, numbers.

Validation (`training.data`) calls these per column: plain-schema names matched whatever their
case, spaces or `customer.` nesting; yes/no attributes as the service's true/false; numbers
by the column's separators; and the warnings that say what was read how.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from classifier.features import boolean_category
from classifier.schema import PLAIN_COLUMNS, extra_only
from training.config import DataConfig, ResolvedColumns
from training.errors import DataError
from training.numbers import read_numbers

# Tags, character entities, blank and invisible characters (no-break, zero-width spaces).
_MARKUP = r"<[^>]*>|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);|[\s\u200b-\u200f\u2060\ufeff]"
_MARKUP_ONLY_MAX_CHARS = 2_000
NESTED_PREFIX = "customer."  # the API's request nests the customer's attributes


def as_text(series: pd.Series) -> pd.Series:
    """Cells as stripped strings; missing values as ""."""
    if isinstance(series.dtype, pd.StringDtype):
        # Already strings (Parquet, CSV): stay in pandas' compact string storage. Going
        # through Python objects made a 1M-ticket body column ~400 MB for a moment.
        return series.fillna("").astype(str).str.strip()
    values = series.astype(object)
    is_list = values.map(_is_list)
    if is_list.any():
        # JSON arrays and Parquet lists (tags): joined as the service joins a ticket's tags,
        # not as a Python repr ("['a', 'b']") that no request would ever match
        values = values.where(~is_list, values[is_list].map(_joined))
    return values.where(series.notna(), "").astype(str).str.strip()


def _is_list(value: Any) -> bool:
    return isinstance(value, (list, tuple, np.ndarray))


def _joined(values: Any) -> str:
    return ",".join(str(v) for v in values)


def as_category(series: pd.Series) -> pd.Series:
    """Cells as stripped strings; empty or missing values as None."""
    text = as_text(series)
    return text.where(text != "", None).astype(object)


def plain_column_names(
    raw: pd.DataFrame, config: DataConfig
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The export with columns that differ from a plain-schema name only in case, surrounding
    spaces or the API's `customer.` nesting ("Subject", " Body ", "Tier", "customer.tier")
    renamed to it, so the model's columns are the ones the service fills; columns the config
    names explicitly keep their names.

    Returns:
        The frame (the same object when nothing is renamed) and {old name: plain name}.
    """
    present = set(raw.columns)
    explicit = set(config.explicit_columns())
    by_folded: dict[str, list[str]] = {}
    for name in raw.columns:
        folded = str(name).strip().casefold().removeprefix(NESTED_PREFIX)
        by_folded.setdefault(folded, []).append(name)
    renamed = {}
    for plain in PLAIN_COLUMNS:
        matches = by_folded.get(plain, [])
        if plain in present or len(matches) != 1 or matches[0] in explicit:
            continue
        renamed[matches[0]] = plain
    return (raw.rename(columns=renamed) if renamed else raw), renamed


def has_visible_text(text: pd.Series) -> pd.Series:
    """Whether each text holds more than HTML tags, entities such as &nbsp; and invisible or
    blank characters. Only short texts are stripped: markup with nothing in it is short."""
    visible = text != ""
    short = visible & (text.str.len() < _MARKUP_ONLY_MAX_CHARS)
    if short.any():
        stripped = text[short].str.replace(_MARKUP, "", regex=True)
        visible[short] = stripped != ""
    return visible


def uninformative_columns(frame: pd.DataFrame, cols: ResolvedColumns) -> list[str]:
    """Warnings for attribute columns that are empty or hold one value in every row."""
    out = []
    for column in (*cols.category, *cols.numeric):
        values = frame[column].dropna()
        if values.empty:
            out.append(
                f"{column}: empty in every row, so the model learns nothing from it; fill it "
                "in the export or leave it out of the mapping"
            )
        elif values.nunique() == 1 and len(values) == len(frame):
            out.append(
                f"{column}: {values.iloc[0]!r} in every row, so the model learns nothing from it"
            )
    return out


def repeated_columns(repeated: dict[str, list[int]], cols: ResolvedColumns) -> list[str]:
    """Warnings for repeated column names nothing reads.

    Raises:
        DataError: a column the model or the validation reads is named more than once.
    """
    used = set(cols.required) | set(cols.slices)
    clash = {name: where for name, where in repeated.items() if name in used}
    if clash:
        name, where = next(iter(clash.items()))
        raise DataError(
            f"columns named {name!r} appear {len(where)} times (columns "
            f"{', '.join(map(str, where))}); it is not clear which to read: rename or remove "
            "all but one in the export"
        )
    return [
        f"columns named {name!r} appear {len(where)} times (columns "
        f"{', '.join(map(str, where))}); not used, so nothing is lost"
        for name, where in repeated.items()
    ]


def as_boolean(categories: pd.Series, column: str, warnings: list[str]) -> pd.Series:
    """A column the API sends as a JSON boolean (vip), as the service's categories: yes/no,
    1/0, ja/nej... -> "true"/"false", so the model learns the values it will be sent."""
    distinct = categories.dropna().unique().tolist()
    mapping = {v: boolean_category(v) or v for v in distinct}
    other = sorted(v for v in distinct if boolean_category(v) is None)
    if other:
        warnings.append(
            f"{column}: values {other[:5]} are not yes/no; the service sends {column} as "
            "true/false (or nothing), so a model never sees these at prediction time. "
            "Map them to yes/no in the export"
        )
    return categories.map(mapping).astype(object)


def yes_no_warning(categories: pd.Series, column: str) -> list[str]:
    """A warning when a category column holds only yes/no words other than true/false: a
    client sending a JSON boolean is read as "true"/"false", which the model never saw."""
    distinct = {str(v).lower() for v in categories.dropna().unique().tolist()}
    meaning = {v: boolean_category(v) for v in distinct}
    if None in meaning.values() or set(meaning.values()) != {"true", "false"}:
        return []
    if distinct <= {"true", "false"} or all(v.replace(".", "").isdigit() for v in distinct):
        return []
    return [
        f"{column}: holds only yes/no values {sorted(distinct)}; the model learns them as "
        "these words, so send them as the same strings in `extra` (a JSON true/false is "
        f'read as "true"/"false"), or write them as true/false in the export'
    ]


def as_number(series: pd.Series, column: str, decimal: str | None, warnings: list[str]) -> Any:
    """A numeric column as floats; written numbers by the column's separators (see
    `training.numbers`), with a warning for values that are not numbers and for a column
    whose decimal separator had to be guessed."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.astype(float)  # Parquet/JSON numbers: nothing to guess
    text = as_text(series)
    parsed = read_numbers(text, decimal)
    odd = int((parsed.values.isna() & (text != "")).sum())
    if odd:
        warnings.append(f"{column}: {odd} values are not numbers and were treated as missing")
    if parsed.decided_by == "guess" and parsed.ambiguous:
        warnings.append(
            f"{column}: {parsed.ambiguous} values such as {parsed.example!r} have one separator "
            "and three digits after it, and the column's other values do not show which "
            "separator is the decimal one; they were read as thousands (4,200 = 4200). If "
            'the separator is a decimal one, set `decimal: ","` or `decimal: "."` in the data '
            "config (or pass --decimal)"
        )
    return parsed.values.astype(float)


def extra_only_columns(columns: Sequence[str]) -> list[str]:
    """A warning naming the model's columns that no field of a predict request fills: the
    service reads them only from the request's `extra`, so an integration that sends the
    usual fields (body, channel, customer.tier) leaves them missing without any error."""
    others = extra_only(columns)
    if not others:
        return []
    return [
        f"columns {others} are not fields of a predict request: the service reads them only "
        f'from the request\'s `extra` under these names ("extra": {{"{others[0]}": ...}}), '
        "so the helpdesk integration must send them there; or rename them in the export to "
        "the request's fields (subject, body, channel, tier, affected_users, ...)"
    ]
