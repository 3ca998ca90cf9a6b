"""The flat MLflow metrics a report becomes."""

from __future__ import annotations

from training.tracking import metrics_of


def test_cv_reports_log_the_fold_means_and_the_registered_models_holdout() -> None:
    report = {
        "macro_f1": 0.49, "n_train": 933, "per_class": {"low": {"recall": 0.12}},
        "holdout": {"macro_f1": 0.41, "per_class": {"low": {"recall": 0.0}}},
    }  # fmt: skip
    metrics = metrics_of(report)
    assert metrics["macro_f1"] == 0.49
    assert metrics["recall_low"] == 0.12
    assert metrics["holdout_macro_f1"] == 0.41
    assert metrics["holdout_recall_low"] == 0.0
    assert "holdout_holdout_macro_f1" not in metrics


def test_a_cv_report_keeps_the_registered_models_missed_levels() -> None:
    from classifier.costs import CostMatrix
    from training.train import _missed_levels

    labels = ["low", "medium", "high"]
    cv = {
        "confusion_matrix": {
            "labels": labels,
            "matrix": [[25, 140, 39], [20, 400, 48], [5, 60, 430]],
        }
    }
    holdout = {
        "confusion_matrix": {"labels": labels, "matrix": [[0, 35, 6], [3, 80, 11], [1, 15, 83]]}
    }
    costs = CostMatrix.identity(3)
    assert _missed_levels(cv, None, costs) == []  # 25 of 204: recall above 10%
    warnings = _missed_levels(cv, holdout, costs)
    assert len(warnings) == 1
    assert warnings[0].startswith("holdout: none of the 41 evaluated 'low' tickets")
