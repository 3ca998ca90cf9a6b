"""Soft voting of two calibrated linear classifiers that read different feature blocks.

Two class-balanced linear models that see the text differently (e.g. word + char n-grams with
customer attributes, and plain char_wb n-grams) make partly independent mistakes; averaging
their calibrated log-odds -- the normalised geometric mean of their probabilities -- can beat
either alone. Each member is calibrated on its own out-of-fold scores, so the vote's
probabilities rest on rows the members did not see. Both members and their calibrators are
linear, so the vote is one linear model over all features: `coef_` and `intercept_` hold the
composed weights, and explanations and serving's fast path read it like a LogisticRegression.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.validation import check_is_fitted

from classifier.calibration import choose_calibrator, logistic_proba, out_of_fold_scores


class LogitVote(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """The mean of two linear members' calibrated log-odds, as one linear classifier.

    Member a reads feature columns [0, split), member b columns [split, n).

    Args:
        estimators: the two unfitted members (each with `decision_function` and `coef_`).
        split: the first feature column of member b (>= 1).
        cv: folds of the out-of-fold scores when `fit` is called directly.
        random_state: seed of the fold split and of the calibrator choice.
    """

    def __init__(
        self, estimators: Sequence[Any] = (), split: int = 0, cv: int = 3, random_state: int = 0
    ) -> None:
        self.estimators = estimators
        self.split = split
        self.cv = cv
        self.random_state = random_state

    def _blocks(self, x: Any) -> tuple[Any, Any]:
        if len(self.estimators) != 2 or not 0 < self.split < x.shape[1]:
            raise ValueError(
                f"LogitVote: needs 2 members and 0 < split < {x.shape[1]} feature columns, "
                f"got {len(self.estimators)} members and split={self.split}"
            )
        return x[:, : self.split], x[:, self.split :]

    def fit(self, x: Any, y: Any, sample_weight: Any = None) -> Self:
        """Fit both members on all rows and their calibrators on out-of-fold scores.

        Args:
            x: feature matrix (CSR or dense), member a's block first.
            y: labels.
            sample_weight: optional per-row weights for the member fits.
        """
        labels = np.asarray(y)
        oof = [
            out_of_fold_scores(member, block, labels, self.cv, self.random_state, sample_weight)
            for member, block in zip(self.estimators, self._blocks(x), strict=True)
        ]
        return self.fit_from_oof(x, labels, oof, sample_weight)

    def fit_from_oof(
        self, x: Any, y: Any, oof_scores: Sequence[npt.ArrayLike], sample_weight: Any = None
    ) -> Self:
        """Fit both members on all rows; calibrate each on its scores computed out of fold.

        Args:
            x: feature matrix, member a's block first.
            y: labels.
            oof_scores: per member, decision scores of each row from a model that did not
                see it (as model selection computes them).
            sample_weight: optional per-row weights for the member fits.
        """
        labels = np.asarray(y)
        fitted = [
            clone(member).fit(block, labels, sample_weight=sample_weight)
            for member, block in zip(self.estimators, self._blocks(x), strict=True)
        ]
        return self._compose(fitted, oof_scores, labels, x.shape[1])

    @classmethod
    def from_fitted(
        cls,
        members: Sequence[Any],
        split: int,
        held_out_scores: Sequence[npt.ArrayLike],
        y: Any,
        random_state: int = 0,
    ) -> LogitVote:
        """Wrap two fitted members; calibrate each on its scores of rows neither saw.

        Args:
            members: the fitted members, a then b.
            split: the first feature column of member b.
            held_out_scores: per member, its decision scores on the held-out rows.
            y: the held-out rows' labels.
            random_state: seed of the calibrator choice.
        """
        vote = cls([clone(m) for m in members], split=split, random_state=random_state)
        width = split + int(members[1].n_features_in_)
        return vote._compose(list(members), held_out_scores, np.asarray(y), width)

    def _compose(
        self,
        fitted: Sequence[Any],
        scores: Sequence[npt.ArrayLike],
        labels: npt.NDArray[Any],
        n_features: int,
    ) -> Self:
        coefs, biases = [], []
        for member, member_scores in zip(fitted, scores, strict=True):
            values = np.asarray(member_scores, dtype=np.float64).reshape(len(labels), -1)
            # One shared scale per member keeps its calibrator well conditioned.
            scale = max(float(np.std(values)), 1e-12)
            calibrator = choose_calibrator(values / scale, labels, self.random_state)
            if not np.array_equal(calibrator.classes_, member.classes_):
                raise ValueError(
                    f"LogitVote: calibration rows cover classes {list(calibrator.classes_)} "
                    f"but a member has {list(member.classes_)}; add examples of every level"
                )
            calib = np.atleast_2d(np.asarray(calibrator.coef_, dtype=np.float64))
            weights = np.atleast_2d(np.asarray(member.coef_, dtype=np.float64))
            coefs.append(calib @ weights / scale)
            intercept = np.atleast_1d(np.asarray(member.intercept_, dtype=np.float64))
            biases.append(calib @ intercept / scale + np.asarray(calibrator.intercept_))
        self.members_ = list(fitted)
        self.classes_ = fitted[0].classes_
        self.coef_ = np.asarray(np.hstack(coefs) / 2.0, dtype=np.float64)
        self.intercept_ = np.asarray((biases[0] + biases[1]) / 2.0, dtype=np.float64)
        self.n_features_in_ = n_features
        return self

    def _logits(self, x: Any) -> npt.NDArray[np.float64]:
        check_is_fitted(self, "coef_")
        scores = x @ self.coef_.T
        dense = scores.toarray() if hasattr(scores, "toarray") else scores
        return np.asarray(dense, dtype=np.float64) + self.intercept_

    def decision_function(self, x: Any) -> npt.NDArray[np.float64]:
        """Averaged calibrated log-odds (one column for two classes, as LogisticRegression)."""
        logits = self._logits(x)
        return logits[:, 0] if logits.shape[1] == 1 else logits

    def predict_proba(self, x: Any) -> npt.NDArray[np.float64]:
        """Probability per class (the normalised geometric mean of the members')."""
        return logistic_proba(self._logits(x))

    def predict(self, x: Any) -> npt.NDArray[Any]:
        """Most probable class per row."""
        return np.asarray(self.classes_[np.argmax(self.predict_proba(x), axis=1)])
