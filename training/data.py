"""Map an export's columns and validate it before any training (`export_files` reads it).

Bad rows are reported with their record number (1 = the first record after the header; a
record spans several lines of a CSV when a cell holds line breaks, so it is not a line number),
the ticket id when the export has an id column, and a reason code, and excluded visibly: the
summary goes to the screen, the full list to a CSV that is logged to MLflow. Ticket text is
personal data, so it never appears in that list.

Reason codes: `blank_row` (every cell empty, as Excel leaves `,,,,` rows after deleted ones;
reported once, not as missing text, label and time), `missing_text`, `missing_label`,
`unknown_label`, `bad_timestamp`, `duplicate_id`, `conflicting_label` (same text and attributes
as another row, other label).
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import re
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from classifier.errors import UnknownLevel
from classifier.levels import MAX_LEVELS, MIN_LEVELS, PriorityScale
from classifier.schema import BOOLEAN_COLUMNS
from training.columns import (
    as_boolean,
    as_category,
    as_number,
    as_text,
    has_visible_text,
    plain_column_names,
    repeated_columns,
    uninformative_columns,
    yes_no_warning,
)
from training.config import DataConfig, ResolvedColumns
from training.errors import DataError
from training.export_files import REPEATED_COLUMNS, read_table
from training.timestamps import EPOCH, ParsedTimes, parse_times

BAD_ROW_FIELDS = ("row", "reason", "column", "value", "detail", "ticket_id")
_INTEGRAL_FLOAT = re.compile(r"[+-]?\d+\.0+")


@dataclass(frozen=True)
class BadRow:
    """One reason why one row was excluded (a row may have several)."""

    row: int
    reason: str
    column: str
    value: str
    detail: str
    ticket_id: str = ""  # the export's id, when it has an id column: rows are record numbers


@dataclass
class Dataset:
    """A validated export: the good rows, their labels, and what was excluded and why.

    Attributes:
        frame: the good rows; index = row number in the export (1-based).
        labels: level name per good row, aligned with `frame`.
        columns: the concrete column roles used.
        scale: the priority scale labels were mapped onto.
        bad_rows: every exclusion reason, sorted by row.
        n_rows: rows read from the file.
        sha256: SHA-256 of the input file's bytes.
        source: the path read.
        warnings: non-fatal observations (e.g. numeric values that were not numbers).
        encoding: the text encoding the export was read with.
    """

    frame: pd.DataFrame
    labels: pd.Series
    columns: ResolvedColumns
    scale: PriorityScale
    bad_rows: list[BadRow]
    n_rows: int
    sha256: str
    source: Path
    warnings: list[str] = field(default_factory=list)
    encoding: str = "utf-8"

    @property
    def n_valid(self) -> int:
        """Rows kept for training/evaluation."""
        return len(self.frame)

    @property
    def n_bad(self) -> int:
        """Distinct rows excluded."""
        return len({b.row for b in self.bad_rows})

    def bad_row_summary(self) -> dict[str, int]:
        """Count of rows per reason code."""
        return dict(Counter(b.reason for b in self.bad_rows))

    def input_report(self) -> dict[str, Any]:
        """The report's `data`: which file (name and SHA-256) and how many rows were used."""
        return {
            "file": self.source.name, "sha256": self.sha256, "rows": self.n_rows,
            "rows_valid": self.n_valid, "rows_bad": self.n_bad,
        }  # fmt: skip

    def bad_row_report(
        self, file: str | None, *, in_mlflow_run: bool = False, examples: int = 10
    ) -> dict[str, Any]:
        """The report's `bad_rows`: count, rows per reason, the first few in full.

        Args:
            file: the CSV with every exclusion, or None when none was written.
            in_mlflow_run: `file` is an artifact of the training's MLflow run.
            examples: how many exclusions (by row number) to include with all their fields.
        """
        return {
            "count": self.n_bad,
            "by_reason": self.bad_row_summary(),
            "first": [asdict(b) for b in self.bad_rows[:examples]],
            "file": file,
            "in_mlflow_run": in_mlflow_run,
        }


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, streamed so large exports do not fill memory."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_dataset(path: Path, config: DataConfig | None = None) -> Dataset:
    """Read and validate an export.

    Args:
        path: CSV, TSV, Parquet or JSONL file (see `training.export_files.read_table`).
        config: column mapping and encoding; default is the plain schema in UTF-8.

    Returns:
        The validated dataset.

    Raises:
        DataError: the file cannot be read, missing columns, no text column, or too few rows
            in a level.
    """
    config = config or DataConfig()
    raw = read_table(path, config.encoding)
    dataset = validate_frame(raw, config, source=path)
    dataset.sha256 = file_sha256(path)
    dataset.encoding = config.encoding
    return dataset


def read_export(path: Path, config: DataConfig) -> pd.DataFrame:
    """Read an export under plain column names and check the mapping against its header.

    `evaluate` calls it before loading the model (and before importing scikit-learn), so a
    wrong mapping is answered in a second or two instead of after the model's ~25 s load.

    Args:
        path: CSV, TSV, Parquet or JSONL file (see `training.export_files.read_table`).
        config: column mapping and encoding.

    Returns:
        The rows as read, for `validate_frame`.

    Raises:
        DataError: the file cannot be read, or the mapping names columns it does not have.
    """
    raw, _ = plain_column_names(read_table(path, config.encoding), config)
    present = list(raw.columns)
    check_columns(config.resolve(present), present)
    return raw


def validate_frame(  # noqa: PLR0912, PLR0915 - one pass over the checks reads best in one place
    raw: pd.DataFrame, config: DataConfig, source: Path | None = None, *, training: bool = True
) -> Dataset:
    """Map and validate an already-read frame (see `load_dataset`).

    With `training=False` (scoring a model, not fitting one) a level with fewer rows than
    `min_rows_per_level` is a warning, not an error: its metrics are rough or n/a.
    """
    repeated: dict[str, list[int]] = raw.attrs.get(REPEATED_COLUMNS, {})
    raw, renamed = plain_column_names(raw, config)
    cols = config.resolve(list(raw.columns))
    notes = repeated_columns(repeated, cols)
    scale = config.scale()
    if not cols.text:
        raise DataError(
            "no text columns found; pass --text-columns (e.g. subject,body) or text_columns "
            f"in the data config. Columns in the file: {list(raw.columns)}"
        )
    check_columns(cols, list(raw.columns))
    frame = pd.DataFrame(index=pd.RangeIndex(1, len(raw) + 1, name="row"))
    bad: list[BadRow] = []
    warnings: list[str] = [
        f"columns {list(renamed)} read as {list(renamed.values())}: the plain schema's names, "
        "differing only in case, spaces or a customer. prefix"
    ] if renamed else []  # fmt: skip
    warnings += notes
    if config.slice_columns and not cols.slices:
        warnings.append(
            f"no per-slice metrics: none of the slice columns {list(config.slice_columns)} is "
            "in the export; name the columns to cut the report by with `slice_columns: [...]` "
            "in the data config"
        )
    order = config.level_order_warning()
    if order is not None:
        warnings.append(order)
    values = raw.set_axis(frame.index)

    for column in cols.text:
        frame[column] = as_text(values[column])
    for column in cols.category:
        frame[column] = as_category(values[column])
        if column in BOOLEAN_COLUMNS:
            frame[column] = as_boolean(frame[column], column, warnings)
        else:
            warnings.extend(yes_no_warning(frame[column], column))
    for column in cols.numeric:
        frame[column] = as_number(values[column], column, config.decimal, warnings)
    for column in cols.slices:
        if column not in frame.columns:
            frame[column] = as_category(values[column])

    blank = np.logical_and.reduce([as_text(values[c]).eq("").to_numpy() for c in values.columns])
    blank_rows = set(frame.index[blank].tolist())
    bad += [
        BadRow(r, "blank_row", "", "", "every cell is empty (a spreadsheet's empty row)")
        for r in sorted(blank_rows)
    ]
    empty_text = np.logical_and.reduce([~has_visible_text(frame[c]) for c in cols.text]) & ~blank
    bad += [
        BadRow(
            r, "missing_text", "+".join(cols.text), "",
            "every text column is empty (or only markup and invisible characters)",
        )
        for r in frame.index[empty_text].tolist()
    ]  # fmt: skip

    labels_raw = as_text(values[cols.label])
    mapping: dict[str, str | None] = {}
    for label in labels_raw.unique().tolist():
        mapping[label] = _parse_label(scale, label)
    labels = labels_raw.map(mapping).astype(object)
    for row, label in zip(frame.index.tolist(), labels_raw.tolist(), strict=True):
        if row in blank_rows:
            continue
        if label == "":
            bad.append(BadRow(row, "missing_label", cols.label, "", "label is empty"))
        elif mapping[label] is None:
            bad.append(
                BadRow(
                    row, "unknown_label", cols.label, label,
                    f"not one of {list(scale.levels)}; add an alias in label_aliases",
                )
            )  # fmt: skip

    if cols.time is not None:
        originals = as_text(values[cols.time])
        parsed = parse_times(originals, cols.time, config.day_first)
        warnings.extend(parsed.warnings)
        time_bad = [
            b for b in _bad_times(parsed, originals, cols.time, frame.index)
            if b.row not in blank_rows
        ]  # fmt: skip
        if training:
            bad += time_bad
        elif time_bad:  # scoring does not use the time: keep the rows, say so
            warnings.append(
                f"{cols.time}: {len(time_bad)} values such as {time_bad[0].value!r} are not "
                f"readable timestamps ({time_bad[0].detail}); the rows are scored all the same "
                "(evaluate does not use the time), but train would exclude them"
            )
        frame[cols.time] = parsed.times

    excluded = {b.row for b in bad}
    if cols.id is not None:
        ids = as_text(values[cols.id])
        frame[cols.id] = ids
        first_seen: dict[str, int] = {}
        for row, ticket_id in zip(frame.index.tolist(), ids.tolist(), strict=True):
            if ticket_id == "" or row in excluded:
                continue
            if ticket_id in first_seen:
                bad.append(
                    BadRow(
                        row, "duplicate_id", cols.id, ticket_id,
                        f"id already used by row {first_seen[ticket_id]}",
                    )
                )  # fmt: skip
            else:
                first_seen[ticket_id] = row

    excluded = {b.row for b in bad}
    bad += _conflicts(frame, labels, ~frame.index.isin(list(excluded)), cols)
    excluded = {b.row for b in bad}
    keep = ~frame.index.isin(list(excluded))

    good = _rows(frame, keep)
    good_labels = labels[keep].astype(str)
    counts = good_labels.value_counts()
    short = {lvl: int(counts.get(lvl, 0)) for lvl in scale.levels}
    short = {lvl: n for lvl, n in short.items() if n < config.min_rows_per_level}
    detail = ", ".join(f"{lvl!r} has {n}" for lvl, n in short.items())
    if short and not training:
        warnings.append(
            f"few valid rows per level: {detail} (fewer than {config.min_rows_per_level}); "
            "their per-level metrics are rough, or n/a with none"
        )
    elif short and bad and not keep.any():
        raise DataError(
            f"no valid rows: all {len(raw)} rows were excluded: {describe_exclusions(bad)}"
        )
    elif short:
        why = f". Excluded rows: {describe_exclusions(bad)}" if bad else ""
        raise DataError(
            f"too few valid rows per level: {detail}; at least {config.min_rows_per_level} "
            f"needed in every level. {_level_fix(scale, counts)}{why}"
        )
    bad.sort(key=lambda b: (b.row, b.reason))
    if cols.id is not None and bad:
        id_text = as_text(values[cols.id])
        bad = [replace(b, ticket_id=str(id_text.at[b.row])) for b in bad]
    warnings += uninformative_columns(good, cols)
    return Dataset(
        frame=good,
        labels=good_labels,
        columns=cols,
        scale=scale,
        bad_rows=bad,
        n_rows=len(raw),
        sha256="",
        source=source or Path("<frame>"),
        warnings=warnings,
    )


def check_columns(cols: ResolvedColumns, present: list[str]) -> None:
    """Check that every column a mapping names (and the label column) is in the export.

    Needs only the header (see `read_export`).

    Args:
        cols: the column roles (`DataConfig.resolve` of the export's column names).
        present: the export's column names, after `plain_column_names`.

    Raises:
        DataError: naming the missing columns, a close match in the file, and the fix.
    """
    missing = [c for c in dict.fromkeys(cols.required) if c not in present]
    if missing:
        raise DataError(
            f"missing columns {missing}{_did_you_mean(missing, present)}; columns in "
            f"the file: {present}. Map them with --text-columns/--label-column/... "
            "or a --config data.yaml"
        )


def _bad_times(
    parsed: ParsedTimes, originals: pd.Series, column: str, index: pd.Index
) -> list[BadRow]:
    order = "day first" if parsed.day_first else "month first"
    out = []
    for row in index[parsed.times.isna().to_numpy()].tolist():
        value = str(originals.at[row])
        if parsed.wrong_order.at[row]:
            detail = f"a numeric date not written {order} like the rest of the column"
        elif re.fullmatch(EPOCH, value):
            detail = (
                "a plain number that is not Unix time in seconds or milliseconds (1979 to "
                "2100); write the times as ISO 8601, e.g. 2026-01-31T14:05:00Z"
            )
        else:
            detail = "not a parsable timestamp"
        out.append(BadRow(row, "bad_timestamp", column, value, detail))
    return out


def _parse_label(scale: PriorityScale, label: str) -> str | None:
    """The level of a label, or None. A whole number written as a float ("2.0": pandas reads
    an integer column with a gap as floats) is read as the integer ("2")."""
    if not label:
        return None
    candidates = [label]
    if _INTEGRAL_FLOAT.fullmatch(label):
        candidates.append(label.split(".", maxsplit=1)[0])
    for candidate in candidates:
        try:
            return scale.parse(candidate)
        except UnknownLevel:
            continue
    return None


def _level_fix(scale: PriorityScale, counts: pd.Series) -> str:
    """What to do about levels with too few rows: the levels the export does use when they
    make a scale, else why they cannot (a scale needs `MIN_LEVELS` levels)."""
    used = [lvl for lvl in scale.levels if counts.get(lvl, 0) > 0]
    if 0 < len(used) < MIN_LEVELS:
        return (
            f"This export uses only {len(used)} level{'s' if len(used) != 1 else ''} "
            f"({', '.join(used)}) and a scale needs {MIN_LEVELS} to {MAX_LEVELS}: add tickets "
            "of the other levels (or map their labels to them with label_aliases); models "
            f"with fewer than {MIN_LEVELS} levels are not trained"
        )
    absent = MIN_LEVELS <= len(used) < len(scale.levels)
    hint = f" (this export uses only --levels {','.join(used)})" if absent else ""
    return (
        f"Add data, merge levels (levels: ...{hint}) or lower min_rows_per_level in the data config"
    )


def describe_exclusions(bad_rows: list[BadRow], reasons: int = 3, values: int = 3) -> str:
    """The main reasons rows were excluded, for an error message: count per reason (most
    first), a few of the values and the detail, e.g. "567 rows unknown_label (e.g. 'P3',
    'P2': not one of [...]; add an alias in label_aliases)"."""
    by_reason: dict[str, list[BadRow]] = {}
    for b in bad_rows:
        by_reason.setdefault(b.reason, []).append(b)
    parts = []
    for reason, rows in sorted(by_reason.items(), key=lambda kv: -len(kv[1]))[:reasons]:
        shown = list(dict.fromkeys(b.value for b in rows if b.value))[:values]
        example = f"e.g. {', '.join(map(repr, shown))}: " if shown else ""
        n = len({b.row for b in rows})
        parts.append(f"{n} row{'s' if n != 1 else ''} {reason} ({example}{rows[0].detail})")
    more = len(by_reason) - reasons
    return "; ".join(parts) + (f"; and {more} more reasons" if more > 0 else "")


def _did_you_mean(missing: list[str], present: list[str]) -> str:
    """' (did you mean 'Subject' for 'subject'?)' for names that differ in case or a typo."""
    by_folded = {name.casefold().strip(): name for name in present}
    hints = []
    for name in missing:
        close = by_folded.get(name.casefold().strip())
        if close is None:
            matches = difflib.get_close_matches(name.casefold(), list(by_folded), n=1, cutoff=0.8)
            close = by_folded[matches[0]] if matches else None
        if close is not None:
            hints.append(f"{close!r} for {name!r}")
    return f" (did you mean {', '.join(hints)}?)" if hints else ""


def _rows(frame: pd.DataFrame, keep: npt.NDArray[np.bool_]) -> pd.DataFrame:
    """The kept rows, column by column: each column is freed once copied (a million-row
    export would otherwise be held twice)."""
    if keep.all():
        return frame
    kept = pd.DataFrame(index=frame.index[keep])
    for column in list(frame.columns):
        kept[column] = frame.pop(column)[keep]
    return kept


def _conflicts(
    frame: pd.DataFrame, labels: pd.Series, among: npt.NDArray[np.bool_], cols: ResolvedColumns
) -> list[BadRow]:
    """Rows (of those marked in `among`) whose text and attributes equal another such row's
    while the labels differ."""
    if not among.any():
        return []
    key = row_keys(frame, list(cols.features))[among]
    labels = labels[among]
    distinct = labels.groupby(key).nunique()
    clashing = distinct[distinct > 1].index
    if clashing.empty:
        return []
    in_clash = key.isin(clashing)
    out: list[BadRow] = []
    # Linear in the rows: a million-row export can hold groups of thousands of equal tickets.
    for _, group in labels[in_clash].astype(str).groupby(key[in_clash]):
        rows = [int(r) for r in group.index]
        values = group.tolist()
        levels = sorted(set(values))
        first = rows[:6]
        for row, value in zip(rows, values, strict=True):
            others = [r for r in first if r != row][:5]
            out.append(
                BadRow(
                    row, "conflicting_label", cols.label, value,
                    f"same text and attributes as rows {others} with labels {levels}",
                )
            )  # fmt: skip
    return out


_HASH_BLOCK_ROWS = 100_000


def row_keys(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """A 64-bit hash per row of the columns' values as text, equal for equal rows.

    Column by column and block by block: pandas hashes strings as Python objects, so a
    million-row export hashed at once held ~450 MB of them (its text columns) for a moment.
    """
    key: Any = np.zeros(len(frame), dtype=np.uint64)
    with np.errstate(over="ignore"):  # uint64 arithmetic wraps by design
        for column in columns:
            values = frame[column]
            for start in range(0, len(frame), _HASH_BLOCK_ROWS):
                block = values.iloc[start : start + _HASH_BLOCK_ROWS].astype(str)
                hashed = pd.util.hash_pandas_object(block, index=False).to_numpy(np.uint64)
                part = key[start : start + _HASH_BLOCK_ROWS]
                key[start : start + _HASH_BLOCK_ROWS] = part * np.uint64(0x100000001B3) ^ hashed
    return pd.Series(key, index=frame.index)


def write_bad_rows(bad_rows: list[BadRow], path: Path) -> Path:
    """Write the full bad-row list as CSV (header even when empty)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(BAD_ROW_FIELDS)
        for b in bad_rows:
            writer.writerow([b.row, b.reason, b.column, b.value, b.detail, b.ticket_id])
    return path
