"""Which columns the model reads, and the one column mapping shared by training and serving.

`to_frame` turns ticket records (``Ticket.to_record()`` dicts or rows of an export) into the
frame the pipeline expects. The value cleaners below are referenced by the fitted pipeline
itself (pickled by name), so a model applies exactly the same cleaning wherever it runs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from classifier.errors import InvalidTicket
from classifier.schema import CATEGORY_COLUMNS, NUMERIC_COLUMNS, TEXT_COLUMNS

MISSING = "(missing)"
"""The category value that stands for "not given"; one-hot encodes it like any other value."""

# Exports often keep line breaks as literal backslash sequences; they would glue words together.
_ESCAPES = re.compile(r"\\[nrt]")
# Digits are folded to 0: ticket, invoice and phone numbers or clock times must not sway the
# suggestion (and are often personal), while a number's length (5 vs 5000 users) still shows.
_DIGITS = re.compile(r"\d")
# Yes/no as exports write it (Excel, helpdesk locales: en, da, de, nl, fi, sl), lower case.
BOOLEAN_WORDS: dict[str, bool] = {
    **dict.fromkeys(
        ("true", "t", "yes", "y", "1", "1.0", "ja", "j", "wahr", "waar", "sand", "kyllä",
         "da", "on", "x"),
        True,
    ),
    **dict.fromkeys(
        ("false", "f", "no", "n", "0", "0.0", "nej", "nein", "falsch", "nee", "onwaar",
         "falsk", "ei", "ne", "off"),
        False,
    ),
}  # fmt: skip


@dataclass(frozen=True)
class FeatureSpec:
    """The input columns of a model, by kind.

    Attributes:
        text_columns: free text (any language), e.g. ("subject", "body").
        category_columns: attributes with a few distinct values, e.g. ("tier", "channel").
        numeric_columns: counts and amounts, e.g. ("affected_users", "monthly_value").
    """

    text_columns: tuple[str, ...]
    category_columns: tuple[str, ...] = ()
    numeric_columns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.text_columns:
            raise InvalidTicket("text_columns", "a model needs at least one text column")
        seen: set[str] = set()
        for column in self.columns:
            if not column or not isinstance(column, str):
                raise InvalidTicket(
                    "columns", f"column names must be non-empty strings, got {column!r}"
                )
            if column in seen:
                raise InvalidTicket(
                    column, "listed twice in the feature spec; give each column one kind"
                )
            seen.add(column)

    @classmethod
    def default(cls) -> FeatureSpec:
        """The plain schema of `classifier/schema.py` (what the synthetic generator writes)."""
        return cls(TEXT_COLUMNS, CATEGORY_COLUMNS, NUMERIC_COLUMNS)

    @property
    def columns(self) -> tuple[str, ...]:
        """All input columns: text, then categories, then numerics."""
        return self.text_columns + self.category_columns + self.numeric_columns

    def to_dict(self) -> dict[str, list[str]]:
        """JSON-ready form, the inverse of `from_dict`."""
        return {
            "text_columns": list(self.text_columns),
            "category_columns": list(self.category_columns),
            "numeric_columns": list(self.numeric_columns),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Sequence[str]]) -> FeatureSpec:
        """Read the form `to_dict` writes."""
        return cls(
            tuple(data.get("text_columns", ())),
            tuple(data.get("category_columns", ())),
            tuple(data.get("numeric_columns", ())),
        )


def to_frame(records: Sequence[Mapping[str, Any]], spec: FeatureSpec) -> pd.DataFrame:
    """Build the model's input frame from ticket records.

    Columns the spec knows but the records lack become missing values (empty text, the
    `MISSING` category, NaN numbers); extra keys are ignored.

    Args:
        records: e.g. ``[ticket.to_record() for ticket in tickets]`` or export rows.
        spec: the model's feature spec.

    Returns:
        A frame with exactly ``spec.columns``, one row per record, cleaned as in training.
    """
    data = {column: [record.get(column) for record in records] for column in spec.columns}
    return coerce_frame(pd.DataFrame(data, columns=list(spec.columns)), spec)


def coerce_frame(frame: pd.DataFrame, spec: FeatureSpec) -> pd.DataFrame:
    """Vectorised `to_frame` for a frame that is already tabular (an export being trained on).

    Args:
        frame: any frame; missing spec columns are added as missing values.
        spec: the model's feature spec.

    Returns:
        A new frame with exactly ``spec.columns`` and the training dtypes.
    """
    n = len(frame)
    out: dict[str, Any] = {}
    for column in spec.text_columns:
        values = frame[column] if column in frame.columns else pd.Series([None] * n)
        out[column] = clean_text(values)
    for column in spec.category_columns:
        values = frame[column] if column in frame.columns else pd.Series([None] * n)
        out[column] = clean_categories(values)
    for column in spec.numeric_columns:
        values = frame[column] if column in frame.columns else pd.Series([None] * n)
        out[column] = clean_numbers(values)
    return pd.DataFrame(out, index=frame.index, columns=list(spec.columns))


def missing_columns(frame: pd.DataFrame, spec: FeatureSpec) -> list[str]:
    """Spec columns the frame does not have (they will be treated as missing values)."""
    return [column for column in spec.columns if column not in frame.columns]


def clean_text(values: Any) -> npt.NDArray[np.object_]:
    """Text as str: missing -> "", literal backslash escapes (\\n, \\t) -> spaces."""
    return np.asarray([text_value(v) for v in _as_series(values).tolist()], dtype=object)


def clean_categories(values: Any) -> npt.NDArray[np.object_]:
    """Categories as lower-case str; booleans as "true"/"false"; missing -> `MISSING`."""
    return np.asarray([category_value(v) for v in _as_series(values).tolist()], dtype=object)


def clean_numbers(values: Any) -> npt.NDArray[np.float64]:
    """Numbers as float (booleans and yes/no words -> 1/0); unparsable or missing -> NaN."""
    items = _as_series(values).tolist()
    return np.fromiter((number_value(v) for v in items), dtype=np.float64, count=len(items))


def text_value(value: Any) -> str:
    """One text cell as the model reads it (escapes -> spaces, every digit -> 0)."""
    if value is None or (not isinstance(value, str) and _is_missing(value)):
        return ""
    return _DIGITS.sub("0", _ESCAPES.sub(" ", str(value)))


def category_value(value: Any) -> str:
    """One category cell as the model reads it (lower case, single spaces, or `MISSING`)."""
    if value is None or _is_missing(value):
        return MISSING
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    text = " ".join(str(value).strip().lower().split())
    return text or MISSING


def boolean_category(value: Any) -> str | None:
    """A yes/no cell as the category the service makes of a JSON boolean ("true"/"false");
    None when the value is not a yes/no word (`BOOLEAN_WORDS`)."""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    word = BOOLEAN_WORDS.get(str(value).strip().lower())
    return None if word is None else ("true" if word else "false")


def number_value(value: Any) -> float:
    """One numeric cell as the model reads it; NaN when missing or not a number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return float("nan")
    if isinstance(value, bool | np.bool_):
        return float(value)
    if isinstance(value, str):
        word = BOOLEAN_WORDS.get(value.strip().lower())
        if word is not None:
            return float(word)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return number if np.isfinite(number) else float("nan")


def _is_missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # array-likes have no single truth value
        return False


def text_column(values: Any) -> npt.NDArray[np.object_]:
    """Pipeline step: one text column as a 1-D str array (2-D single-column input accepted)."""
    return clean_text(_flatten(values))


def document(cells: Sequence[Any]) -> str:
    """One ticket's text cells as the one document the model reads (joined by a space)."""
    return " ".join(map(text_value, cells))


def joined_text(values: Any) -> npt.NDArray[np.object_]:
    """Pipeline step: a block of text columns as one document per row (`document` of each)."""
    block = _as_2d(values)
    return np.asarray([document(row) for row in block.tolist()], dtype=object)


def category_block(values: Any) -> npt.NDArray[np.object_]:
    """Pipeline step: a block of category columns as a 2-D str array."""
    block = _as_2d(values)
    return np.column_stack([clean_categories(block[:, k]) for k in range(block.shape[1])])


def signed_log1p(values: Any) -> npt.NDArray[np.float64]:
    """Pipeline step: numeric block as floats, compressed with sign(x) * log1p(|x|).

    Counts and amounts (affected users, monthly value) span orders of magnitude; the log keeps
    a few huge customers from dominating the scaled feature.
    """
    block = _as_2d(values)
    numbers = np.column_stack([clean_numbers(block[:, k]) for k in range(block.shape[1])])
    return np.asarray(np.sign(numbers) * np.log1p(np.abs(numbers)), dtype=np.float64)


def _as_series(values: Any) -> pd.Series:
    if isinstance(values, pd.Series):
        return values.reset_index(drop=True)
    return pd.Series(list(np.asarray(values, dtype=object).ravel()), dtype=object)


def _flatten(values: Any) -> Any:
    if isinstance(values, pd.DataFrame):
        return values.iloc[:, 0]
    if isinstance(values, pd.Series):
        return values
    array = np.asarray(values, dtype=object)
    return array.ravel() if array.ndim == 2 and array.shape[1] == 1 else array


def _as_2d(values: Any) -> npt.NDArray[np.object_]:
    array = values.to_numpy(dtype=object) if isinstance(values, pd.DataFrame) else values
    array = np.asarray(array, dtype=object)
    return array.reshape(-1, 1) if array.ndim == 1 else array
