"""Out-of-core training for exports too large to vectorise at once (a million tickets).

Features are hashed (no vocabulary to hold), category and number steps are fitted on the first
chunk, and a class-balanced logistic SGD learns chunk by chunk with `partial_fit`, so memory
is bounded by the chunk size, not the export. A small share of every chunk is held out and
used at the end to calibrate the probabilities.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from classifier.calibration import OutOfFoldCalibrated, decision_scores
from classifier.costs import CostMatrix
from classifier.errors import InvalidTicket
from classifier.features import (
    FeatureSpec,
    coerce_frame,
    text_column,
)
from classifier.levels import PriorityScale
from classifier.model import PriorityModel
from training.feature_steps import attribute_steps
from training.pipeline import TrainResult, choose_prior_exponent

Progress = Callable[[str, float], None]
Chunk = tuple[pd.DataFrame, Sequence[str]]

# Rows per partial_fit. A chunk's hashed matrix is copied while its column blocks are stacked
# and again as float64 for the SGD: training on 1M synthetic tickets peaked at 2.17 GB RSS
# with 50k-row chunks and 1.72 GB with 20k, at the same speed.
CHUNK_ROWS = 20_000
WORD_HASH_FEATURES = 2**19
CHAR_HASH_FEATURES = 2**19
HOLDOUT_SHARE = 0.02
SGD_ALPHA = 2e-7


def build_hashing_features(spec: FeatureSpec) -> ColumnTransformer:
    """Stateless text features (hashed word 1-2 grams and char_wb 3-5 grams) plus attributes."""
    parts: list[tuple[str, Any, Any]] = []
    for column in spec.text_columns:
        parts.append((f"word:{column}", Pipeline([
            ("clean", FunctionTransformer(text_column)),
            ("hash", HashingVectorizer(ngram_range=(1, 2), n_features=WORD_HASH_FEATURES,
                                       alternate_sign=False, dtype=np.float32)),
        ]), column))  # fmt: skip
        parts.append((f"hash:{column}", Pipeline([
            ("clean", FunctionTransformer(text_column)),
            ("hash", HashingVectorizer(analyzer="char_wb", ngram_range=(3, 5),
                                       strip_accents="unicode", n_features=CHAR_HASH_FEATURES,
                                       alternate_sign=False, dtype=np.float32)),
        ]), column))  # fmt: skip
    parts.extend(attribute_steps(spec))
    return ColumnTransformer(parts, sparse_threshold=1.0)


def iter_frame_chunks(
    frame: pd.DataFrame,
    labels: Sequence[str],
    chunk_rows: int = CHUNK_ROWS,
    random_state: int = 0,
) -> Iterator[Chunk]:
    """Shuffled chunks of an in-memory frame (SGD needs rows in random order)."""
    order = np.random.default_rng(random_state).permutation(len(frame))
    y = np.asarray(labels, dtype=object)
    for start in range(0, len(order), chunk_rows):
        index = order[start : start + chunk_rows]
        yield frame.iloc[index], y[index].tolist()


def train_frame_out_of_core(
    frame: pd.DataFrame,
    labels: Sequence[str],
    spec: FeatureSpec,
    scale: PriorityScale,
    *,
    costs: CostMatrix | None = None,
    sample_weight: Sequence[float] | None = None,
    random_state: int = 0,
    progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> TrainResult:
    """Out-of-core training on a frame that is already in memory (large exports).

    Args: as `train_model_chunks`; `sample_weight` is not supported here and is rejected.
    """
    if sample_weight is not None:
        raise InvalidTicket(
            "sample_weight", "the out-of-core trainer does not take row weights; drop them"
        )
    return train_model_chunks(
        iter_frame_chunks(frame, labels, chunk_rows, random_state),
        spec, scale, costs=costs, random_state=random_state, progress=progress,
        total_rows=len(frame),
    )  # fmt: skip


def train_model_chunks(
    chunks: Iterable[Chunk],
    spec: FeatureSpec,
    scale: PriorityScale,
    *,
    costs: CostMatrix | None = None,
    random_state: int = 0,
    progress: Progress | None = None,
    total_rows: int | None = None,
    holdout_share: float = HOLDOUT_SHARE,
) -> TrainResult:
    """Train with bounded memory from an iterable of (frame, labels) chunks.

    Rows should arrive in random order (shuffle the export, or use `iter_frame_chunks`).

    Args:
        chunks: (frame, labels) pairs; each frame has the spec's columns (missing -> missing).
        spec: the input columns.
        scale: the priority levels; labels are parsed onto it.
        costs: cost matrix for the suggestion.
        random_state: seed of the SGD and the hold-out sample.
        progress: callback(stage, fraction) (fraction needs `total_rows`).
        total_rows: expected row count, for progress only.
        holdout_share: share of each chunk held out to calibrate probabilities.
    """
    report = progress or (lambda _stage, _fraction: None)
    rng = np.random.default_rng(random_state)
    levels = np.asarray(scale.levels, dtype=object)
    held_frames: list[pd.DataFrame] = []
    held_labels: list[npt.NDArray[Any]] = []
    seen = 0
    counts: dict[str, int] = {}
    started = time.perf_counter()
    stream = iter(chunks)
    first = next(stream, None)
    if first is None:
        raise InvalidTicket("data", "no rows to train on")
    features: ColumnTransformer | None = None
    classifier: SGDClassifier | None = None
    for frame, labels in _chain(first, stream):
        y = np.asarray([scale.parse(str(label)) for label in labels], dtype=object)
        for level in y.tolist():
            counts[level] = counts.get(level, 0) + 1
        clean = coerce_frame(frame, spec)
        hold = rng.random(len(y)) < holdout_share
        held_frames.append(clean[hold])
        held_labels.append(y[hold])
        clean, y = clean[~hold], y[~hold]
        if features is None or classifier is None:
            features = build_hashing_features(spec).fit(clean)
            classifier = SGDClassifier(
                loss="log_loss", alpha=SGD_ALPHA, class_weight=_balanced(y, levels),
                random_state=random_state, average=True,
            )  # fmt: skip
        classifier.partial_fit(features.transform(clean), y, classes=levels)
        seen += len(frame)
        fraction = min(seen / total_rows, 1.0) if total_rows else 0.0
        report(f"learned {seen:,} rows in {time.perf_counter() - started:.0f}s", 0.95 * fraction)
    if features is None or classifier is None:
        raise InvalidTicket("data", "no rows to train on")
    calibrated, held_proba, held_y = _calibrate(features, classifier, held_frames, held_labels)
    pipeline = Pipeline([("features", features), ("classifier", calibrated)])
    shares = [float(counts.get(level, 0)) / max(seen, 1) for level in scale.levels]
    model = PriorityModel(pipeline, scale, spec, costs, level_prior=shares)
    if held_proba is not None:
        choose_prior_exponent(model, held_proba, held_y, shares)
    report("done", 1.0)
    params = {
        "estimator": "sgd_log_loss_out_of_core", "alpha": SGD_ALPHA,
        "word_hash_features": WORD_HASH_FEATURES, "char_hash_features": CHAR_HASH_FEATURES,
        "holdout_share": holdout_share, "rows": seen,
    }  # fmt: skip
    return TrainResult(model, params, [], out_of_core=True)


def _chain(first: Chunk, rest: Iterator[Chunk]) -> Iterator[Chunk]:
    yield first
    yield from rest


def _balanced(y: npt.NDArray[Any], levels: npt.NDArray[Any]) -> dict[str, float]:
    """sklearn's "balanced" weights estimated from the first chunk (unseen levels get 1)."""
    counts = {level: int(np.sum(y == level)) for level in levels}
    present = [level for level in levels if counts[level] > 0]
    return {
        str(level): (len(y) / (len(present) * counts[level]) if counts[level] else 1.0)
        for level in levels
    }


def _calibrate(
    features: ColumnTransformer,
    classifier: SGDClassifier,
    frames: list[pd.DataFrame],
    labels: list[npt.NDArray[Any]],
) -> tuple[Any, Any, npt.NDArray[Any]]:
    """The calibrated classifier, its probabilities on the held-out rows and their labels."""
    held = pd.concat(frames) if frames else None
    y = np.concatenate(labels) if labels else np.asarray([])
    trained = set(np.asarray(classifier.classes_).tolist())
    if held is None or len(held) == 0 or set(y.tolist()) != trained:
        # Too few held-out rows to cover every level: keep the SGD's own probabilities.
        return classifier, None, y
    scores = decision_scores(classifier, features.transform(held))
    calibrated = OutOfFoldCalibrated.from_fitted(classifier, scores, y)
    proba = calibrated.calibrator_.predict_proba(scores / calibrated.score_scale_)
    return calibrated, proba, y
