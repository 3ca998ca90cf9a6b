"""FastLinear (serving's classifier step) returns exactly the fitted classifier's probabilities."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from classifier.calibration import OutOfFoldCalibrated, TemperatureCalibrator
from classifier.fastpath import FastLinear


def _data(classes: int, rows: int = 240) -> tuple[sp.csr_matrix, np.ndarray]:
    rng = np.random.default_rng(5)
    x = sp.random(rows, 40, density=0.2, format="csr", random_state=5, dtype=np.float64)
    labels = np.array(["low", "medium", "high", "urgent"][:classes])
    y = labels[rng.integers(0, classes, rows)]
    return x, y


@pytest.mark.parametrize("classes", [2, 4])
def test_fast_linear_matches_a_calibrated_linear_svm(classes: int) -> None:
    x, y = _data(classes)
    model = OutOfFoldCalibrated(LinearSVC(C=0.5), cv=3).fit(x, y)
    fast = FastLinear.from_fitted(model)
    assert fast is not None
    np.testing.assert_allclose(fast.predict_proba(x), model.predict_proba(x), rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        fast.predict_proba(x[3:4]), model.predict_proba(x[3:4]), rtol=0, atol=1e-12
    )


@pytest.mark.parametrize("calibrator", ["temperature", "regression"])
@pytest.mark.parametrize("classes", [2, 4])
def test_fast_linear_matches_either_calibrator(classes: int, calibrator: str) -> None:
    x, y = _data(classes)
    scores = np.random.default_rng(3).normal(size=(len(y), 1 if classes == 2 else classes))
    base = LinearSVC(C=0.5).fit(x, y)
    model = OutOfFoldCalibrated.from_fitted(base, scores, y)
    model.calibrator_ = (
        TemperatureCalibrator().fit(scores / model.score_scale_, y)
        if calibrator == "temperature"
        else LogisticRegression(C=10.0).fit(scores / model.score_scale_, y)
    )
    fast = FastLinear.from_fitted(model)
    assert fast is not None
    np.testing.assert_allclose(fast.predict_proba(x), model.predict_proba(x), rtol=0, atol=1e-12)


@pytest.mark.parametrize("classes", [2, 4])
def test_fast_linear_matches_a_logistic_regression(classes: int) -> None:
    x, y = _data(classes)
    model = LogisticRegression(C=2.0, max_iter=500).fit(x, y)
    fast = FastLinear.from_fitted(model)
    assert fast is not None
    np.testing.assert_allclose(fast.predict_proba(x), model.predict_proba(x), rtol=0, atol=1e-12)


def test_fast_linear_declines_classifiers_it_does_not_know() -> None:
    x, y = _data(3)
    assert FastLinear.from_fitted(LinearSVC().fit(x, y)) is None
    assert FastLinear.from_fitted(object()) is None


def test_fast_linear_serves_a_float32_model_as_closely_as_float32_allows() -> None:
    # saga on float32 TF-IDF (an export with text and categories only) keeps float32 weights.
    x, y = _data(3)
    x32 = x.astype(np.float32)
    inner = LogisticRegression(C=1.0, solver="saga", max_iter=500).fit(x32, y)
    assert inner.coef_.dtype == np.float32
    fast = FastLinear.from_fitted(inner)
    assert fast is not None
    np.testing.assert_allclose(fast.predict_proba(x), inner.predict_proba(x32), rtol=0, atol=1e-6)
    scores = inner.decision_function(x32).astype(np.float64)
    model = OutOfFoldCalibrated.from_fitted(inner, scores, y)
    model.calibrator_ = TemperatureCalibrator().fit(scores / model.score_scale_, y)
    fast = FastLinear.from_fitted(model)
    assert fast is not None
    np.testing.assert_allclose(fast.predict_proba(x), model.predict_proba(x32), rtol=0, atol=1e-6)


@pytest.mark.parametrize("classes", [2, 4])
@pytest.mark.parametrize("kind", ["calibrated_svm", "logistic_regression"])
def test_one_row_given_as_entries_gets_the_probabilities_of_its_matrix_row(
    classes: int, kind: str
) -> None:
    x, y = _data(classes)
    model = (
        OutOfFoldCalibrated(LinearSVC(C=0.5), cv=3).fit(x, y)
        if kind == "calibrated_svm"
        else LogisticRegression(C=2.0, max_iter=500).fit(x, y)
    )
    fast = FastLinear.from_fitted(model)
    assert fast is not None
    expected = model.predict_proba(x)
    for row in range(x.shape[0]):
        start, stop = x.indptr[row], x.indptr[row + 1]
        got = fast.proba_row(x.indices[start:stop][::-1], x.data[start:stop][::-1])
        np.testing.assert_allclose(got, expected[row], rtol=0, atol=1e-12)
    assert len(got) == classes
