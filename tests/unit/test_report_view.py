"""The evaluation report as printed by `train` and `evaluate`."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from training.report_view import print_report

HEADLINE = {
    "macro_f1": 0.42, "accuracy": 0.55, "top_level_recall": 0.73,
    "under_prioritization_rate": 0.12, "severe_under_prioritization_rate": 0.0, "brier": 0.5,
}  # fmt: skip
PER_CLASS = {"low": {"precision": 0.5, "recall": None, "f1": 0.1, "support": 41.0}}


def rendered(report: dict[str, Any]) -> str:
    console = Console(width=120, record=True, color_system=None)
    print_report(console, report)
    return console.export_text()


def test_a_trained_models_report_shows_both_row_counts() -> None:
    text = rendered(HEADLINE | {"per_class": PER_CLASS, "n_train": 933, "n_test": 234})
    row = next(line for line in text.splitlines() if "n_train / n_test" in line)
    assert row.split("│")[2].strip() == "933 / 234"
    assert "0.4200" in text
    assert "n/a" in text  # the level's missing recall


def test_an_evaluated_models_report_shows_only_the_rows_it_scored() -> None:
    text = rendered(HEADLINE | {"per_class": PER_CLASS, "n_train": None, "n_test": 2181})
    assert "None" not in text
    row = next(line for line in text.splitlines() if "n_test" in line)
    assert row.split("│")[2].strip() == "2181"
    assert "n_train" not in text


def test_slices_are_tables_with_the_largest_group_first_and_small_groups_marked() -> None:
    slices = {
        "language": {
            "de": {"n": 39, "macro_f1": 0.3317, "top_level_recall": 0.6667,
                   "under_prioritization_rate": 0.1282, "severe_under_prioritization_rate": 0.0},
            "en": {"n": 101, "macro_f1": 0.4003, "top_level_recall": 0.75,
                   "under_prioritization_rate": 0.1089, "severe_under_prioritization_rate": 0.0},
            "fi": {"n": 7},
        }
    }  # fmt: skip
    text = rendered(HEADLINE | {"n_test": 147, "slices": slices})
    assert "By language" in text
    assert text.index("│ en ") < text.index("│ de ") < text.index("│ fi ")
    assert "0.400" in text
    assert "0.332" in text
    assert "fewer than 20 rows" in text


def test_cross_validated_headlines_carry_their_fold_deviation_and_slices_their_means() -> None:
    report = HEADLINE | {"macro_f1_std": 0.031, "n_train": 900, "n_test": 1200}
    report["folds"] = [{"macro_f1": 0.4}] * 3
    report["per_class"], report["per_class_std"] = PER_CLASS, {"low": {"f1": 0.01}}
    report["slices"] = {"tier": {"free": {"n": 1200, "macro_f1": 0.5, "macro_f1_std": 0.02}}}
    text = rendered(report)
    assert "0.4200 ± 0.0310" in text
    assert "3 folds over 1200 rows" in text
    assert "900 rows" in text
    assert "0.500" in text
    assert "0.020" not in text
    assert "means over the folds (support: rows per fold)" in text  # per level
    assert "means over the folds" in text.split("By tier")[1]


def bad_rows(file: str | None, *, in_mlflow_run: bool = False, total: int = 2) -> dict[str, Any]:
    first = [
        {"row": 6, "reason": "unknown_label", "column": "prio", "value": "whatever",
         "detail": "not a level or alias of low, normal, high"},
        {"row": 12, "reason": "missing_text", "column": "title+description", "value": "x" * 40,
         "detail": "every text column is empty"},
    ]  # fmt: skip
    return {"count": total, "by_reason": {"unknown_label": 1, "missing_text": total - 1},
            "first": first, "file": file, "in_mlflow_run": in_mlflow_run}  # fmt: skip


def test_excluded_rows_are_listed_with_row_number_reason_and_detail() -> None:
    text = rendered(
        HEADLINE | {"n_test": 10, "bad_rows": bad_rows("bad_rows.csv", in_mlflow_run=True)}
    )
    assert "2 rows excluded (unknown_label 1, missing_text 1)" in text
    row = next(line for line in text.splitlines() if "whatever" in line)
    assert [cell.strip() for cell in row.split("│")[1:4]] == ["6", "unknown_label", "prio"]
    assert "x" * 23 + "…" in text  # long values are clipped
    assert "every reason; full list: bad_rows.csv in the MLflow run" in text


def test_the_caption_says_when_only_the_first_reasons_are_shown_and_where_the_rest_are() -> None:
    text = rendered(HEADLINE | {"n_test": 10, "bad_rows": bad_rows("out/bad_rows.csv", total=30)})
    assert "the first 2 of 30 reasons; full list: out/bad_rows.csv" in text
    text = rendered(HEADLINE | {"n_test": 10, "bad_rows": bad_rows(None, total=30)})
    assert "--out-dir writes the full list" in text


def test_the_decision_costs_are_shown_one_row_per_true_level() -> None:
    costs = {"matrix": [[0.0, 1.0, 2.0], [2.0, 0.0, 1.0], [4.0, 2.0, 0.0]]}
    text = rendered(HEADLINE | {"n_test": 10, "costs": costs})
    row = next(line for line in text.splitlines() if "decision costs" in line)
    assert row.split("│")[2].strip() == "0 1 2 | 2 0 1 | 4 2 0"


def test_warnings_are_printed_as_written_even_with_brackets_and_braces() -> None:
    warning = "columns ['tier'] are missing [bold]; costs: {under: 1, over: 1}"
    text = rendered(HEADLINE | {"per_class": PER_CLASS, "warnings": [warning]})
    assert f"warning: {warning}" in " ".join(text.split())
