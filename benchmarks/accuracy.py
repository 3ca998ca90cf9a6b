"""Accuracy of the training pipeline next to a simple baseline on the shared real tickets.

Usage: nice -n 19 .venv/bin/python benchmarks/accuracy.py [--folds 5]

Reads ../shared/data/*.csv relative to the repo (skips with a message and exit status 0 when
absent). Columns: text = subject + body, categories = queue and type (`answer` is the agent's
reply and never a feature), label = priority on the levels low, medium, high. Scenarios:
(a) stratified K-fold cross-validation inside each file (metrics are fold means), (b) train on
one file and test on the other, both directions.

"ours" is `training.pipeline.train_model` (the code path of `ticket-priority train`: candidate
selection by CV, calibration, the cost-aware decision with the default costs, a level too low
costing twice a level too high); "ours, 0/1 costs" is the same command trained with
`CostMatrix.identity` (the suggestion when under-prioritising is not penalised more than
over-prioritising; training picks the decision's prior correction for the costs it is given,
so the model is trained again rather than re-decided). The baseline is char_wb 2-5
TF-IDF over subject + body with LogisticRegression(C=4, class_weight="balanced"). Metrics come
from `training.evaluate.classification_metrics`. CV lines also show the standard error of the
gain, paired by fold (the per-fold spread of ours minus baseline). Goal: ours beats the
baseline on every line, by at least 0.03 macro-F1 on average.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline

from classifier.costs import CostMatrix
from classifier.features import FeatureSpec
from classifier.levels import PriorityScale
from training.evaluate import classification_metrics
from training.pipeline import train_model

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
LEVELS = ("low", "medium", "high")
SPEC = FeatureSpec(("subject", "body"), ("queue", "type"), ())
METRICS = ("macro_f1", "accuracy", "top_level_recall", "under_prioritization_rate",
           "severe_under_prioritization_rate")  # fmt: skip
HEADS = ("macro-F1", "accuracy", "top recall", "under", "severe under")
GOAL_GAIN = 0.03

SYSTEMS = ("ours", "ours, 0/1 costs", "baseline")

Scores = dict[str, tuple[list[str], Any]]
Fit = Callable[[pd.DataFrame, list[str]], Callable[[pd.DataFrame], Scores]]


@dataclass(frozen=True)
class Line:
    """One scenario of the result table: each system's mean metrics."""

    scenario: str
    systems: dict[str, dict[str, float]]
    gain_se: dict[str, float] | None = None  # CV only: standard error of the paired F1 gain


def load(path: Path) -> tuple[pd.DataFrame, list[str]]:
    """The feature columns and the lower-cased priority labels of one file."""
    raw = pd.read_csv(path)
    labels = raw["priority"].astype(str).str.strip().str.lower()
    keep = labels.isin(LEVELS).to_numpy()
    return raw.loc[keep, list(SPEC.columns)].reset_index(drop=True), labels[keep].tolist()


def fit_ours(frame: pd.DataFrame, labels: list[str]) -> Callable[[pd.DataFrame], Scores]:
    """Train with the product's pipeline twice: default costs, and 0/1 costs."""
    scale = PriorityScale.from_names(LEVELS)
    models = {
        "ours": train_model(frame, labels, SPEC, scale).model,
        "ours, 0/1 costs": train_model(
            frame, labels, SPEC, scale, costs=CostMatrix.identity(len(LEVELS))
        ).model,
    }

    def score(test: pd.DataFrame) -> Scores:
        out: Scores = {}
        for system, model in models.items():
            proba = model.predict_proba(test)
            out[system] = ([LEVELS[i] for i in model.decide(proba)], proba)
        return out

    return score


def _joined(frame: pd.DataFrame) -> list[str]:
    return (frame["subject"].fillna("") + " " + frame["body"].fillna("")).tolist()


def fit_baseline(frame: pd.DataFrame, labels: list[str]) -> Callable[[pd.DataFrame], Scores]:
    """char_wb 2-5 TF-IDF + balanced LogisticRegression(C=4) over subject + body."""
    model = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)),
        LogisticRegression(C=4.0, class_weight="balanced", max_iter=1000),
    ).fit(_joined(frame), labels)
    order = [list(model.classes_).index(level) for level in LEVELS]

    def score(test: pd.DataFrame) -> Scores:
        proba = model.predict_proba(_joined(test))[:, order]
        return {"baseline": ([str(v) for v in model.predict(_joined(test))], proba)}

    return score


def evaluate(train: pd.DataFrame, y_train: list[str], test: pd.DataFrame,
             y_test: list[str]) -> dict[str, dict[str, float]]:  # fmt: skip
    """Fit every system on one part, score the other; the table's metrics per system."""
    out = {}
    for fit in (fit_ours, fit_baseline):
        for system, (predicted, proba) in fit(train, y_train)(test).items():
            report = classification_metrics(y_test, predicted, np.asarray(proba, float), LEVELS)
            out[system] = {name: _number(report[name]) for name in METRICS}
    return out


def _number(value: Any) -> float:
    return float("nan") if value is None else float(value)


def _mean(rows: Sequence[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    return {
        system: {name: float(np.nanmean([r[system][name] for r in rows])) for name in METRICS}
        for system in SYSTEMS
    }


def _progress(label: str, figures: dict[str, dict[str, float]], started: float) -> None:
    f1 = ", ".join(f"{s} {figures[s]['macro_f1']:.3f}" for s in SYSTEMS)
    print(f"  {label}: macro-F1 {f1} ({time.perf_counter() - started:.0f}s)", flush=True)


def cross_validation(name: str, frame: pd.DataFrame, labels: list[str], folds: int) -> Line:
    """Scenario (a): stratified K-fold inside one file."""
    y: npt.NDArray[Any] = np.asarray(labels, dtype=object)
    splitter = StratifiedKFold(folds, shuffle=True, random_state=0)
    rows = []
    for k, (tr, te) in enumerate(splitter.split(np.zeros(len(y)), y), start=1):
        started = time.perf_counter()
        rows.append(evaluate(frame.iloc[tr], y[tr].tolist(), frame.iloc[te], y[te].tolist()))
        _progress(f"{name} fold {k}/{folds}", rows[-1], started)
    return Line(f"{folds}-fold CV {name}", _mean(rows), _paired_gain_se(rows))


def _paired_gain_se(rows: Sequence[dict[str, dict[str, float]]]) -> dict[str, float]:
    """Standard error of each system's macro-F1 gain over the baseline, paired by fold.

    Both systems see the same folds, so the spread of the per-fold differences (not of the
    scores) says whether a gain is larger than the noise of which tickets fell in which fold.
    """
    out = {}
    for system in SYSTEMS[:-1]:
        gains = [r[system]["macro_f1"] - r["baseline"]["macro_f1"] for r in rows]
        out[system] = float(np.std(gains, ddof=1) / np.sqrt(len(gains)))
    return out


def transfer(names: tuple[str, str], data: dict[str, tuple[pd.DataFrame, list[str]]]) -> Line:
    """Scenario (b): train on one file, test on the other."""
    started = time.perf_counter()
    (train, y_train), (test, y_test) = data[names[0]], data[names[1]]
    figures = evaluate(train, y_train, test, y_test)
    _progress(f"{names[0]} -> {names[1]}", figures, started)
    return Line(f"train {names[0]} -> test {names[1]}", figures)


def table(lines: Sequence[Line]) -> str:
    """The result table: one row per scenario and system, the macro-F1 gain over baseline."""
    width = max(len(line.scenario) for line in lines)
    head = f"{'scenario':<{width}} {'system':<16}" + "".join(f"{h:>13}" for h in HEADS)
    out = [head + f"{'F1 gain':>9}{'± SE':>7}", "-" * (len(head) + 16)]
    for line in lines:
        base = line.systems["baseline"]["macro_f1"]
        for k, system in enumerate(SYSTEMS):
            figures = line.systems[system]
            cells = "".join(f"{figures[m]:>13.3f}" for m in METRICS)
            gain = f"{figures['macro_f1'] - base:+9.3f}" if system != "baseline" else ""
            if line.gain_se and system in line.gain_se:
                gain += f"{line.gain_se[system]:>7.3f}"
            out.append(f"{line.scenario if k == 0 else '':<{width}} {system:<16}{cells}{gain}")
    return "\n".join(out)


def main() -> int:
    """Run both scenarios on every shared file; 0 also when the data is absent."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5, help="folds of scenario (a)")
    parser.add_argument("--data", type=Path, default=DATA, help="folder of *.csv files")
    args = parser.parse_args()
    files = sorted(args.data.glob("*.csv")) if args.data.is_dir() else []
    if not files:
        print(f"skipped: no CSV files in {args.data} (the shared benchmark data is absent)")
        return 0
    warnings.filterwarnings("ignore", category=UserWarning)
    started = time.perf_counter()
    data = {path.stem: load(path) for path in files}
    lines = []
    for name, (frame, labels) in data.items():
        print(f"{name}: {len(frame):,} rows", flush=True)
        lines.append(cross_validation(name, frame, labels, args.folds))
    names = list(data)
    for a in names:
        for b in names:
            if a != b:
                lines.append(transfer((a, b), data))
    print()
    print(table(lines))
    print()
    for system in SYSTEMS[:-1]:
        gains = [
            line.systems[system]["macro_f1"] - line.systems["baseline"]["macro_f1"]
            for line in lines
        ]
        wins = sum(g > 0 for g in gains)
        print(f"{system}: mean macro-F1 gain {np.mean(gains):+.3f} (goal >= +{GOAL_GAIN}), "
              f"ahead on {wins}/{len(gains)} lines")  # fmt: skip
    print(f"{time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
