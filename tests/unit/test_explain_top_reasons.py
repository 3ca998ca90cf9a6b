"""top_reasons ranks every row's contributions at once; check it against the definition."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from classifier.explain import HIDDEN, NUMBER, TERM, FeatureNames, row_reasons, top_reasons

NAMES = FeatureNames(
    names=("'a' in body", "'b' in body", "char x", "users", "'c' in body"),
    kinds=(TERM, TERM, HIDDEN, NUMBER, TERM),
)
WEIGHTS = np.array([[1.0, -2.0, 9.0, 0.5, 0.0], [0.0, 1.0, 9.0, -3.0, 2.0]])


def test_reasons_are_the_largest_visible_nonzero_contributions_per_row() -> None:
    matrix = sp.csr_matrix(
        np.array(
            [
                [1.0, 1.0, 1.0, 2.0, 1.0],  # class 0: b -2, a 1, users 1 (c is 0: dropped)
                [0.0, 0.0, 0.0, 0.0, 0.0],  # nothing
                [0.0, 1.0, 5.0, -1.0, 1.0],  # class 1: users 3 (low), then b 1 / c 2
            ]
        )
    )
    result = top_reasons(matrix, np.array([0, 1, 1]), WEIGHTS, NAMES, count=2)
    assert [(r.feature, r.weight) for r in result[0]] == [
        ("'b' in body", -2.0),
        ("'a' in body", 1.0),
    ]
    assert result[1] == ()
    assert [(r.feature, r.weight) for r in result[2]] == [("users low", 3.0), ("'c' in body", 2.0)]


def test_equal_contributions_keep_column_order_and_count_zero_gives_nothing() -> None:
    matrix = sp.csr_matrix(np.array([[2.0, 0.0, 0.0, 4.0, 0.0]]))
    weights = np.array([[1.0, 0.0, 0.0, 0.5, 0.0]])
    assert [r.feature for r in top_reasons(matrix, np.array([0]), weights, NAMES, 3)[0]] == [
        "'a' in body",
        "users high",
    ]
    assert top_reasons(matrix, np.array([0]), weights, NAMES, 0) == [()]


def test_a_large_batch_gets_the_same_reasons_as_rows_explained_one_by_one() -> None:
    rng = np.random.default_rng(7)
    dense = rng.normal(size=(40, 5)) * (rng.random(size=(40, 5)) < 0.6)
    dense[3] = 0.0
    dense[5, :2] = 1.0  # equal contributions: column order decides
    matrix = sp.csr_matrix(dense)
    chosen = rng.integers(0, 2, size=40)
    together = top_reasons(matrix, chosen, WEIGHTS, NAMES, 2)
    alone = [top_reasons(matrix[i], chosen[i : i + 1], WEIGHTS, NAMES, 2)[0] for i in range(40)]
    assert together == alone
    assert together[3] == ()


def test_one_row_given_as_shuffled_entries_gets_the_reasons_of_its_csr_row() -> None:
    rng = np.random.default_rng(3)
    dense = rng.normal(size=(60, 5)) * (rng.random(size=(60, 5)) < 0.7)
    dense[4, :2] = 1.0  # equal contributions: the lower column goes first on both paths
    dense[7] = 0.0
    chosen = rng.integers(0, 2, size=60)
    expected = top_reasons(sp.csr_matrix(dense), chosen, WEIGHTS, NAMES, 3)
    for row in range(60):
        columns = np.flatnonzero(dense[row])[::-1].copy()  # any order, here reversed
        got = row_reasons(columns, dense[row, columns], int(chosen[row]), WEIGHTS, NAMES, count=3)
        assert got == expected[row], row
    assert row_reasons(np.array([0]), np.array([1.0]), 0, WEIGHTS, NAMES, count=0) == ()
