"""Evaluation metrics on hand-computed examples."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from training.evaluate import (
    aggregate_folds,
    brier_score,
    build_report,
    save_confusion_matrix,
    severe_under_prioritization_rate,
    under_prioritization_rate,
    write_report,
)

LEVELS = ("low", "medium", "high", "urgent")


def test_under_prioritisation_counts_every_prediction_below_the_truth() -> None:
    y_true = ["urgent", "high", "low", "medium", "medium"]
    y_pred = ["high", "high", "urgent", "low", "medium"]  # 2 of 5 too low
    assert under_prioritization_rate(y_true, y_pred, LEVELS) == pytest.approx(0.4)


def test_severe_under_prioritisation_only_counts_top_level_two_or_more_below() -> None:
    y_true = ["urgent", "urgent", "urgent", "urgent", "high"]
    y_pred = ["urgent", "high", "medium", "low", "low"]  # medium and low are >= 2 below
    assert severe_under_prioritization_rate(y_true, y_pred, LEVELS) == pytest.approx(0.5)


def test_severe_under_prioritisation_is_none_without_top_level_tickets() -> None:
    assert severe_under_prioritization_rate(["low"], ["low"], LEVELS) is None


def test_brier_score_is_zero_for_certain_right_answers_and_two_for_certain_wrong_ones() -> None:
    right = np.array([[1.0, 0, 0, 0], [0, 0, 0, 1.0]])
    assert brier_score(["low", "urgent"], right, LEVELS) == 0.0
    assert brier_score(["urgent", "low"], right, LEVELS) == pytest.approx(2.0)


def test_brier_score_of_a_uniform_forecast() -> None:
    uniform = np.full((1, 4), 0.25)
    # (0.75)^2 + 3 * (0.25)^2 = 0.5625 + 0.1875
    assert brier_score(["high"], uniform, LEVELS) == pytest.approx(0.75)


def test_report_has_macro_f1_accuracy_per_class_and_confusion_matrix() -> None:
    y_true = ["low", "low", "medium", "high", "urgent", "urgent"]
    y_pred = ["low", "medium", "medium", "high", "urgent", "high"]
    proba = np.eye(4)[[0, 1, 1, 2, 3, 2]]
    frame = pd.DataFrame({"language": ["da", "da", "fi", "fi", "fi", "da"]})
    report = build_report(frame, y_true, y_pred, proba, levels=LEVELS, slice_columns=["language"])
    # per-class F1: low 2/3, medium 2/3, high 2/3, urgent 2/3 -> macro 2/3
    assert report["macro_f1"] == pytest.approx(2 / 3)
    assert report["accuracy"] == pytest.approx(4 / 6)
    assert report["per_class"]["urgent"] == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": pytest.approx(2 / 3),
        "support": 2,
    }
    assert report["top_level_recall"] == 0.5
    assert report["confusion_matrix"]["matrix"] == [
        [1, 1, 0, 0],
        [0, 1, 0, 0],
        [0, 0, 1, 0],
        [0, 0, 1, 1],
    ]
    assert report["under_prioritization_rate"] == pytest.approx(1 / 6)
    assert report["slices"]["language"]["da"] == {"n": 3}  # too small for metrics
    assert report["n_test"] == 6


def test_slices_with_enough_rows_get_their_own_metrics() -> None:
    y_true = ["low"] * 10 + ["urgent"] * 20
    y_pred = ["low"] * 10 + ["urgent"] * 10 + ["low"] * 10
    proba = np.eye(4)[[0 if p == "low" else 3 for p in y_pred]]
    frame = pd.DataFrame({"tier": ["free"] * 10 + ["enterprise"] * 20})
    report = build_report(frame, y_true, y_pred, proba, levels=LEVELS, slice_columns=["tier"])
    enterprise = report["slices"]["tier"]["enterprise"]
    assert enterprise["n"] == 20
    assert enterprise["top_level_recall"] == 0.5
    assert enterprise["severe_under_prioritization_rate"] == 0.5


def test_values_past_the_largest_twenty_share_one_entry_so_counts_add_up() -> None:
    languages = [f"l{i:02d}" for i in range(25) for _ in range(30 - i)]
    y_true = ["low"] * len(languages)
    proba = np.tile([1.0, 0.0, 0.0, 0.0], (len(languages), 1))
    frame = pd.DataFrame({"language": languages})
    report = build_report(frame, y_true, y_true, proba, levels=LEVELS, slice_columns=["language"])
    shown = report["slices"]["language"]
    assert len(shown) == 21
    assert shown["(other values)"]["values"] == 5
    assert shown["(other values)"]["n"] == 10 + 9 + 8 + 7 + 6
    assert sum(entry["n"] for entry in shown.values()) == len(languages)
    assert shown["(other values)"]["accuracy"] == 1.0


def test_cv_slices_say_how_many_rows_their_metrics_cover() -> None:
    folds = [
        {"levels": list(LEVELS), "macro_f1": 0.5, "accuracy": 0.5, "top_level_recall": 1.0,
         "under_prioritization_rate": 0.1, "severe_under_prioritization_rate": 0.0,
         "brier": 0.3, "n_test": 40,
         "per_class": {lv: {"precision": 1, "recall": 1, "f1": 1, "support": 1} for lv in LEVELS},
         "confusion_matrix": {"labels": list(LEVELS), "matrix": np.eye(4, dtype=int).tolist()},
         "slices": {"language": {"fr": entry}}}
        for entry in ({"n": 25, "macro_f1": 0.6}, {"n": 18})
    ]  # fmt: skip
    fr = aggregate_folds(folds)["slices"]["language"]["fr"]
    assert (fr["n"], fr["n_scored"], fr["folds_scored"]) == (43, 25, 1)
    assert fr["macro_f1"] == pytest.approx(0.6)


def test_cross_validation_reports_the_mean_with_the_std_beside_it() -> None:
    def fold(f1: float) -> dict:
        return {
            "levels": list(LEVELS),
            "macro_f1": f1,
            "accuracy": 0.5,
            "under_prioritization_rate": 0.1,
            "severe_under_prioritization_rate": None,
            "brier": 0.3,
            "top_level_recall": 1.0,
            "n_test": 10,
            "per_class": {
                lv: {"precision": f1, "recall": f1, "f1": f1, "support": 5} for lv in LEVELS
            },
            "confusion_matrix": {"labels": list(LEVELS), "matrix": np.eye(4, dtype=int).tolist()},
            "slices": {"tier": {"free": {"n": 10, "macro_f1": f1}}},
        }

    merged = aggregate_folds([fold(0.6), fold(0.8)])
    assert merged["macro_f1"] == pytest.approx(0.7)
    assert merged["macro_f1_std"] == pytest.approx(0.1)
    assert merged["accuracy_std"] == 0.0
    assert merged["severe_under_prioritization_rate"] is None
    assert merged["per_class"]["low"]["f1"] == pytest.approx(0.7)
    assert merged["confusion_matrix"]["matrix"][0][0] == 2
    assert merged["n_test"] == 20
    assert merged["slices"]["tier"]["free"]["macro_f1_std"] == pytest.approx(0.1)
    assert merged["cv_folds"] == 2


def test_confusion_matrix_is_written_as_png_and_json(tmp_path: Path) -> None:
    report = {
        "macro_f1": 0.5,
        "confusion_matrix": {"labels": ["a", "b"], "matrix": [[1, 2], [3, 4]]},
    }
    json_path, png_path = save_confusion_matrix(report, tmp_path)
    assert json.loads(json_path.read_text())["matrix"] == [[1, 2], [3, 4]]
    assert png_path.read_bytes()[:4] == b"\x89PNG"


def test_report_json_writes_nan_as_null(tmp_path: Path) -> None:
    path = write_report({"brier": float("nan"), "n": np.int64(3)}, tmp_path / "r.json")
    assert json.loads(path.read_text()) == {"brier": None, "n": 3}
