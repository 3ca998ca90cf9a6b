"""Calibrated probabilities for margin classifiers from out-of-fold scores.

A class-balanced linear classifier ranks well, but its scores are not honest probabilities. A
calibrator fitted on its *out-of-fold* scores turns them into probabilities that reflect the
real class frequencies (so expected costs are honest). Model selection already computes those
out-of-fold scores, so calibration costs no extra fits (`fit_from_oof`).

Two calibrators compete in cross-validation (`choose_calibrator`): temperature scaling
with a bias per class, which keeps the classifier's ranking, and a multinomial logistic
regression on the scores, whose k x k weights can re-rank the classes. On the small real
exports of benchmarks/accuracy.py the full regression re-ranked wrongly and cost 0.02-0.03
macro-F1; on 16k synthetic tickets it gained ~0.015. Neither wins everywhere, so the data decides.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize
from scipy.special import log_expit, log_softmax
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.validation import check_is_fitted


def decision_scores(estimator: Any, x: Any) -> npt.NDArray[np.float64]:
    """Decision scores as a 2-D array (a binary classifier's single column kept as one)."""
    scores = np.asarray(estimator.decision_function(x), dtype=np.float64)
    return scores.reshape(-1, 1) if scores.ndim == 1 else scores


def out_of_fold_scores(  # noqa: PLR0917 - mirrors fit(x, y) plus the fold settings
    estimator: Any,
    x: Any,
    labels: npt.NDArray[Any],
    cv: int,
    random_state: int,
    sample_weight: Any = None,
) -> npt.NDArray[np.float64]:
    """Each row's decision scores from a clone of `estimator` fitted on the other folds.

    Stratified, shuffled folds seeded by `random_state`: the same arguments give the same split.
    """
    folds = StratifiedKFold(cv, shuffle=True, random_state=random_state)
    classes = np.unique(labels)
    oof = np.zeros((len(labels), 1 if len(classes) == 2 else len(classes)))
    for train, test in folds.split(np.zeros(len(labels)), labels):
        weights = None if sample_weight is None else np.asarray(sample_weight)[train]
        model = clone(estimator).fit(x[train], labels[train], sample_weight=weights)
        oof[test] = decision_scores(model, x[test])
    return oof


def logistic_proba(logits: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Probabilities from log-odds with the arithmetic of LogisticRegression.predict_proba.

    Softmax over the columns, or the (1 - p, p) sigmoid pair for a single column; serving's
    fast path uses the same function, so both return the same numbers.
    """
    if logits.shape[1] == 1:
        positive = 1.0 / (1.0 + np.exp(-logits[:, 0]))
        return np.column_stack([1.0 - positive, positive])
    shifted: npt.NDArray[np.float64] = logits - logits.max(axis=1, keepdims=True)
    np.exp(shifted, out=shifted)
    shifted /= shifted.sum(axis=1, keepdims=True)
    return shifted


class TemperatureCalibrator:
    """Probabilities softmax(t * scores + b): one temperature t and one bias per class.

    Shaped like a fitted binary/multinomial LogisticRegression (`coef_` = t * identity,
    `intercept_` = b, `classes_`) so explanations and serving's fast path read it the same way.

    Args:
        bias_penalty: L2 penalty on the biases (keeps them finite when a class is rare).
    """

    def __init__(self, bias_penalty: float = 1e-3) -> None:
        self.bias_penalty = bias_penalty

    def fit(self, scores: npt.ArrayLike, labels: npt.ArrayLike) -> Self:
        """Fit t and b by maximum likelihood on (out-of-fold) scores and their labels.

        Args:
            scores: decision scores, shape (n, k) for k >= 3 classes or (n, 1) for two.
            labels: the true class of each row.
        """
        values = np.asarray(scores, dtype=np.float64)
        values = values.reshape(len(values), -1)
        self.classes_ = np.unique(np.asarray(labels))
        target = np.searchsorted(self.classes_, np.asarray(labels))
        width = values.shape[1]
        binary = width == 1
        if binary != (len(self.classes_) == 2) or (not binary and width != len(self.classes_)):
            raise ValueError(
                f"calibration: {width} score columns do not fit {len(self.classes_)} classes"
            )
        rows = np.arange(len(target))

        def loss(params: npt.NDArray[np.float64]) -> float:
            logits = params[0] * values + params[1:]
            if binary:
                sign = np.where(target == 1, 1.0, -1.0)
                nll = -np.sum(log_expit(sign * logits[:, 0]))
            else:
                nll = -np.sum(log_softmax(logits, axis=1)[rows, target])
            return float(nll + self.bias_penalty * np.sum(params[1:] ** 2))

        start = np.r_[1.0, np.zeros(width)]
        found = minimize(loss, start, method="L-BFGS-B").x
        self.coef_ = found[0] * np.eye(width, dtype=np.float64)
        self.intercept_ = np.asarray(found[1:], dtype=np.float64)
        return self

    def _logits(self, scores: npt.ArrayLike) -> npt.NDArray[np.float64]:
        values = np.asarray(scores, dtype=np.float64).reshape(-1, self.coef_.shape[0])
        return np.asarray(values @ self.coef_.T + self.intercept_, dtype=np.float64)

    def decision_function(self, scores: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Calibrated log-odds (one column for two classes, as LogisticRegression gives)."""
        logits = self._logits(scores)
        return logits[:, 0] if logits.shape[1] == 1 else logits

    def predict_proba(self, scores: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Probability per class, columns in `classes_` order."""
        return logistic_proba(self._logits(scores))


def choose_calibrator(
    scores: npt.NDArray[np.float64], labels: npt.NDArray[Any], random_state: int = 0
) -> Any:
    """The calibrator whose balanced decisions score best in cross-validation, refitted on all.

    Candidates: temperature scaling with biases (keeps the classifier's ranking) and a
    multinomial logistic regression on the scores (can re-rank the classes). The criterion is
    the macro-F1 of the level with the highest probability divided by its share: what the
    product's decision does with these probabilities. Log loss was tried and picked the full
    regression on the real exports too, where its decisions were worse.

    Args:
        scores: (out-of-fold) decision scores, already scaled.
        labels: the true class of each row.
        random_state: seed of the fold split.
    """
    makers: tuple[Callable[[], Any], ...] = (
        TemperatureCalibrator,
        lambda: LogisticRegression(C=10.0, max_iter=1000),
    )
    classes, counts = np.unique(labels, return_counts=True)
    folds = min(3, int(counts.min()))
    if folds < 2:
        return TemperatureCalibrator().fit(scores, labels)
    shares = counts / counts.sum()
    splitter = StratifiedKFold(folds, shuffle=True, random_state=random_state)
    totals = [0.0] * len(makers)
    for train, test in splitter.split(scores, labels):
        for k, make in enumerate(makers):
            proba = make().fit(scores[train], labels[train]).predict_proba(scores[test])
            chosen = classes[np.argmax(proba / shares, axis=1)]
            totals[k] += float(f1_score(labels[test], chosen, average="macro"))
    best = max(range(len(makers)), key=lambda k: (totals[k], -k))  # ties: the simpler one
    return makers[best]().fit(scores, labels)


class OutOfFoldCalibrated(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """A linear classifier whose scores are mapped to probabilities by a fitted calibrator.

    Args:
        estimator: an unfitted classifier with `decision_function` (default LinearSVC).
        cv: folds used to produce out-of-fold scores when `fit` is called directly.
        random_state: seed of the fold split.
    """

    def __init__(self, estimator: Any = None, cv: int = 3, random_state: int = 0) -> None:
        self.estimator = estimator
        self.cv = cv
        self.random_state = random_state

    def _base(self) -> Any:
        if self.estimator is None:
            from sklearn.svm import LinearSVC

            return LinearSVC(class_weight="balanced")
        return clone(self.estimator)

    def fit(self, x: Any, y: Any, sample_weight: Any = None) -> Self:
        """Fit the base on all rows and the calibrator on out-of-fold scores.

        Args:
            x: feature matrix.
            y: labels.
            sample_weight: optional per-row weights passed to both fits.
        """
        labels = np.asarray(y)
        oof = out_of_fold_scores(self._base(), x, labels, self.cv, self.random_state, sample_weight)
        return self.fit_from_oof(x, labels, oof, sample_weight)

    def fit_from_oof(
        self, x: Any, y: Any, oof_scores: npt.ArrayLike, sample_weight: Any = None
    ) -> Self:
        """Fit the base on all rows; fit the calibrator on scores computed out of fold.

        Args:
            x: feature matrix.
            y: labels.
            oof_scores: decision scores of each row from a model that did not see it.
            sample_weight: optional per-row weights for the base fit.
        """
        labels = np.asarray(y)
        self.estimator_ = self._base()
        self.estimator_.fit(x, labels, sample_weight=sample_weight)
        self._fit_calibrator(oof_scores, labels)
        self.classes_ = self.estimator_.classes_
        if not np.array_equal(self.calibrator_.classes_, self.classes_):
            raise ValueError(
                "calibration: the out-of-fold scores cover classes "
                f"{list(self.calibrator_.classes_)} but the data has {list(self.classes_)}"
            )
        if hasattr(self.estimator_, "n_features_in_"):
            self.n_features_in_ = self.estimator_.n_features_in_
        return self

    @classmethod
    def from_fitted(
        cls, estimator: Any, held_out_scores: npt.ArrayLike, y: Any
    ) -> OutOfFoldCalibrated:
        """Wrap an already fitted classifier; calibrate on scores of rows it never saw.

        Used by the out-of-core trainer, which holds a sample of the stream out of training.

        Args:
            estimator: a fitted classifier with `decision_function` and `coef_`.
            held_out_scores: its decision scores on the held-out rows.
            y: the held-out rows' labels.
        """
        wrapper = cls(clone(estimator))
        wrapper.estimator_ = estimator
        labels = np.asarray(y)
        wrapper._fit_calibrator(held_out_scores, labels)
        wrapper.classes_ = estimator.classes_
        if not np.array_equal(wrapper.calibrator_.classes_, wrapper.classes_):
            raise ValueError(
                "calibration: the held-out rows cover classes "
                f"{list(wrapper.calibrator_.classes_)} but the model has {list(wrapper.classes_)}"
            )
        return wrapper

    def _fit_calibrator(self, scores: npt.ArrayLike, labels: npt.NDArray[Any]) -> None:
        values = np.asarray(scores, dtype=np.float64).reshape(len(labels), -1)
        # Margins of weakly regularised models can be in the hundreds; one shared scale keeps
        # the calibrator well conditioned and the composed weights linear.
        self.score_scale_ = max(float(np.std(values)), 1e-12)
        self.calibrator_ = choose_calibrator(values / self.score_scale_, labels, self.random_state)

    def _scores(self, x: Any) -> npt.NDArray[np.float64]:
        return decision_scores(self.estimator_, x) / self.score_scale_

    def decision_function(self, x: Any) -> npt.NDArray[np.float64]:
        """Calibrated log-odds per class (before the softmax)."""
        check_is_fitted(self, "calibrator_")
        logits = self.calibrator_.decision_function(self._scores(x))
        return np.asarray(logits, dtype=np.float64)

    def predict_proba(self, x: Any) -> npt.NDArray[np.float64]:
        """Calibrated probability per class, columns in `classes_` order."""
        check_is_fitted(self, "calibrator_")
        proba = self.calibrator_.predict_proba(self._scores(x))
        return np.asarray(proba, dtype=np.float64)

    def predict(self, x: Any) -> npt.NDArray[Any]:
        """Most probable class per row."""
        return np.asarray(self.classes_[np.argmax(self.predict_proba(x), axis=1)])

    @property
    def effective_coef_(self) -> npt.NDArray[np.float64]:
        """Per-class weights on the input features after calibration (for explanations).

        The calibrator is linear in the base scores, so class k's log-odds are linear in the
        features: weights = calibrator.coef_ @ base.coef_.
        """
        check_is_fitted(self, "calibrator_")
        base = np.atleast_2d(np.asarray(self.estimator_.coef_, dtype=np.float64))
        calib = np.atleast_2d(np.asarray(self.calibrator_.coef_, dtype=np.float64))
        weights = calib @ base / self.score_scale_
        if weights.shape[0] == 1:
            weights = np.vstack([-weights[0] / 2, weights[0] / 2])
        return np.asarray(weights)
