"""Calibrated probabilities for margin classifiers from out-of-fold scores.

A class-balanced linear SVM ranks well but has no probabilities. A small multinomial logistic
regression fitted on its *out-of-fold* scores turns them into probabilities that reflect the
real class frequencies (so expected costs are honest). Model selection already computes those
out-of-fold scores, so calibration costs no extra fits (`fit_from_oof`).
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.validation import check_is_fitted


def decision_scores(estimator: Any, x: Any) -> npt.NDArray[np.float64]:
    """Decision scores as a 2-D array (a binary classifier's single column kept as one)."""
    scores = np.asarray(estimator.decision_function(x), dtype=np.float64)
    return scores.reshape(-1, 1) if scores.ndim == 1 else scores


class OutOfFoldCalibrated(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """A linear classifier whose scores are mapped to probabilities by a multinomial LR.

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
        classes = np.unique(labels)
        folds = StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state)
        width = 1 if len(classes) == 2 else len(classes)
        oof = np.zeros((len(labels), width))
        for train, test in folds.split(np.zeros(len(labels)), labels):
            model = self._base()
            weights = None if sample_weight is None else np.asarray(sample_weight)[train]
            model.fit(x[train], labels[train], sample_weight=weights)
            oof[test] = decision_scores(model, x[test])
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
        self.calibrator_ = LogisticRegression(C=10.0, max_iter=1000)
        self.calibrator_.fit(values / self.score_scale_, labels)

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
