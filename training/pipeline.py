"""The candidate family, selection by cross-validation, calibration: features -> PriorityModel.

The feature step (`training/feature_steps.py`) is fitted once; the candidates (class-balanced
logistic regressions with a few C values and a linear SVM) are compared by stratified CV
macro-F1 on those features. On the same folds the winner then competes with a soft vote of
itself and a logistic regression on plain char_wb n-grams (`training/voting.py`); the choice is
refitted on all rows with probabilities calibrated on out-of-fold scores.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from classifier.calibration import OutOfFoldCalibrated, TemperatureCalibrator, decision_scores
from classifier.costs import CostMatrix
from classifier.errors import InvalidTicket
from classifier.features import (
    FeatureSpec,
    coerce_frame,
)
from classifier.levels import PriorityScale
from classifier.model import PriorityModel
from classifier.voting import LogitVote
from training.feature_steps import (
    CHAR_MAX_FEATURES,
    WORD_MAX_FEATURES,
    build_features,
    char_view_vectorizer,
    text_step,
)
from training.voting import PARTNER_PARAMS, decision_f1, oof_vote_proba, vote_wins

Progress = Callable[[str, float], None]

OUT_OF_CORE_THRESHOLD = 300_000
"""Rows above which `train_model` switches to hashing features and incremental learning."""

SELECTION_ROWS = 6_000
"""Candidates are compared by CV on a stratified sample of at most this many rows.

The ranking of a few regularisation settings is stable at this size, and it keeps selection
time constant: 100k rows would otherwise cost a dozen full-size fits. Larger training sets
then fit the winner once on all rows but a held-out calibration part (`CALIBRATION_ROWS`),
with an iteration budget that shrinks as rows grow (the same number of update steps that
selection validated, spread over more data; more data per pass needs fewer passes)."""
CALIBRATION_ROWS = 10_000
PRIOR_EXPONENTS = (0.0, 0.5, 1.0)

SMALL_DATA_ROWS = 5_000
"""Below this many training rows an n-gram seen in one ticket is kept (min_df 1), else 2.

Small exports have few repeats, so min_df 2 drops much of their signal (benchmarks/accuracy.py:
+0.01 macro-F1 on the 1-2k row files); on large ones it only trims noise and memory."""

# Measured on 20k synthetic tickets (newest 20% held out): logistic regression beat the linear
# SVMs by ~0.05 macro-F1, C=4 overfitted names and numbers in the text (tests/model's invariance
# checks) and took 3x longer to fit, and SVMs with C >= 0.5 converge slowly without gaining.
# One cheap SVM stays for exports where a hinge loss does better.
CANDIDATES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("linear_svm", {"C": 0.1}),
    ("logreg", {"C": 0.5}),
    ("logreg", {"C": 1.0}),
    ("logreg", {"C": 2.0}),
)


@dataclass
class TrainResult:
    """What `train_model` produced.

    Attributes:
        model: the fitted, calibrated model.
        params: the winning estimator's name and settings plus feature settings.
        candidates: one dict per candidate: name, params, cv_macro_f1_mean, cv_macro_f1_std,
            fit_seconds.
        out_of_core: whether the hashing + partial_fit path was used.
    """

    model: PriorityModel
    params: dict[str, Any]
    candidates: list[dict[str, Any]] = field(default_factory=list)
    out_of_core: bool = False


def make_estimator(estimator: str = "linear_svm", **params: Any) -> Any:
    """An unfitted class-balanced linear classifier by family name.

    Args:
        estimator: "linear_svm", "logreg" or "sgd".
        **params: overrides of the estimator's parameters (e.g. C=0.1).
    """
    if estimator == "linear_svm":
        return LinearSVC(**({"class_weight": "balanced", "C": 0.15} | params))
    if estimator == "logreg":
        defaults = {"class_weight": "balanced", "C": 1.0, "solver": "saga", "max_iter": 100,
                    "tol": 1e-3}  # fmt: skip
        return LogisticRegression(**(defaults | params))
    if estimator == "sgd":
        defaults = {"loss": "log_loss", "alpha": 1e-6, "class_weight": "balanced"}
        return SGDClassifier(**(defaults | params))
    raise InvalidTicket(
        "estimator", f"unknown estimator {estimator!r}; use linear_svm, logreg or sgd"
    )


def build_pipeline(spec: FeatureSpec, estimator: str = "logreg", **params: Any) -> Pipeline:
    """One unfitted Pipeline (steps "features", "classifier") for training and serving.

    Args:
        spec: the input columns.
        estimator: "logreg", "linear_svm" (calibrated on out-of-fold scores) or "sgd".
        **params: estimator parameters (e.g. C=1.0).
    """
    classifier = make_estimator(estimator, **params)
    if estimator == "linear_svm":
        classifier = OutOfFoldCalibrated(classifier, cv=3)
    return Pipeline([("features", build_features(spec)), ("classifier", classifier)])


def train_model(
    frame: pd.DataFrame,
    labels: Sequence[str],
    spec: FeatureSpec,
    scale: PriorityScale,
    *,
    costs: CostMatrix | None = None,
    cv: int = 3,
    sample_weight: Sequence[float] | None = None,
    random_state: int = 0,
    progress: Progress | None = None,
) -> TrainResult:
    """Select, fit and calibrate a model on a training frame.

    Above `OUT_OF_CORE_THRESHOLD` rows this delegates to the out-of-core trainer.

    Args:
        frame: training rows; spec columns it lacks are treated as missing values.
        labels: one level name (or alias) per row.
        spec: the input columns.
        scale: the priority levels; labels are parsed onto it.
        costs: cost matrix for the suggestion (default: too low costs 2x too high).
        cv: folds for candidate selection (>= 2).
        sample_weight: optional per-row weights.
        random_state: seed for fold splits and estimators.
        progress: callback(stage description, fraction done in [0, 1]).

    Raises:
        InvalidTicket: too few rows, a single level, or labels that do not match.
    """
    report = progress or (lambda _stage, _fraction: None)
    y = _parse_labels(labels, scale, len(frame))
    if len(frame) > OUT_OF_CORE_THRESHOLD:
        from training.outofcore import train_frame_out_of_core

        return train_frame_out_of_core(
            frame, y.tolist(), spec, scale, costs=costs, sample_weight=sample_weight,
            random_state=random_state, progress=report,
        )  # fmt: skip
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    _folds(y, cv)  # label checks before the expensive part
    report("building features", 0.0)
    clean = coerce_frame(frame, spec)
    min_df = 1 if len(frame) < SMALL_DATA_ROWS else 2
    features = build_features(spec, min_df=min_df)
    full_matrix = features.fit_transform(clean).tocsr()
    full_y, full_weights = y, weights
    select = _selection_rows(full_y, random_state)
    matrix, y = full_matrix[select], full_y[select]
    weights = None if full_weights is None else full_weights[select]
    folds = _folds(y, cv)
    candidates, oof_by_candidate = _compare_candidates(
        matrix, y, folds, weights, random_state, report
    )
    best = int(np.argmax([c["cv_macro_f1_mean"] for c in candidates]))
    family, params = CANDIDATES[best]
    report("cross-validating a vote with the char view", 0.8)
    text = clean.iloc[select][list(spec.text_columns)]
    vote = _vote_stage(text, y, folds, weights, oof_by_candidate[best], min_df, random_state)
    candidates.append(vote.candidate)
    if vote.chosen:
        features = build_features(spec, min_df=min_df, char_view=True)
        full_matrix = features.fit_transform(clean).tocsr()
    report(f"fitting {vote.name if vote.chosen else family} on all rows", 0.85)
    winner = make_estimator(family, random_state=random_state, **params)
    classifier, unseen, unseen_y, calibration = _fit_final(
        winner, vote, features, full_matrix, full_y, full_weights, select, folds,
        oof_by_candidate[best], random_state,
    )  # fmt: skip
    pipeline = Pipeline([("features", features), ("classifier", classifier)])
    model = PriorityModel(
        pipeline, scale, spec, costs,
        metrics={"cv_macro_f1": candidates[best]["cv_macro_f1_mean"],
                 "cv_macro_f1_std": candidates[best]["cv_macro_f1_std"]},
    )  # fmt: skip
    exponent = choose_prior_exponent(model, unseen, unseen_y, level_shares(full_y, scale))
    report("done", 1.0)
    chosen = {
        "estimator": "logit_vote" if vote.chosen else family,
        **params,
        "vote_members": f"{family} + logreg on char_view" if vote.chosen else "",
        "single_decision_f1": vote.single_f1,
        "vote_decision_f1": vote.candidate["cv_macro_f1_mean"],
        "cv_folds": len(folds),
        "word_max_features": WORD_MAX_FEATURES,
        "char_max_features": CHAR_MAX_FEATURES,
        "min_df": min_df,
        "n_features": int(full_matrix.shape[1]),
        "calibration": f"{calibration}_{_calibrator_kind(classifier)}",
        "selection_rows": len(select),
        "decision_prior_exponent": exponent,
    }
    return TrainResult(model, chosen, candidates, out_of_core=False)


def _fit_final(  # noqa: PLR0917 - private helper, all arguments required
    winner: Any,
    vote: _Vote,
    features: ColumnTransformer,
    full_matrix: Any,
    full_y: npt.NDArray[Any],
    full_weights: npt.NDArray[np.float64] | None,
    select: npt.NDArray[np.int64],
    folds: Sequence[tuple[npt.NDArray[np.int64], ...]],
    winner_oof: npt.NDArray[np.float64],
    random_state: int,
) -> tuple[OutOfFoldCalibrated | LogitVote, Any, npt.NDArray[Any], str]:
    """Fit the chosen model on all rows; its probabilities and labels of rows it did not see.

    Returns:
        (classifier, unseen probabilities, their labels, "oof" or "holdout" calibration).
    """
    matrix, y = full_matrix[select], full_y[select]
    weights = None if full_weights is None else full_weights[select]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if len(select) == len(full_y) and vote.chosen:
            classifier: OutOfFoldCalibrated | LogitVote = LogitVote(
                [winner, vote.partner], split=_view_start(features), cv=len(folds),
                random_state=random_state,
            ).fit_from_oof(matrix, y, [winner_oof, vote.oof], weights)  # fmt: skip
            return classifier, vote.proba, y, "oof"
        if len(select) == len(full_y):
            classifier = OutOfFoldCalibrated(winner, cv=len(folds)).fit_from_oof(
                matrix, y, winner_oof, weights
            )
            unseen = classifier.calibrator_.predict_proba(winner_oof / classifier.score_scale_)
            # out-of-fold scores: the calibrator's few parameters barely fit them
            return classifier, unseen, y, "oof"
        fit_rows = len(y) * (len(folds) - 1) / len(folds)
        members = [winner, vote.partner] if vote.chosen else [winner]
        split = _view_start(features) if vote.chosen else None
        classifier, held = _fit_large(
            members, split, full_matrix, full_y, full_weights, fit_rows, random_state
        )
        return classifier, classifier.predict_proba(full_matrix[held]), full_y[held], "holdout"


def _compare_candidates(  # noqa: PLR0917 - private helper, all arguments required
    matrix: Any,
    y: npt.NDArray[Any],
    folds: Sequence[tuple[npt.NDArray[np.int64], ...]],
    weights: npt.NDArray[np.float64] | None,
    random_state: int,
    report: Progress,
) -> tuple[list[dict[str, Any]], list[npt.NDArray[np.float64]]]:
    """CV macro-F1 and out-of-fold scores of every candidate in `CANDIDATES`."""
    candidates: list[dict[str, Any]] = []
    oof_by_candidate: list[npt.NDArray[np.float64]] = []
    for number, (family, params) in enumerate(CANDIDATES):
        report(f"cross-validating {family} {params}", 0.2 + 0.6 * number / len(CANDIDATES))
        started = time.perf_counter()
        estimator = make_estimator(family, random_state=random_state, **params)
        scores, oof = _cross_validate(estimator, matrix, y, folds, weights, random_state)
        candidates.append({
            "name": family, "params": dict(params),
            "cv_macro_f1_mean": float(np.mean(scores)), "cv_macro_f1_std": float(np.std(scores)),
            "fit_seconds": round(time.perf_counter() - started, 2),
        })  # fmt: skip
        oof_by_candidate.append(oof)
    return candidates, oof_by_candidate


def _calibrator_kind(classifier: OutOfFoldCalibrated | LogitVote) -> str:
    if isinstance(classifier, LogitVote):
        return "per_member_vote"
    calibrator = classifier.calibrator_
    return (
        "temperature" if isinstance(calibrator, TemperatureCalibrator) else "multinomial_logistic"
    )


@dataclass
class _Vote:
    """The outcome of the vote stage: whether the vote won, and what refitting it needs."""

    chosen: bool
    name: str
    partner: Any
    oof: npt.NDArray[np.float64]
    proba: npt.NDArray[np.float64]
    single_f1: float
    candidate: dict[str, Any]


def _vote_stage(  # noqa: PLR0917 - private helper, all arguments required
    text: pd.DataFrame,
    y: npt.NDArray[Any],
    folds: Sequence[tuple[npt.NDArray[np.int64], ...]],
    weights: npt.NDArray[np.float64] | None,
    winner_oof: npt.NDArray[np.float64],
    min_df: int,
    random_state: int,
) -> _Vote:
    """Score the winner and its vote with the char view by the balanced decision, same folds.

    The char view's vocabulary is learnt from the selection rows only (no labels involved);
    the vote is chosen only if its decisions beat the winner's alone by more than the noise
    of the folds (`vote_wins`).
    """
    started = time.perf_counter()
    view = text_step(char_view_vectorizer(min_df)).fit_transform(text)
    partner = make_estimator("logreg", random_state=random_state, **PARTNER_PARAMS)
    _, partner_oof = _cross_validate(partner, view, y, folds, weights, random_state)
    single = decision_f1(oof_vote_proba([winner_oof], y, random_state), y, folds)
    proba = oof_vote_proba([winner_oof, partner_oof], y, random_state)
    vote = decision_f1(proba, y, folds)
    name = "logit_vote"
    candidate = {
        "name": name, "params": {"partner": "logreg on char_view", **PARTNER_PARAMS},
        "cv_macro_f1_mean": float(np.mean(vote)), "cv_macro_f1_std": float(np.std(vote)),
        "criterion": "balanced decision on calibrated out-of-fold probabilities, chosen if "
                     "its paired gain over the single winner exceeds one standard error",
        "single_decision_f1": float(np.mean(single)),
        "fold_gains": [round(v - s, 4) for v, s in zip(vote, single, strict=True)],
        "fit_seconds": round(time.perf_counter() - started, 2),
    }  # fmt: skip
    return _Vote(vote_wins(single, vote), name, partner, partner_oof, proba,
                 float(np.mean(single)), candidate)  # fmt: skip


def _view_start(features: ColumnTransformer) -> int:
    """The first column of the char view (the last block of a vote's feature step)."""
    return int(features.output_indices_["char:view"].start)


def _selection_rows(y: npt.NDArray[Any], random_state: int) -> npt.NDArray[np.int64]:
    """Row indices candidates are compared on: all rows, or a stratified sample."""
    rows = np.arange(len(y))
    if len(y) <= SELECTION_ROWS:
        return rows
    chosen, _ = train_test_split(
        rows, train_size=SELECTION_ROWS, stratify=y, random_state=random_state
    )
    return np.sort(np.asarray(chosen, dtype=np.int64))


def _fit_large(  # noqa: PLR0917 - private helper, all arguments required
    members: Sequence[Any],
    split: int | None,
    matrix: Any,
    y: npt.NDArray[Any],
    weights: npt.NDArray[np.float64] | None,
    validated_rows: float,
    random_state: int,
) -> tuple[OutOfFoldCalibrated | LogitVote, npt.NDArray[np.int64]]:
    """Fit the winner (or both vote members) on all rows but a held-out part; calibrate on it."""
    rows = np.arange(len(y))
    held = min(CALIBRATION_ROWS, len(y) // 5)
    fit, cal = train_test_split(rows, test_size=held, stratify=y, random_state=random_state)
    blocks = [matrix] if split is None else [matrix[:, :split], matrix[:, split:]]
    scores = []
    for estimator, block in zip(members, blocks, strict=True):
        base_iter = int(estimator.get_params()["max_iter"])
        budget = max(base_iter // 10, round(base_iter * validated_rows / len(fit)))
        estimator.set_params(max_iter=min(base_iter, budget))
        estimator.fit(block[fit], y[fit], sample_weight=None if weights is None else weights[fit])
        if set(y[cal].tolist()) != set(estimator.classes_.tolist()):
            raise InvalidTicket("labels", "a level is too rare to calibrate; add examples of it")
        scores.append(decision_scores(estimator, block[cal]))
    if split is None:
        return OutOfFoldCalibrated.from_fitted(members[0], scores[0], y[cal]), cal
    return LogitVote.from_fitted(members, split, scores, y[cal], random_state), cal


def choose_prior_exponent(
    model: PriorityModel, unseen_proba: Any, unseen_y: npt.NDArray[Any], shares: Sequence[float]
) -> float:
    """Pick how strongly the decision divides out the training prior; sets model.level_prior.

    The suggestion weighs level k by 1 / share_k ** a before applying the costs. a = 0 trusts
    the calibrated probabilities as they are (best when they are sharp), a = 1 treats every
    level as equally likely (best when labels are noisy and probabilities flat, where rare
    levels would otherwise never be suggested). `a` is chosen from PRIOR_EXPONENTS by the
    macro-F1 of the cost-aware decision on rows the classifier did not see.

    Returns:
        The chosen exponent.
    """
    proba = model._to_scale_order(np.asarray(unseen_proba, dtype=np.float64))
    truth = np.asarray(unseen_y, dtype=object)
    prior = np.asarray(shares, dtype=np.float64)
    best_score, best_exponent = -1.0, 0.0
    for exponent in PRIOR_EXPONENTS:
        model.level_prior = tuple((prior**exponent / np.sum(prior**exponent)).tolist())
        chosen = np.asarray(model.levels, dtype=object)[model.decide(proba)]
        score = float(f1_score(truth, chosen, average="macro"))
        if score > best_score + 1e-9:
            best_score, best_exponent = score, exponent
    model.level_prior = tuple((prior**best_exponent / np.sum(prior**best_exponent)).tolist())
    return best_exponent


def level_shares(y: npt.ArrayLike, scale: PriorityScale) -> list[float]:
    """Share of each level (scale order) among training labels, for the balanced decision."""
    values = np.asarray(y, dtype=object)
    total = max(len(values), 1)
    return [float(np.sum(values == level)) / total for level in scale.levels]


def _parse_labels(labels: Sequence[str], scale: PriorityScale, rows: int) -> npt.NDArray[Any]:
    if len(labels) != rows:
        raise InvalidTicket("labels", f"got {len(labels)} labels for {rows} rows")
    y = np.asarray([scale.parse(str(label)) for label in labels], dtype=object)
    present = set(y.tolist())
    if len(present) < 2:
        raise InvalidTicket(
            "labels", f"training needs at least 2 levels, found only {sorted(present)}"
        )
    return y


def _folds(y: npt.NDArray[Any], cv: int) -> list[tuple[npt.NDArray[np.int64], ...]]:
    if cv < 2:
        raise InvalidTicket("cv", f"cross-validation needs at least 2 folds, got {cv}")
    _, counts = np.unique(y, return_counts=True)
    folds = min(cv, int(counts.min()))
    if folds < 2:
        rare = [str(v) for v, c in zip(*np.unique(y, return_counts=True), strict=True) if c < 2]
        raise InvalidTicket(
            "labels", f"levels {rare} have fewer than 2 rows; add examples or drop the level"
        )
    splitter = StratifiedKFold(folds, shuffle=True, random_state=0)
    return [tuple(split) for split in splitter.split(np.zeros(len(y)), y)]


def _cross_validate(  # noqa: PLR0917 - private helper, all arguments required
    estimator: Any,
    matrix: Any,
    y: npt.NDArray[Any],
    folds: Sequence[tuple[npt.NDArray[np.int64], ...]],
    weights: npt.NDArray[np.float64] | None,
    random_state: int,
) -> tuple[list[float], npt.NDArray[np.float64]]:
    classes = np.unique(y)
    oof = np.zeros((len(y), 1 if len(classes) == 2 else len(classes)))
    scores = []
    for train, test in folds:
        model = clone(estimator)
        fit_weights = None if weights is None else weights[train]
        with warnings.catch_warnings():
            # The iteration cap is deliberate: stopping early regularises (see CANDIDATES).
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(matrix[train], y[train], sample_weight=fit_weights)
        oof[test] = decision_scores(model, matrix[test])
        scores.append(float(f1_score(y[test], model.predict(matrix[test]), average="macro")))
    return scores, oof
