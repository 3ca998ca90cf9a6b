"""LogitVote: the mean of two calibrated members' log-odds, served as one linear model."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from classifier.calibration import choose_calibrator, decision_scores
from classifier.explain import class_weights
from classifier.fastpath import FastLinear
from classifier.voting import LogitVote
from training.voting import decision_f1, oof_vote_proba, vote_wins


def _data(classes: int, rows: int = 240) -> tuple[sp.csr_matrix, np.ndarray]:
    rng = np.random.default_rng(7)
    labels = np.array(["low", "medium", "high", "urgent"][:classes])
    y = labels[rng.integers(0, classes, rows)]
    x = sp.random(rows, 50, density=0.2, format="csr", random_state=7, dtype=np.float64)
    signal = sp.csr_matrix(np.eye(classes)[np.searchsorted(np.sort(labels), y)] * 0.8)
    return sp.hstack([signal, x]).tocsr(), y


def _vote(classes: int) -> tuple[LogitVote, sp.csr_matrix, np.ndarray]:
    x, y = _data(classes)
    members = [LogisticRegression(C=1.0, class_weight="balanced"), LinearSVC(C=0.5)]
    return LogitVote(members, split=30, cv=3).fit(x, y), x, y


def _oof(vote_members: list, x: sp.csr_matrix, y: np.ndarray) -> list[np.ndarray]:
    # Stand-ins for out-of-fold scores: any scores with the labels' shape calibrate the same way.
    rng = np.random.default_rng(1)
    blocks = (x[:, :30], x[:, 30:])
    return [
        decision_scores(m.fit(b, y), b) + rng.normal(scale=0.5, size=(len(y), 1))
        for m, b in zip(vote_members, blocks, strict=True)
    ]


def _calibrated(scores: np.ndarray, oof: np.ndarray, y: np.ndarray) -> np.ndarray:
    scale = np.std(oof)
    return choose_calibrator(oof / scale, y).predict_proba(scores / scale)


def _geometric_mean(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    both = np.sqrt(a * b)
    return both / both.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("classes", [2, 4])
def test_the_vote_is_the_normalised_geometric_mean_of_the_calibrated_members(
    classes: int,
) -> None:
    x, y = _data(classes)
    members = [LogisticRegression(C=1.0, class_weight="balanced"), LinearSVC(C=0.5)]
    oof = _oof([LogisticRegression(C=1.0), LinearSVC(C=0.5)], x, y)
    vote = LogitVote(members, split=30).fit_from_oof(x, y, oof)
    a, b = vote.members_
    expected = _geometric_mean(
        _calibrated(decision_scores(a, x[:, :30]), oof[0], y),
        _calibrated(decision_scores(b, x[:, 30:]), oof[1], y),
    )
    np.testing.assert_allclose(vote.predict_proba(x), expected, rtol=0, atol=1e-7)
    assert list(vote.predict(x)) == list(vote.classes_[np.argmax(expected, axis=1)])


@pytest.mark.parametrize("classes", [2, 3])
def test_selection_scores_the_vote_with_the_calibrators_the_fitted_vote_uses(
    classes: int,
) -> None:
    x, y = _data(classes)
    oof = _oof([LogisticRegression(C=1.0), LogisticRegression(C=4.0)], x, y)
    expected = _geometric_mean(_calibrated(oof[0], oof[0], y), _calibrated(oof[1], oof[1], y))
    np.testing.assert_allclose(oof_vote_proba(oof, y), expected, rtol=0, atol=1e-7)
    single = _calibrated(oof[0], oof[0], y)
    np.testing.assert_allclose(oof_vote_proba(oof[:1], y), single, rtol=0, atol=1e-7)


@pytest.mark.parametrize("classes", [2, 4])
def test_fast_linear_serves_a_vote_with_the_same_probabilities(classes: int) -> None:
    vote, x, _ = _vote(classes)
    fast = FastLinear.from_fitted(vote)
    assert fast is not None
    np.testing.assert_allclose(fast.predict_proba(x), vote.predict_proba(x), rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        fast.predict_proba(x[3:4]), vote.predict_proba(x[3:4]), rtol=0, atol=1e-12
    )


def test_explanations_read_one_weight_row_per_class_over_all_features() -> None:
    vote, x, _ = _vote(3)
    assert class_weights(vote).shape == (3, x.shape[1])


def test_a_vote_without_two_members_and_a_split_inside_the_columns_is_refused() -> None:
    x, y = _data(3)
    with pytest.raises(ValueError, match="split"):
        LogitVote([LogisticRegression()], split=30).fit(x, y)
    with pytest.raises(ValueError, match="split"):
        LogitVote([LogisticRegression(), LogisticRegression()], split=x.shape[1]).fit(x, y)


def test_the_decision_f1_scores_each_fold_with_the_prior_divided_out() -> None:
    labels = np.array(["a"] * 6 + ["b"] * 2)
    # "b" is rare: 0.3 / 0.25 beats 0.7 / 0.75, so a balanced decision picks it.
    proba = np.tile([0.7, 0.3], (8, 1))
    folds = [(np.arange(4, 8), np.arange(4)), (np.arange(4), np.arange(4, 8))]
    # Every row is called "b": fold 1 has no "b" (F1 0 for both classes), fold 2 half right.
    assert decision_f1(proba, labels, folds) == pytest.approx([0.0, (0.0 + 2 / 3) / 2])


def test_the_vote_must_win_by_more_than_the_standard_error_of_its_fold_gains() -> None:
    single = [0.50, 0.50, 0.50]
    assert vote_wins(single, [0.52, 0.53, 0.51])  # gain 0.02, standard error 0.006
    assert not vote_wins(single, [0.58, 0.45, 0.50])  # gain 0.01, standard error 0.038
    assert not vote_wins(single, [0.49, 0.50, 0.48])
    assert not vote_wins(single, single)
    assert not vote_wins([0.5], [0.9])  # one fold: no standard error, keep the simpler model
