"""Temperature scaling with per-class biases: the calibrator behind every trained model."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import softmax
from sklearn.linear_model import LogisticRegression

from classifier.calibration import OutOfFoldCalibrated, TemperatureCalibrator


def _sample(
    temperature: float, bias: list[float], rows: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    scores = rng.normal(0.0, 1.5, size=(rows, len(bias)))
    proba = softmax(temperature * scores + np.asarray(bias), axis=1)
    labels = np.array([rng.choice(len(bias), p=p) for p in proba])
    return scores, np.array(["high", "low", "medium"])[labels]


def test_the_temperature_and_biases_that_made_the_labels_are_recovered() -> None:
    scores, labels = _sample(2.0, [0.5, -1.0, 0.0], rows=20_000)
    fitted = TemperatureCalibrator().fit(scores, labels)
    assert fitted.coef_[0, 0] == pytest.approx(2.0, abs=0.1)
    assert np.allclose(fitted.coef_, fitted.coef_[0, 0] * np.eye(3))
    centred = fitted.intercept_ - fitted.intercept_.mean()
    assert np.allclose(centred, np.array([0.5, -1.0, 0.0]) - (-0.5 / 3), atol=0.1)


def test_probabilities_keep_the_ranking_of_the_scores_up_to_the_biases() -> None:
    scores, labels = _sample(1.0, [0.0, 0.0, 0.0], rows=3_000)
    fitted = TemperatureCalibrator().fit(scores, labels)
    proba = fitted.predict_proba(scores)
    assert np.allclose(proba.sum(axis=1), 1.0)
    unbiased = np.argmax(np.log(proba) - fitted.intercept_, axis=1)
    assert np.array_equal(unbiased, np.argmax(scores, axis=1))


def test_two_classes_use_one_score_column_like_a_binary_logistic_regression() -> None:
    rng = np.random.default_rng(1)
    scores = rng.normal(size=(4_000, 1))
    labels = np.where(rng.random(4_000) < 1 / (1 + np.exp(-(3.0 * scores[:, 0] - 1.0))), "b", "a")
    fitted = TemperatureCalibrator().fit(scores, labels)
    assert fitted.coef_.shape == (1, 1)
    assert fitted.coef_[0, 0] == pytest.approx(3.0, abs=0.3)
    assert fitted.intercept_[0] == pytest.approx(-1.0, abs=0.2)
    proba = fitted.predict_proba(scores[:3])
    expected = 1 / (1 + np.exp(-(fitted.coef_[0, 0] * scores[:3, 0] + fitted.intercept_[0])))
    assert np.allclose(proba[:, 1], expected)
    assert fitted.decision_function(scores[:3]).shape == (3,)


def test_score_columns_that_do_not_fit_the_classes_are_refused() -> None:
    with pytest.raises(ValueError, match="2 score columns do not fit 3 classes"):
        TemperatureCalibrator().fit(np.zeros((3, 2)), ["a", "b", "c"])


def test_a_calibrated_classifier_reports_frequencies_not_balanced_shares() -> None:
    # A balanced base model over-predicts the rare class; calibration brings the mean
    # probability of each class back to its frequency in the data.
    rng = np.random.default_rng(2)
    y = np.where(rng.random(3_000) < 0.15, "rare", "common")
    x = rng.normal(size=(3_000, 4)) + np.where(y == "rare", 0.8, 0.0)[:, None]
    model = OutOfFoldCalibrated(LogisticRegression(class_weight="balanced"), cv=3).fit(x, y)
    rare = list(model.classes_).index("rare")
    assert model.predict_proba(x)[:, rare].mean() == pytest.approx(0.15, abs=0.02)
