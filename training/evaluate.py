"""Evaluation report: overall, per-level and per-slice metrics, confusion matrix, calibration.

Definitions (levels in ascending urgency, index 0 = least urgent):
- under-prioritisation rate: share of tickets predicted at least one level too low.
- severe under-prioritisation rate: share of tickets of the most urgent level predicted two or
  more levels too low (None when the sample has no ticket of that level).
- Brier score: mean over tickets of the sum over levels of (probability - outcome)^2; 0 is
  perfect, 2 is the worst possible.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
from sklearn.metrics import precision_recall_fscore_support as prfs

FloatArray = npt.NDArray[np.float64]
SLICE_MIN_ROWS = 20  # smaller slices are listed by size only: their metrics would be noise
SLICE_MAX_VALUES = 20
# Scalars averaged over folds in --cv mode; each gets a `<name>_std` beside it.
CV_SCALARS = (
    "macro_f1",
    "accuracy",
    "under_prioritization_rate",
    "severe_under_prioritization_rate",
    "brier",
    "top_level_recall",
)


def _indices(labels: Sequence[str], levels: Sequence[str]) -> npt.NDArray[np.int64]:
    position = {level: i for i, level in enumerate(levels)}
    return np.array([position[str(v)] for v in labels], dtype=np.int64)


def under_prioritization_rate(
    y_true: Sequence[str], y_pred: Sequence[str], levels: Sequence[str]
) -> float:
    """Share of tickets predicted at least one level below their true level."""
    if len(y_true) == 0:
        return 0.0
    t, p = _indices(y_true, levels), _indices(y_pred, levels)
    return float(np.mean(p < t))


def severe_under_prioritization_rate(
    y_true: Sequence[str], y_pred: Sequence[str], levels: Sequence[str]
) -> float | None:
    """Share of most-urgent-level tickets predicted two or more levels too low."""
    t, p = _indices(y_true, levels), _indices(y_pred, levels)
    top = len(levels) - 1
    mask = t == top
    if not mask.any():
        return None
    return float(np.mean(p[mask] <= top - 2))


def brier_score(y_true: Sequence[str], proba: FloatArray, levels: Sequence[str]) -> float:
    """Multi-class Brier score (sum over levels, mean over tickets)."""
    if len(y_true) == 0:
        return 0.0
    onehot = np.zeros_like(proba, dtype=float)
    onehot[np.arange(len(y_true)), _indices(y_true, levels)] = 1.0
    return float(np.mean(np.sum((proba - onehot) ** 2, axis=1)))


def as_proba_matrix(proba: Any, levels: Sequence[str]) -> FloatArray:
    """Probabilities as an (n, levels) float array in the scale's order."""
    if isinstance(proba, pd.DataFrame):
        proba = proba[list(levels)].to_numpy()
    matrix = np.asarray(proba, dtype=float)
    if matrix.ndim != 2 or matrix.shape[1] != len(levels):
        raise ValueError(f"probabilities: expected shape (n, {len(levels)}), got {matrix.shape}")
    return matrix


def classification_metrics(
    y_true: Sequence[str], y_pred: Sequence[str], proba: FloatArray, levels: Sequence[str]
) -> dict[str, Any]:
    """Overall and per-level metrics for one sample."""
    lv = list(levels)
    precision, recall, f1, support = prfs(y_true, y_pred, labels=lv, zero_division=0)
    per_class = {
        level: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i, level in enumerate(lv)
    }
    matrix = confusion_matrix(y_true, y_pred, labels=lv)
    return {
        "macro_f1": float(f1_score(y_true, y_pred, labels=lv, average="macro", zero_division=0)),
        "accuracy": float(accuracy_score(y_true, y_pred)) if len(y_true) else 0.0,
        "per_class": per_class,
        "top_level_recall": per_class[lv[-1]]["recall"],
        "under_prioritization_rate": under_prioritization_rate(y_true, y_pred, lv),
        "severe_under_prioritization_rate": severe_under_prioritization_rate(y_true, y_pred, lv),
        "brier": brier_score(y_true, proba, lv),
        "confusion_matrix": {"labels": lv, "matrix": matrix.tolist()},
    }


OTHER_VALUES = "(other values)"


def slice_metrics(
    frame: pd.DataFrame,
    slice_columns: Sequence[str],
    y_true: Sequence[str],
    y_pred: Sequence[str],
    proba: FloatArray,
    *,
    levels: Sequence[str],
) -> dict[str, dict[str, dict[str, Any]]]:
    """The main metrics per value of each slice column (largest values first).

    Beyond the `SLICE_MAX_VALUES` largest values the rest share one "(other values)" entry,
    so the `n` of a column always add up to the rows evaluated.
    """
    out: dict[str, dict[str, dict[str, Any]]] = {}
    true_arr, pred_arr = np.asarray(y_true, dtype=object), np.asarray(y_pred, dtype=object)

    def entry(mask: npt.NDArray[np.bool_]) -> dict[str, Any]:
        n = int(mask.sum())
        found: dict[str, Any] = {"n": n}
        if n >= SLICE_MIN_ROWS:
            m = classification_metrics(
                list(true_arr[mask]), list(pred_arr[mask]), proba[mask], levels
            )
            found.update({k: m[k] for k in CV_SCALARS})
        return found

    for column in slice_columns:
        if column not in frame.columns:
            continue
        filled = frame[column].astype(object).where(frame[column].notna(), "(missing)")
        values = filled.astype(str).to_numpy()
        counts = pd.Series(values).value_counts()
        shown = counts.head(SLICE_MAX_VALUES)
        out[column] = {str(value): entry(values == value) for value in shown.index}
        if len(counts) > len(shown):
            rest = entry(~np.isin(values, shown.index.to_numpy()))
            out[column][OTHER_VALUES] = rest | {"values": int(len(counts) - len(shown))}
    return out


def build_report(
    frame: pd.DataFrame,
    y_true: Sequence[str],
    y_pred: Sequence[str],
    proba: Any,
    *,
    levels: Sequence[str],
    slice_columns: Sequence[str] = (),
) -> dict[str, Any]:
    """Everything measured on one evaluation sample (the `frame` rows, in order)."""
    matrix = as_proba_matrix(proba, levels)
    report = classification_metrics(list(y_true), list(y_pred), matrix, levels)
    report["slices"] = slice_metrics(frame, slice_columns, y_true, y_pred, matrix, levels=levels)
    report["n_test"] = len(y_true)
    report["levels"] = list(levels)
    return report


def _mean_std(values: Sequence[float | None]) -> tuple[float | None, float | None]:
    present = [v for v in values if v is not None and not math.isnan(v)]
    if not present:
        return None, None
    return float(np.mean(present)), float(np.std(present))


def aggregate_folds(fold_reports: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Mean of every metric over folds, with `<metric>_std` beside each scalar.

    Per-class values are averaged too (their std under `per_class_std`); the confusion matrix
    is the sum over folds, so it counts every row once.
    """
    if not fold_reports:
        raise ValueError("aggregate_folds: no fold reports")
    first = fold_reports[0]
    levels = list(first["levels"])
    out: dict[str, Any] = {"levels": levels, "cv_folds": len(fold_reports)}
    for key in CV_SCALARS:
        out[key], out[f"{key}_std"] = _mean_std([r[key] for r in fold_reports])
    per_class: dict[str, dict[str, float | None]] = {}
    per_class_std: dict[str, dict[str, float | None]] = {}
    for level in levels:
        per_class[level], per_class_std[level] = {}, {}
        for metric in ("precision", "recall", "f1", "support"):
            mean, std = _mean_std([r["per_class"][level][metric] for r in fold_reports])
            per_class[level][metric], per_class_std[level][metric] = mean, std
    out["per_class"], out["per_class_std"] = per_class, per_class_std
    total = np.sum([np.array(r["confusion_matrix"]["matrix"]) for r in fold_reports], axis=0)
    out["confusion_matrix"] = {"labels": levels, "matrix": total.tolist()}
    out["n_test"] = int(sum(r["n_test"] for r in fold_reports))
    out["slices"] = _aggregate_slices([r.get("slices", {}) for r in fold_reports])
    out["folds"] = [{k: r[k] for k in CV_SCALARS} | {"n_test": r["n_test"]} for r in fold_reports]
    return out


def _aggregate_slices(
    per_fold: Sequence[Mapping[str, Mapping[str, Mapping[str, Any]]]],
) -> dict[str, dict[str, dict[str, Any]]]:
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for slices in per_fold:
        for column, values in slices.items():
            for value, entry in values.items():
                bucket = out.setdefault(column, {}).setdefault(value, {"_folds": []})
                bucket["_folds"].append(entry)
    for values in out.values():
        for value, bucket in list(values.items()):
            entries = bucket.pop("_folds")
            scored = [e for e in entries if "macro_f1" in e]
            merged: dict[str, Any] = {"n": int(sum(e["n"] for e in entries))}
            if len(scored) < len(entries):  # folds where the slice was too small to score
                merged["n_scored"] = int(sum(e["n"] for e in scored))
                merged["folds_scored"] = len(scored)
            for key in CV_SCALARS:
                if any(key in e for e in entries):
                    merged[key], merged[f"{key}_std"] = _mean_std([e.get(key) for e in entries])
            values[value] = merged
    return out


MISSED_RECALL = 0.1
"""A level whose recall is below this is named in the report's warnings (`missed_levels`)."""


def missed_levels(report: Mapping[str, Any], costs: Sequence[Sequence[float]]) -> list[str]:
    """A warning for each level that few of its evaluated tickets got (recall < MISSED_RECALL).

    Reviewers would rarely see such a level proposed for the tickets that have it, and
    macro-F1 counts it as (nearly) 0. Below the top level the usual cause is the decision
    costs: when a level too low costs more than a level too high, a lower level is suggested
    only when the model is sure of it, and on noisy labels it rarely is.

    Args:
        report: a report with `confusion_matrix` (rows true levels, columns suggestions).
        costs: the decision's cost matrix (rows true levels, columns suggestions).
    """
    confusion = report["confusion_matrix"]
    counts = np.asarray(confusion["matrix"], dtype=np.int64)
    matrix = np.asarray(costs, dtype=np.float64)
    under_dearer = bool(np.any(np.tril(matrix, -1) > np.triu(matrix, 1).T))
    messages = []
    for index, level in enumerate(confusion["labels"]):
        support, found = int(counts[index].sum()), int(counts[index, index])
        if support == 0 or found >= MISSED_RECALL * support:
            continue
        message = (
            f"{'none' if found == 0 else f'only {found:,}'} of the {support:,} evaluated "
            f"{level!r} tickets {'was' if found <= 1 else 'were'} suggested {level!r} "
            f"(recall {found / support:.1%}; {level!r} was suggested "
            f"{int(counts[:, index].sum()):,} times in all)"
        )
        if under_dearer and index < len(counts) - 1:
            message += (
                ": the decision costs make a level too low dearer than a level too high, so "
                f"{level!r} is suggested only when the model is sure of it; a model trained "
                "with --under-cost 1 (or costs: {under: 1, over: 1} in the data config) "
                "suggests it more often, at the price of more under-prioritised tickets"
            )
        else:
            message += ": the model cannot tell it apart yet; more examples of it would help"
        messages.append(message)
    return messages


def save_confusion_matrix(report: Mapping[str, Any], directory: Path) -> tuple[Path, Path]:
    """Write the confusion matrix as JSON and PNG (rows = true level, columns = predicted)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    cm = report["confusion_matrix"]
    json_path = directory / "confusion_matrix.json"
    json_path.write_text(json.dumps(cm, indent=2), encoding="utf-8")
    matrix = np.array(cm["matrix"])
    labels = cm["labels"]
    fig, ax = plt.subplots(figsize=(1.2 * len(labels) + 2, 1.2 * len(labels) + 1.5))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels=labels)
    ax.set_yticks(range(len(labels)), labels=labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    limit = matrix.max() / 2 if matrix.size else 0
    for (i, j), count in np.ndenumerate(matrix):
        colour = "white" if count > limit else "black"
        ax.text(j, i, str(count), ha="center", va="center", color=colour)
    ax.set_title(f"macro-F1 {report.get('macro_f1', float('nan')):.3f}")
    fig.tight_layout()
    png_path = directory / "confusion_matrix.png"
    fig.savefig(png_path, dpi=100)
    plt.close(fig)
    return json_path, png_path


def write_report(report: Mapping[str, Any], path: Path) -> Path:
    """Write the report as indented JSON (NaN written as null)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_clean(report), indent=2, default=str), encoding="utf-8")
    return path


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        return _clean(value.item())
    return value
