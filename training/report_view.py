"""The evaluation report on screen: headline metrics, per level, per slice, excluded rows.

`train` and `evaluate` print the same report they write as JSON (`training.evaluate`); this
module only renders it with rich tables. With `--cv` the headline metrics show their fold
standard deviation beside the mean; the slice tables show means only, to fit 80 columns (the
deviations are in the JSON).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from training.evaluate import SLICE_MIN_ROWS

HEADLINE = (
    "macro_f1", "accuracy", "top_level_recall", "under_prioritization_rate",
    "severe_under_prioritization_rate", "brier",
)  # fmt: skip
SLICE_COLUMNS = (
    ("macro-F1", "macro_f1"), ("top recall", "top_level_recall"),
    ("under", "under_prioritization_rate"), ("severe under", "severe_under_prioritization_rate"),
)  # fmt: skip


def print_report(console: Console, report: Mapping[str, Any]) -> None:
    """Print the report's metrics, per-level and per-slice tables, then excluded rows."""
    console.print(headline_table(report))
    console.print(per_level_table(report))
    for table in slice_tables(report):
        console.print(table)
    bad = report.get("bad_rows", {})
    if bad.get("count"):
        console.print(bad_rows_table(bad))
    for warning in report.get("warnings", []):
        console.print(f"[yellow]warning:[/] {escape(warning)}")


def headline_table(report: Mapping[str, Any]) -> Table:
    """The headline metrics and the row counts (only those the report knows)."""
    table = Table(title="Evaluation", show_header=False)
    for key in HEADLINE:
        table.add_row(key, _metric(report, key))
    folds = report.get("folds")
    if folds:  # --cv: the metrics are fold means; the model is trained on the holdout split
        table.add_row("cross-validation", f"{len(folds)} folds over {report.get('n_test')} rows")
        table.add_row("model trained on", f"{report.get('n_train')} rows")
    elif report.get("n_train") is not None:
        table.add_row("n_train / n_test", f"{report['n_train']} / {report.get('n_test')}")
    else:  # `evaluate` scores a model trained elsewhere
        table.add_row("n_test", str(report.get("n_test")))
    costs = report.get("costs")
    if costs:  # one row of the matrix per true level, lowest first
        rows = (" ".join(f"{value:g}" for value in row) for row in costs["matrix"])
        table.add_row("decision costs", " | ".join(rows))
    return table


def per_level_table(report: Mapping[str, Any]) -> Table:
    """Precision, recall, F1 and support of every level."""
    table = Table("level", "precision", "recall", "f1", "support", title="Per level")
    if "per_class_std" in report:
        table.caption = "means over the folds (support: rows per fold)"
    for level, m in report.get("per_class", {}).items():
        table.add_row(
            level, *(f"{m[k]:.3f}" if m[k] is not None else "n/a"
                     for k in ("precision", "recall", "f1")), f"{m['support']:.0f}",
        )  # fmt: skip
    return table


def slice_tables(report: Mapping[str, Any]) -> list[Table]:
    """One table per slice column (language, channel, tier...), largest groups first."""
    tables = []
    for column, groups in report.get("slices", {}).items():
        table = Table(column, "n", *(title for title, _ in SLICE_COLUMNS), title=f"By {column}")
        notes = []
        if any(f"{key}_std" in metrics for metrics in groups.values() for _, key in SLICE_COLUMNS):
            notes.append("means over the folds")
        if any("macro_f1" not in metrics for metrics in groups.values()):
            notes.append(f"n/a: fewer than {SLICE_MIN_ROWS} rows, too few to measure")
        table.caption = "; ".join(notes) or None
        for value, metrics in sorted(groups.items(), key=lambda item: -item[1].get("n", 0)):
            table.add_row(
                str(value),
                f"{metrics.get('n', 0):.0f}",
                *(_metric(metrics, key, digits=3, spread=False) for _, key in SLICE_COLUMNS),
            )
        tables.append(table)
    return tables


def bad_rows_table(bad: Mapping[str, Any]) -> Table:
    """The first excluded rows with their reasons, and where the full list is."""
    reasons = ", ".join(f"{k} {v}" for k, v in bad.get("by_reason", {}).items())
    first = bad.get("first", [])
    ids = any(entry.get("ticket_id") for entry in first)
    table = Table(
        "row", *(["ticket id"] if ids else []), "reason", "column", "value", "detail",
        title=f"{bad['count']} rows excluded ({reasons})",
        caption=_where(bad, shown=len(first)),
    )  # fmt: skip
    for entry in first:
        table.add_row(
            str(entry["row"]), *([str(entry.get("ticket_id", ""))] if ids else []),
            entry["reason"], entry["column"], _clip(str(entry["value"]), 24), entry["detail"],
        )  # fmt: skip
    return table


def _where(bad: Mapping[str, Any], *, shown: int) -> str:
    total = sum(bad.get("by_reason", {}).values())  # a row may have several reasons
    lead = f"the first {shown} of {total} reasons" if shown < total else "every reason"
    file = bad.get("file")
    if file is None:
        return f"{lead}; --out-dir writes the full list as bad_rows.csv"
    if bad.get("in_mlflow_run"):
        return f"{lead}; full list: {file} in the MLflow run"
    return f"{lead}; full list: {file}"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _metric(values: Mapping[str, Any], key: str, digits: int = 4, *, spread: bool = True) -> str:
    value = values.get(key)
    std = values.get(f"{key}_std") if spread else None
    text = "n/a" if value is None else f"{value:.{digits}f}"
    return text + (f" ± {std:.{digits}f}" if std is not None else "")
