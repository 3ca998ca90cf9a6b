"""The report's warning for levels few of whose tickets got them suggested (recall < 10%)."""

from __future__ import annotations

from classifier.costs import CostMatrix
from training.evaluate import missed_levels

LEVELS = ["low", "medium", "high"]
ASYMMETRIC = CostMatrix.default(3).matrix  # a level too low costs 2, too high 1
SYMMETRIC = CostMatrix.identity(3).matrix


def report(matrix: list[list[int]]) -> dict[str, object]:
    return {"confusion_matrix": {"labels": LEVELS, "matrix": matrix}}


def test_a_lower_level_missed_under_dearer_costs_points_to_the_under_cost() -> None:
    # 41 low tickets, none suggested low; low was suggested twice, for medium tickets
    (warning,) = missed_levels(report([[0, 35, 6], [2, 58, 34], [0, 28, 71]]), ASYMMETRIC)
    assert warning.startswith(
        "none of the 41 evaluated 'low' tickets was suggested 'low' (recall 0.0%; 'low' was "
        "suggested 2 times in all)"
    )
    assert "--under-cost 1" in warning
    assert "costs: {under: 1, over: 1}" in warning


def test_with_symmetric_costs_the_warning_asks_for_examples_not_other_costs() -> None:
    (warning,) = missed_levels(report([[0, 35, 6], [0, 60, 34], [0, 28, 71]]), SYMMETRIC)
    assert "'low' was suggested 0 times in all" in warning
    assert "more examples" in warning
    assert "--under-cost" not in warning


def test_the_top_level_missed_is_never_blamed_on_the_under_cost() -> None:
    (warning,) = missed_levels(report([[5, 1, 0], [1, 6, 0], [0, 9, 0]]), ASYMMETRIC)
    assert warning.startswith("none of the 9 evaluated 'high' tickets")
    assert "--under-cost" not in warning


def test_a_level_found_for_fewer_than_one_in_ten_of_its_tickets_is_warned_of() -> None:
    (warning,) = missed_levels(report([[4, 60, 29], [3, 113, 65], [0, 54, 109]]), ASYMMETRIC)
    assert warning.startswith(
        "only 4 of the 93 evaluated 'low' tickets were suggested 'low' (recall 4.3%; 'low' was "
        "suggested 7 times in all)"
    )


def test_levels_found_for_a_tenth_of_their_tickets_or_absent_are_not_warned_of() -> None:
    assert missed_levels(report([[4, 36, 0], [0, 60, 34], [0, 28, 71]]), ASYMMETRIC) == []
    assert missed_levels(report([[0, 0, 0], [0, 60, 34], [0, 28, 71]]), ASYMMETRIC) == []


def test_every_missed_level_gets_its_own_warning_in_scale_order() -> None:
    warnings = missed_levels(report([[0, 3, 0], [4, 0, 0], [0, 2, 9]]), SYMMETRIC)
    assert [w.split("'")[1] for w in warnings] == ["low", "medium"]
