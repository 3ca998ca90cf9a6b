"""Data mapping and training settings: dataclasses plus YAML loading.

A data config says which columns of an export mean what. Every field is optional: with no
mapping at all, the plain schema of `classifier.schema` is used (whichever of its columns exist).

Example `data.yaml`::

    text_columns: [subject, body]
    label_column: priority
    category_columns: [queue, type, tier]
    numeric_columns: [monthly_value, open_tickets]
    time_column: created_at
    id_column: ticket_id
    levels: [low, medium, high, urgent]
    label_aliases: {P1: urgent, Critical: urgent, hoch: high}
    min_rows_per_level: 20
    costs: {under: 2, over: 1}      # or the whole matrix, one row per true level:
    # costs: [[0, 1, 2, 3], [2, 0, 1, 2], [4, 2, 0, 1], [6, 4, 2, 0]]
    encoding: cp1252                # of a CSV/JSONL export; default utf-8
    day_first: true                 # 01.02.2026 is 1 February; default: decided from the dates
    decimal: ","                    # numbers' decimal separator; default: decided per column
"""

from __future__ import annotations

import codecs
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from classifier.costs import CostMatrix, CostMatrixError
from classifier.errors import UnknownLevel
from classifier.levels import DEFAULT_ALIASES, PriorityScale
from classifier.schema import (
    CATEGORY_COLUMNS,
    ID_COLUMN,
    LABEL_COLUMN,
    NUMERIC_COLUMNS,
    TEXT_COLUMNS,
    TIME_COLUMN,
)
from classifier.yaml_files import YamlError, load_yaml

DEFAULT_MIN_ROWS_PER_LEVEL = 20
DECIMAL_SEPARATORS = (",", ".")
# Columns the slices of the evaluation report are cut by, when they exist.
DEFAULT_SLICE_COLUMNS: tuple[str, ...] = ("language", "channel", "tier")


class ConfigError(ValueError):
    """A data or training config is invalid; the message names the field and the fix."""


@dataclass(frozen=True)
class CostSpec:
    """What a wrong suggestion costs: per level too low and too high, or a whole matrix.

    Attributes:
        under: cost of each level the suggestion is below the truth (default 2).
        over: cost of each level the suggestion is above the truth (default 1).
        matrix: when given, `matrix[i][j]` is the cost of suggesting level j for a ticket of
            level i (levels in ascending urgency); `under` and `over` are then not used.
    """

    under: float = 2.0
    over: float = 1.0
    matrix: tuple[tuple[float, ...], ...] | None = None

    def __post_init__(self) -> None:
        for name, value in (("under", self.under), ("over", self.over)):
            if not (math.isfinite(value) and value >= 0):
                raise ConfigError(f"costs.{name}: must be a finite number >= 0, got {value}")
        if self.under == 0 and self.over == 0:
            raise ConfigError("costs: under and over are both 0; give at least one a cost")

    def for_scale(self, scale: PriorityScale) -> CostMatrix:
        """The cost matrix for `scale`'s levels.

        Raises:
            ConfigError: the matrix does not fit the levels or has invalid entries.
        """
        n = len(scale.levels)
        if self.matrix is None:
            return CostMatrix.default(n, under=self.under, over=self.over)
        if len(self.matrix) != n:
            raise ConfigError(
                f"costs: the matrix has {len(self.matrix)} rows but there are {n} levels "
                f"({', '.join(scale.levels)}); give one row per level in ascending urgency"
            )
        try:
            return CostMatrix(self.matrix)
        except CostMatrixError as exc:
            raise ConfigError(str(exc)) from exc


def _cost_spec(raw: Any, source: str) -> CostSpec:
    if isinstance(raw, Mapping):
        unknown = sorted(set(raw) - {"under", "over"})
        if unknown:
            raise ConfigError(f"{source}: costs: unknown keys {unknown}; use under and over")
        try:
            under, over = float(raw.get("under", 2.0)), float(raw.get("over", 1.0))
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{source}: costs: under and over must be numbers") from exc
        return CostSpec(under=under, over=over)
    if isinstance(raw, list | tuple):
        try:
            rows = tuple(tuple(float(v) for v in row) for row in raw)
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                f"{source}: costs: the matrix must be a list of rows of numbers, "
                "e.g. [[0, 1, 2], [2, 0, 1], [4, 2, 0]]"
            ) from exc
        return CostSpec(matrix=rows)
    raise ConfigError(
        f"{source}: costs: give {{under: 2, over: 1}} or a matrix (a list of rows), "
        f"got {type(raw).__name__}"
    )


@dataclass(frozen=True)
class DataConfig:
    """How to read an export. `None` means "use the plain schema column if it exists".

    Attributes:
        text_columns: free-text columns (joined by the feature pipeline).
        label_column: the priority label column.
        category_columns: categorical customer/ticket attributes (one-hot encoded).
        numeric_columns: numeric attributes (scaled).
        time_column: creation timestamp; enables the time-ordered holdout.
        id_column: ticket id; duplicates are reported.
        levels: level names in ascending urgency; default low, medium, high, urgent.
        label_aliases: extra label spellings mapped to a level (case/space-insensitive).
        min_rows_per_level: fewer valid rows than this in any level is an error.
        slice_columns: columns the report's per-slice metrics are cut by.
        costs: what a suggestion one or more levels off costs; the decision picks the level
            with the least expected cost. Default: a level too low costs twice a level too high.
        encoding: text encoding of a CSV or JSONL export, e.g. cp1252 for a Windows export.
        day_first: whether numeric dates such as 01.02.2026 put the day first; None decides
            from the column's values (the order most unambiguous dates show, else day first).
        decimal: the decimal separator of numeric columns, "," or "."; None decides per column
            from its unambiguous values (4.200,50, 12,5, 1,234,567), else reads 4,200 as 4200
            with a warning.
    """

    text_columns: tuple[str, ...] | None = None
    label_column: str = LABEL_COLUMN
    category_columns: tuple[str, ...] | None = None
    numeric_columns: tuple[str, ...] | None = None
    time_column: str | None = None
    id_column: str | None = None
    levels: tuple[str, ...] | None = None
    label_aliases: Mapping[str, str] = field(default_factory=dict)
    min_rows_per_level: int = DEFAULT_MIN_ROWS_PER_LEVEL
    slice_columns: tuple[str, ...] = DEFAULT_SLICE_COLUMNS
    costs: CostSpec = field(default_factory=CostSpec)
    encoding: str = "utf-8"
    day_first: bool | None = None
    decimal: str | None = None

    def __post_init__(self) -> None:
        if self.decimal is not None and self.decimal not in DECIMAL_SEPARATORS:
            raise ConfigError(
                f"decimal: the decimal separator must be ',' or '.', got {self.decimal!r}"
            )
        try:
            codecs.lookup(self.encoding)
        except LookupError as exc:
            raise ConfigError(
                f"encoding: unknown encoding {self.encoding!r}; use e.g. utf-8, cp1252 "
                "(Western European Windows) or cp1250 (Central European Windows)"
            ) from exc
        if self.min_rows_per_level < 1:
            raise ConfigError(
                f"min_rows_per_level: must be at least 1, got {self.min_rows_per_level}"
            )
        if self.text_columns is not None and not self.text_columns:
            raise ConfigError("text_columns: give at least one text column, e.g. subject,body")
        try:
            self.scale()
        except UnknownLevel as exc:  # too few/many or repeated levels, an alias to no level
            raise ConfigError(str(exc)) from exc

    def scale(self) -> PriorityScale:
        """The priority scale: configured levels plus aliases (common aliases for the default)."""
        if self.levels is None:
            aliases = {**DEFAULT_ALIASES, **self.label_aliases}
            return PriorityScale.from_names(PriorityScale().levels, aliases)
        return PriorityScale.from_names(self.levels, dict(self.label_aliases))

    def level_order_warning(self) -> str | None:
        """A warning when the configured levels are known names in descending urgency
        (high, medium, low or P1, P2, P3: the order many helpdesks list them in), which
        would turn the costs, the top level and the gate around; None otherwise."""
        if self.levels is None:
            return None
        known = PriorityScale.from_names(PriorityScale().levels, dict(DEFAULT_ALIASES))
        try:
            ranks = [known.index(level) for level in self.levels]
        except UnknownLevel:
            return None
        if any(a <= b for a, b in itertools.pairwise(ranks)):
            return None
        return (
            f"levels: {', '.join(self.levels)} look like descending urgency, but levels are "
            "read in ascending urgency (least urgent first): costs, the top level and the "
            f"gate's top-level recall follow that order. Did you mean "
            f"{','.join(reversed(self.levels))}?"
        )

    def resolve(self, columns: Sequence[str]) -> ResolvedColumns:
        """Fill unset fields from the plain schema, keeping only columns that exist.

        Args:
            columns: the export's column names.

        Returns:
            The concrete column roles. Columns named explicitly are kept even if absent so the
            validator can report them as missing.
        """
        present = set(columns)

        def pick(given: tuple[str, ...] | None, plain: tuple[str, ...]) -> tuple[str, ...]:
            return given if given is not None else tuple(c for c in plain if c in present)

        def pick_one(given: str | None, plain: str) -> str | None:
            if given is not None:
                return given
            return plain if plain in present else None

        return ResolvedColumns(
            text=pick(self.text_columns, TEXT_COLUMNS),
            label=self.label_column,
            category=pick(self.category_columns, CATEGORY_COLUMNS),
            numeric=pick(self.numeric_columns, NUMERIC_COLUMNS),
            time=pick_one(self.time_column, TIME_COLUMN),
            id=pick_one(self.id_column, ID_COLUMN),
            slices=tuple(c for c in self.slice_columns if c in present),
        )

    def explicit_columns(self) -> tuple[str, ...]:
        """Column names this config gives explicitly (the label column included)."""
        given = (self.text_columns, self.category_columns, self.numeric_columns)
        singles = (self.label_column, self.time_column, self.id_column)
        return (
            *(c for group in given if group is not None for c in group),
            *(c for c in singles if c is not None),
            *self.slice_columns,
        )

    def with_overrides(self, **overrides: Any) -> DataConfig:
        """A copy with the non-None overrides applied (CLI options win over the YAML file)."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ConfigError(f"unknown data config fields {unknown}; known: {sorted(known)}")
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


@dataclass(frozen=True)
class ResolvedColumns:
    """Concrete column roles for one export."""

    text: tuple[str, ...]
    label: str
    category: tuple[str, ...]
    numeric: tuple[str, ...]
    time: str | None
    id: str | None
    slices: tuple[str, ...] = ()

    @property
    def features(self) -> tuple[str, ...]:
        """Every column the model reads."""
        return self.text + self.category + self.numeric

    @property
    def required(self) -> tuple[str, ...]:
        """Every column that must exist in the export."""
        extra = tuple(c for c in (self.time, self.id) if c is not None)
        return (*self.features, self.label, *extra)


@dataclass(frozen=True)
class TrainConfig:
    """Settings of one training run that are not about the data's shape.

    Attributes:
        test_fraction: share of rows held out (newest by time, else stratified).
        cv: when set, K-fold cross-validation over the whole file for the report.
        selection_cv: folds for model selection inside the training part.
        f1_tolerance: the gate lets macro-F1 drop by at most this much.
        top_recall_tolerance: the gate lets the top level's recall drop by at most this much.
        random_state: seed for splits and estimators.
    """

    test_fraction: float = 0.2
    cv: int | None = None
    selection_cv: int = 3
    f1_tolerance: float = 0.01
    top_recall_tolerance: float = 0.0
    random_state: int = 0

    def __post_init__(self) -> None:
        if not 0.05 <= self.test_fraction <= 0.5:
            raise ConfigError(f"test_fraction: use 0.05..0.5, got {self.test_fraction}")
        if self.cv is not None and self.cv < 2:
            raise ConfigError(f"cv: K-fold needs K >= 2, got {self.cv}")
        if self.f1_tolerance < 0 or self.top_recall_tolerance < 0:
            raise ConfigError("f1_tolerance/top_recall_tolerance: must be >= 0")


def _tuple(value: Any, name: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    raise ConfigError(f"{name}: expected a list of column names, got {type(value).__name__}")


def data_config_from_mapping(raw: Mapping[str, Any], source: str = "config") -> DataConfig:
    """Build a DataConfig from parsed YAML/JSON, naming the offending key on error."""
    known = {f.name for f in fields(DataConfig)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"{source}: unknown keys {unknown}; known keys: {sorted(known)}")
    kwargs: dict[str, Any] = {}
    for key in ("text_columns", "category_columns", "numeric_columns", "levels"):
        if key in raw:
            kwargs[key] = _tuple(raw[key], f"{source}: {key}")
    if "slice_columns" in raw:
        kwargs["slice_columns"] = _tuple(raw["slice_columns"], f"{source}: slice_columns") or ()
    for key in ("label_column", "time_column", "id_column", "encoding", "decimal"):
        if raw.get(key) is not None:
            kwargs[key] = str(raw[key])
    aliases = raw.get("label_aliases") or {}
    if not isinstance(aliases, Mapping):
        raise ConfigError(f"{source}: label_aliases must map a label to a level, e.g. P1: urgent")
    kwargs["label_aliases"] = {str(k): str(v) for k, v in aliases.items()}
    if raw.get("costs") is not None:
        kwargs["costs"] = _cost_spec(raw["costs"], source)
    if raw.get("day_first") is not None:
        if not isinstance(raw["day_first"], bool):
            raise ConfigError(f"{source}: day_first must be true or false")
        kwargs["day_first"] = raw["day_first"]
    if "min_rows_per_level" in raw:
        try:
            kwargs["min_rows_per_level"] = int(raw["min_rows_per_level"])
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{source}: min_rows_per_level must be an integer") from exc
    return DataConfig(**kwargs)


def load_data_config(path: Path) -> DataConfig:
    """Read a YAML data config file.

    Raises:
        ConfigError: the file is missing, not YAML, or has unknown keys.
    """
    try:
        raw = load_yaml(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as exc:
        raise ConfigError(f"--config: file {path} does not exist") from exc
    except UnicodeDecodeError as exc:
        line = path.read_bytes().count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"--config: {path} line {line} is not UTF-8; save the data config as UTF-8 "
            "(the export itself may use another encoding: set encoding: in the config)"
        ) from exc
    except YamlError as exc:
        raise ConfigError(f"--config: {path} is not valid YAML: {exc}") from exc
    if raw is None:
        return DataConfig()
    if not isinstance(raw, Mapping):
        raise ConfigError(f"--config: {path} must hold a mapping of keys, e.g. label_column: x")
    return data_config_from_mapping(raw, source=str(path))
