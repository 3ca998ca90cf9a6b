"""Cost-aware decisions, checked against expected costs worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from classifier.costs import CostMatrix, CostMatrixError, least_cost_level, least_cost_levels


def test_default_matrix_charges_each_level_too_low_twice_a_level_too_high() -> None:
    costs = CostMatrix.default(4)
    assert costs.matrix == (
        (0.0, 1.0, 2.0, 3.0),
        (2.0, 0.0, 1.0, 2.0),
        (4.0, 2.0, 0.0, 1.0),
        (6.0, 4.0, 2.0, 0.0),
    )


def test_a_60_40_split_between_low_and_medium_suggests_medium() -> None:
    # cost(low) = 0.4 * 2 = 0.8 ; cost(medium) = 0.6 * 1 = 0.6 -> medium
    assert least_cost_levels([[0.6, 0.4, 0.0, 0.0]], CostMatrix.default(4)).tolist() == [1]


def test_a_70_30_split_between_low_and_medium_keeps_low() -> None:
    # cost(low) = 0.3 * 2 = 0.6 ; cost(medium) = 0.7 * 1 = 0.7 -> low
    assert least_cost_levels([[0.7, 0.3, 0.0, 0.0]], CostMatrix.default(4)).tolist() == [0]


def test_some_chance_of_high_and_urgent_lifts_a_likely_medium_ticket_to_high() -> None:
    # low 0.6*2 + 0.2*4 + 0.2*6 = 3.2 ; medium 0.2*2 + 0.2*4 = 1.2
    # high 0.6*1 + 0.2*2 = 1.0       ; urgent 0.6*2 + 0.2*1 = 1.4
    proba = [[0.0, 0.6, 0.2, 0.2]]
    costs = CostMatrix.default(4)
    expected = np.asarray(proba) @ costs.as_array()
    assert expected.round(2).tolist() == [[3.2, 1.2, 1.0, 1.4]]
    assert least_cost_levels(proba, costs).tolist() == [2]


def test_identity_costs_pick_the_most_probable_level_and_ties_go_to_the_lower_level() -> None:
    proba = np.asarray([[0.1, 0.7, 0.2], [0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])
    assert least_cost_levels(proba, CostMatrix.identity(3)).tolist() == [1, 0, 2]


def test_custom_costs_are_applied_to_every_row() -> None:
    costs = CostMatrix(((0, 1, 1), (10, 0, 1), (10, 10, 0)))
    proba = [[0.8, 0.2, 0.0], [0.95, 0.0, 0.05]]
    # row 0: low = 2.0, medium = 0.8, high = 1.0 -> medium
    # row 1: low = 0.5, medium = 1.45, high = 0.95 -> low
    assert least_cost_levels(proba, costs).tolist() == [1, 0]


def test_costs_round_trip_through_their_dict_form() -> None:
    costs = CostMatrix.default(5, under=3.0)
    assert CostMatrix.from_dict(costs.to_dict()) == costs


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (((0, 1), (1, 0, 2)), "row 1 has 3 entries"),
        (((0, -1), (1, 0)), "costs[0][1] = -1"),
        (((1, 1), (1, 0)), "costs[0][0] = 1"),
        (((0,),), "at least 2 levels"),
    ],
)
def test_invalid_matrices_are_rejected_naming_the_cell(
    rows: tuple[tuple[float, ...], ...], message: str
) -> None:
    with pytest.raises(CostMatrixError, match=message.replace("[", r"\[").replace("]", r"\]")):
        CostMatrix(rows)


def test_probabilities_for_a_different_number_of_levels_are_rejected() -> None:
    with pytest.raises(CostMatrixError, match="3 levels but the cost matrix has 4"):
        least_cost_levels([[0.2, 0.3, 0.5]], CostMatrix.default(4))


def test_one_row_of_plain_floats_gets_the_level_of_the_array_version() -> None:
    rng = np.random.default_rng(11)
    proba = rng.dirichlet(np.ones(4), size=500)
    costs = CostMatrix.default(4)
    expected = least_cost_levels(proba, costs).tolist()
    assert [least_cost_level(row, costs.matrix) for row in proba.tolist()] == expected
    assert least_cost_level([0.6, 0.4, 0.0, 0.0], costs.matrix) == 1  # hand-worked above
    assert least_cost_level([0.5, 0.5], CostMatrix.identity(2).matrix) == 0  # tie: lower level
    with pytest.raises(CostMatrixError, match="2 levels but the cost matrix has 4"):
        least_cost_level([0.5, 0.5], costs.matrix)
