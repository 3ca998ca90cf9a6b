"""The promotion gate's decision, as a pure function of the two versions' holdout metrics."""

from __future__ import annotations

from training.registry import decide_promotion, parse_model_ref
from training.settings import MlflowSettings


def test_the_first_version_becomes_champion() -> None:
    verdict = decide_promotion({"macro_f1": 0.4, "top_level_recall": 0.5}, None)
    assert verdict.promoted
    assert "no champion" in verdict.reason


def test_a_slightly_worse_f1_within_tolerance_is_promoted() -> None:
    verdict = decide_promotion(
        {"macro_f1": 0.795, "top_level_recall": 0.9},
        {"macro_f1": 0.80, "top_level_recall": 0.9},
        f1_tolerance=0.01,
        champion_version="3",
    )
    assert verdict.promoted
    assert verdict.champion_version == "3"


def test_a_worse_f1_beyond_tolerance_is_held_back_with_the_numbers() -> None:
    verdict = decide_promotion(
        {"macro_f1": 0.75, "top_level_recall": 0.95},
        {"macro_f1": 0.80, "top_level_recall": 0.9},
        f1_tolerance=0.01,
        champion_version="3",
    )
    assert not verdict.promoted
    assert "macro-F1 0.7500" in verdict.reason
    assert "v3" in verdict.reason


def test_a_drop_in_top_level_recall_is_held_back_even_with_better_f1() -> None:
    verdict = decide_promotion(
        {"macro_f1": 0.90, "top_level_recall": 0.85},
        {"macro_f1": 0.80, "top_level_recall": 0.9},
    )
    assert not verdict.promoted
    assert "top-level recall" in verdict.reason
    assert "macro-F1" not in verdict.reason


def test_the_recall_tolerance_is_configurable() -> None:
    verdict = decide_promotion(
        {"macro_f1": 0.80, "top_level_recall": 0.88},
        {"macro_f1": 0.80, "top_level_recall": 0.9},
        top_recall_tolerance=0.05,
    )
    assert verdict.promoted


def test_model_references_name_an_alias_or_a_version() -> None:
    settings = MlflowSettings()
    assert parse_model_ref("models:/ticket-priority@champion", settings) == (
        "ticket-priority",
        "champion",
        None,
    )
    assert parse_model_ref("models:/other/7", settings) == ("other", None, "7")
    assert parse_model_ref("4", settings) == ("ticket-priority", None, "4")
