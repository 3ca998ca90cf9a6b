"""Whether a soft vote with a second view of the text beats the selected single model.

Model selection (`training/pipeline.py`) first picks the best single candidate on our features
by CV macro-F1. This module then asks one more question on the same folds: does averaging that
winner with a class-balanced logistic regression on plain char_wb 2-5 n-grams (the baseline's
view of the text: no max_df, no accent folding, no attributes) decide better? Both answers are
scored the way the product decides -- calibrated out-of-fold probabilities, the level with the
highest probability divided by its share -- so the vote is chosen only when the data says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.metrics import f1_score

from classifier.calibration import choose_calibrator, logistic_proba

PARTNER_PARAMS: dict[str, Any] = {"C": 4.0, "solver": "lbfgs", "max_iter": 1000, "tol": 1e-4}
"""The second member: the baseline's estimator (class-balanced logistic regression, C=4).

On the 5-language export of benchmarks/accuracy.py this member alone decided ~0.02 macro-F1
worse than our single model, but the vote of both ~0.02 better; saga with 100 iterations
instead of lbfgs lost ~0.007 of that."""


def oof_vote_proba(
    oof_scores: Sequence[npt.ArrayLike], labels: npt.NDArray[Any], random_state: int = 0
) -> npt.NDArray[np.float64]:
    """Calibrated out-of-fold probabilities of the mean of calibrated log-odds of members.

    With one member these are that member's calibrated probabilities; with two, those of the
    `classifier.voting.LogitVote` fitted on the same scores (its calibrators are the same).

    Args:
        oof_scores: per member, decision scores of each row from a model that did not see it.
        labels: each row's true class.
        random_state: seed of the calibrator choice.

    Returns:
        Probabilities (n_rows, n_classes), columns in sorted class order.
    """
    total: npt.NDArray[np.float64] | None = None
    for scores in oof_scores:
        values = np.asarray(scores, dtype=np.float64).reshape(len(labels), -1)
        scaled = values / max(float(np.std(values)), 1e-12)
        calibrator = choose_calibrator(scaled, labels, random_state)
        logits = np.asarray(calibrator.decision_function(scaled), dtype=np.float64)
        logits = logits.reshape(len(labels), -1)
        total = logits if total is None else total + logits
    if total is None:
        raise ValueError("oof_vote_proba: give the out-of-fold scores of at least one member")
    return logistic_proba(total / len(oof_scores))


def decision_f1(
    proba: npt.NDArray[np.float64],
    labels: npt.NDArray[Any],
    folds: Sequence[tuple[npt.NDArray[np.int64], ...]],
) -> list[float]:
    """Per fold, the macro-F1 of the balanced decision on out-of-fold probabilities.

    The balanced decision picks the level whose probability divided by its share is highest
    (what `PriorityModel.decide` does with 0/1 costs and the prior divided out).

    Args:
        proba: out-of-fold probabilities, columns in sorted class order.
        labels: each row's true class.
        folds: (train, test) row indices; each test part is scored separately.
    """
    classes, counts = np.unique(labels, return_counts=True)
    chosen = classes[np.argmax(proba / (counts / counts.sum()), axis=1)]
    return [float(f1_score(labels[test], chosen[test], average="macro")) for _train, test in folds]


def vote_wins(single: Sequence[float], vote: Sequence[float]) -> bool:
    """The one-standard-error rule: the vote only if its paired gain exceeds its standard error.

    The vote is the more complex model, and on a few thousand tickets the per-fold scores of
    either differ by a few points by chance alone; a mean gain smaller than the standard error
    of the per-fold gains is not evidence. Measured on benchmarks/accuracy.py: choosing the
    vote whenever its mean was higher took it on exports where it then lost (train on the
    5-language file, test on en-de: 0.347 instead of 0.417 macro-F1).

    Args:
        single: per-fold decision macro-F1 of the selected single model.
        vote: per-fold decision macro-F1 of the vote, on the same folds.
    """
    gains = np.asarray(vote, dtype=np.float64) - np.asarray(single, dtype=np.float64)
    if len(gains) < 2:  # a standard error needs two folds
        return False
    return bool(gains.mean() > gains.std(ddof=1) / np.sqrt(len(gains)))
