"""The model wrapper serving and evaluation call: probabilities, cost-aware levels, reasons.

A saved model is a directory with `model.joblib` (the fitted sklearn Pipeline) and
`model.json` (everything needed to trust and use it: levels, feature spec, costs, versions,
metrics and the SHA-256 of the joblib). Loading a joblib runs code, so `load` verifies the
hash against the sidecar (and the caller's expected hash) before unpickling anything.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import numpy.typing as npt
import pandas as pd
import sklearn
from sklearn.pipeline import Pipeline

from classifier.costs import CostMatrix, least_cost_level, least_cost_levels
from classifier.decision import ModelOutput
from classifier.errors import ModelIntegrityError
from classifier.explain import (
    FeatureNames,
    centred_weights,
    feature_names,
    row_reasons,
    top_reasons,
)
from classifier.fastpath import FastFeatures, FastLinear
from classifier.features import FeatureSpec, to_frame
from classifier.levels import PriorityScale

MODEL_FILE = "model.joblib"
SIDECAR_FILE = "model.json"
FORMAT_VERSION = 1
# Rows per feature matrix when scoring a frame, so that memory does not grow with the frame:
# the 200k-row holdout of a million-ticket export is scored in ten pieces.
PREDICT_BLOCK_ROWS = 20_000


class PriorityModel:
    """A fitted pipeline plus what it means: levels, feature spec, costs and provenance.

    Attributes:
        scale: the priority levels, least urgent first.
        spec: the input columns the pipeline reads.
        costs: cost matrix used for the suggested level.
        pipeline: fitted sklearn Pipeline with steps "features" and "classifier".
        name / version / run_id: registry name, version ("local" if unregistered), MLflow run.
        trained_at: ISO-8601 UTC time of training.
        metrics: evaluation figures recorded with the model (e.g. {"cv_macro_f1": 0.71}).
        level_prior: a prior over the levels (scale order) that the suggestion divides out
            before applying the costs, or None. Training sets it to the training shares raised
            to an exponent chosen on unseen rows (0: none, 1: every level equally likely, the
            class balancing macro-F1 rewards); the reported probabilities stay calibrated.
    """

    def __init__(
        self,
        pipeline: Pipeline,
        scale: PriorityScale,
        spec: FeatureSpec,
        costs: CostMatrix | None = None,
        *,
        name: str = "ticket-priority",
        version: str = "local",
        run_id: str | None = None,
        trained_at: str | None = None,
        metrics: Mapping[str, float] | None = None,
        level_prior: Sequence[float] | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.scale = scale
        self.spec = spec
        self.costs = costs if costs is not None else CostMatrix.default(len(scale.levels))
        if self.costs.n_levels != len(scale.levels):
            raise ModelIntegrityError(
                f"costs: the matrix covers {self.costs.n_levels} levels but the scale has "
                f"{len(scale.levels)} {list(scale.levels)}"
            )
        self.name = name
        self.version = version
        self.run_id = run_id
        self.trained_at = trained_at or datetime.now(UTC).isoformat(timespec="seconds")
        self.metrics: dict[str, float] = dict(metrics or {})
        self.level_prior = None if level_prior is None else tuple(float(v) for v in level_prior)
        if self.level_prior is not None and len(self.level_prior) != len(scale.levels):
            raise ModelIntegrityError(
                f"level_prior: got {len(self.level_prior)} shares for {len(scale.levels)} levels "
                f"{list(scale.levels)}; give one share per level or none"
            )
        self._sha256: str | None = None
        self._names: FeatureNames | None = None
        self._weights: npt.NDArray[np.float64] | None = None
        self._column_order = self._level_columns()
        self._column_list: list[int] = self._column_order.tolist()
        self._fast: FastFeatures | None = None
        self._fast_linear: FastLinear | None = None
        self._fast_checked = False
        self._decision: tuple[Any, CostMatrix, Any, npt.NDArray[np.float64], Any] | None = None

    def _level_columns(self) -> npt.NDArray[np.int64]:
        """For each level in scale order, its column in the classifier's output (-1: unseen)."""
        classes = [str(c) for c in self.pipeline[-1].classes_]
        unknown = [c for c in classes if c not in self.scale.levels]
        if unknown:
            raise ModelIntegrityError(
                f"levels: the classifier predicts {unknown}, which are not on the scale "
                f"{list(self.scale.levels)}"
            )
        return np.asarray(
            [classes.index(level) if level in classes else -1 for level in self.scale.levels],
            dtype=np.int64,
        )

    @property
    def levels(self) -> tuple[str, ...]:
        """The scale's levels, least urgent first (the column order of `predict_proba`)."""
        return self.scale.levels

    @property
    def sha256(self) -> str | None:
        """SHA-256 of the saved joblib, once saved or loaded."""
        return self._sha256

    def _to_scale_order(self, raw: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        proba = np.zeros((raw.shape[0], len(self.scale.levels)), dtype=np.float64)
        seen = self._column_order >= 0
        proba[:, seen] = raw[:, self._column_order[seen]]
        return proba

    def predict_proba(self, frame: pd.DataFrame) -> npt.NDArray[np.float64]:
        """Calibrated probabilities, shape (n, len(levels)), columns in scale order.

        Args:
            frame: built by `to_frame`/`coerce_frame` (missing columns become missing values).
        """
        complete, step = self._complete(frame), PREDICT_BLOCK_ROWS
        starts = range(0, len(complete), step) or range(1)  # empty: as sklearn answers it
        raw = np.concatenate([
            np.asarray(self.pipeline.predict_proba(complete.iloc[i : i + step]), np.float64)
            for i in starts
        ])  # fmt: skip
        return self._to_scale_order(raw)

    def predict_levels(self, frame: pd.DataFrame) -> list[str]:
        """The least-expected-cost level of each row."""
        return self.levels_of(self.predict_proba(frame))

    def levels_of(self, proba: npt.NDArray[np.float64]) -> list[str]:
        """The least-expected-cost level of each row of `predict_proba`'s output."""
        return [self.scale.levels[i] for i in self.decide(proba)]

    def decide(self, proba: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        """Level indices with the least expected cost, levels weighed equally a priori.

        Args:
            proba: calibrated probabilities (n, len(levels)) in scale order.
        """
        weights, matrix = self._decision_arrays()
        if weights is None:
            return least_cost_levels(proba, matrix)
        balanced = np.asarray(proba, dtype=np.float64) * weights
        totals = balanced.sum(axis=1, keepdims=True)
        balanced = np.divide(
            balanced, totals, out=np.array(proba, dtype=np.float64), where=totals > 0
        )
        return least_cost_levels(balanced, matrix)

    def _decision_arrays(
        self,
    ) -> tuple[npt.NDArray[np.float64] | None, npt.NDArray[np.float64]]:
        # The prior's weights and the cost matrix as arrays.
        cached = self._decision_cache()
        return cached[2], cached[3]

    def _decision_cache(
        self,
    ) -> tuple[Any, CostMatrix, Any, npt.NDArray[np.float64], list[float] | None]:
        # (prior, costs, prior weights, cost array, prior weights as floats), rebuilt only
        # when `level_prior` or `costs` is replaced (building them cost more than deciding
        # one ticket).
        cached = self._decision
        if cached is None or cached[0] is not self.level_prior or cached[1] is not self.costs:
            weights = None
            if self.level_prior is not None:
                prior = np.asarray(self.level_prior, dtype=np.float64)
                weights = np.where(prior > 0, 1.0 / np.where(prior > 0, prior, 1.0), 1.0)
            plain = None if weights is None else weights.tolist()
            cached = (self.level_prior, self.costs, weights, self.costs.as_array(), plain)
            self._decision = cached
        return cached

    def predict(
        self, records: Sequence[Mapping[str, Any]], *, reasons: int = 5
    ) -> list[ModelOutput]:
        """Suggest a level for each record with probabilities, confidence and reasons.

        Args:
            records: `Ticket.to_record()` dicts (or export rows) in the plain schema.
            reasons: how many top features to explain each suggestion with (0 for none).
        """
        if not records:
            return []
        if len(records) == 1 and self._has_fast_path():
            return [self._predict_one(records[0], reasons)]
        matrix = self.transform_records(records)
        proba = self._to_scale_order(self._classifier_proba(matrix))
        chosen = self.decide(proba)
        explanations = self._explain(matrix, chosen, reasons)
        # Python floats (tolist) round exactly as float(numpy scalar) did, without the boxing.
        return [
            self._output(row, level_index, explanation)
            for row, level_index, explanation in zip(
                proba.tolist(), chosen.tolist(), explanations, strict=True
            )
        ]

    def _output(self, proba: Sequence[float], chosen: int, reasons: tuple[Any, ...]) -> ModelOutput:
        levels = self.scale.levels
        return ModelOutput(
            priority=levels[chosen],
            probabilities={level: round(p, 6) for level, p in zip(levels, proba, strict=True)},
            confidence=round(proba[chosen], 6),
            model_name=self.name,
            model_version=self.version,
            reasons=reasons,
        )

    def _has_fast_path(self) -> bool:
        self._read_fast_path()
        return self._fast is not None and self._fast_linear is not None

    def _read_fast_path(self) -> None:
        # The fast path's steps, read from the fitted pipeline on first use.
        if not self._fast_checked:
            self._fast = FastFeatures.from_fitted(self.pipeline.named_steps["features"])
            self._fast_linear = FastLinear.from_fitted(self.pipeline[-1])
            self._fast_checked = True

    def _predict_one(self, record: Mapping[str, Any], count: int) -> ModelOutput:
        """`predict` of one record from its row's entries and plain floats: no sparse matrix,
        no batch arrays; the same output as the batch path at about two thirds of its cost."""
        if self._fast is None or self._fast_linear is None:
            raise ModelIntegrityError("the single-ticket path needs the fast path's steps")
        columns, values = self._fast.row(record)
        raw = self._fast_linear.proba_row(columns, values)
        proba = [raw[c] if c >= 0 else 0.0 for c in self._column_list]
        chosen = least_cost_level(self._balanced(proba), self.costs.matrix)
        reasons: tuple[Any, ...] = ()
        if count > 0:
            names, weights = self._explainer()
            class_index = max(0, self._column_list[chosen])  # see `_explain`
            reasons = row_reasons(columns, values, class_index, weights, names, count=count)
        return self._output(proba, chosen, reasons)

    def _balanced(self, proba: list[float]) -> list[float]:
        # `decide`'s division by the level prior, for one row of plain floats.
        weights = self._decision_cache()[4]
        if weights is None:
            return proba
        balanced = [p * w for p, w in zip(proba, weights, strict=True)]
        total = sum(balanced)
        return [b / total for b in balanced] if total > 0 else proba

    def transform_records(self, records: Sequence[Mapping[str, Any]]) -> Any:
        """The feature matrix of records: the fast path when it applies, else the pipeline."""
        self._read_fast_path()
        if self._fast is not None:
            return self._fast.transform(records)
        return self.pipeline[:-1].transform(to_frame(records, self.spec))

    def _classifier_proba(self, matrix: Any) -> npt.NDArray[np.float64]:
        """The classifier's probabilities on a feature matrix (columns in `classes_` order)."""
        if self._fast_linear is not None:
            return self._fast_linear.predict_proba(matrix)
        return np.asarray(self.pipeline[-1].predict_proba(matrix), np.float64)

    def _explain(
        self, matrix: Any, chosen: npt.NDArray[np.int64], count: int
    ) -> list[tuple[Any, ...]]:
        if count <= 0:
            return [() for _ in range(matrix.shape[0])]
        names, weights = self._explainer()
        class_index = self._column_order[chosen]
        # A level the classifier never saw cannot be chosen with positive probability, except
        # through costs; explain it against the nearest class then (index 0 is harmless).
        class_index = np.where(class_index < 0, 0, class_index)
        return top_reasons(matrix, class_index, weights, names, count)

    def _explainer(self) -> tuple[FeatureNames, npt.NDArray[np.float64]]:
        # Readable feature names and centred class weights, read from the pipeline once.
        if self._names is None or self._weights is None:
            self._names = feature_names(self.pipeline.named_steps["features"])
            self._weights = centred_weights(self.pipeline[-1])
        return self._names, self._weights

    def _complete(self, frame: pd.DataFrame) -> pd.DataFrame:
        missing = [c for c in self.spec.columns if c not in frame.columns]
        if not missing:
            return frame
        from classifier.features import coerce_frame

        return coerce_frame(frame, self.spec)

    def sidecar(self) -> dict[str, Any]:
        """The metadata written next to the joblib (without the hash)."""
        return {
            "format_version": FORMAT_VERSION,
            "name": self.name,
            "version": self.version,
            "run_id": self.run_id,
            "trained_at": self.trained_at,
            "sklearn_version": sklearn.__version__,
            "levels": list(self.scale.levels),
            "aliases": dict(self.scale.aliases),
            "default_level": self.scale.default,
            "spec": self.spec.to_dict(),
            "costs": self.costs.to_dict(),
            "metrics": {k: float(v) for k, v in self.metrics.items()},
            "level_prior": None if self.level_prior is None else list(self.level_prior),
            "model_file": MODEL_FILE,
        }

    def save(self, directory: Path) -> Path:
        """Write `model.joblib` and `model.json` (with the joblib's SHA-256) into `directory`.

        Returns:
            The directory.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        model_path = directory / MODEL_FILE
        joblib.dump(self.pipeline, model_path, compress=3)
        digest = file_sha256(model_path)
        meta = self.sidecar() | {"sha256": digest}
        (directory / SIDECAR_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
        self._sha256 = digest
        return directory

    @classmethod
    def load(cls, directory: Path, expected_sha256: str | None = None) -> PriorityModel:
        """Load a saved model after checking its sidecar and SHA-256 (before unpickling).

        Args:
            directory: holds `model.joblib` and `model.json`.
            expected_sha256: hash recorded elsewhere (e.g. the registry); must match too.

        Raises:
            ModelIntegrityError: a file is missing, the sidecar is invalid, or a hash differs.
        """
        directory = Path(directory)
        meta = read_sidecar(directory)
        model_path = directory / str(meta.get("model_file", MODEL_FILE))
        if not model_path.is_file():
            raise ModelIntegrityError(f"{model_path}: model file is missing")
        actual = file_sha256(model_path)
        recorded = str(meta.get("sha256", ""))
        if actual != recorded:
            raise ModelIntegrityError(
                f"{model_path}: SHA-256 {actual} does not match {recorded or '(none)'} recorded "
                f"in {directory / SIDECAR_FILE}; refusing to load a modified artifact"
            )
        if expected_sha256 is not None and actual != expected_sha256.lower():
            raise ModelIntegrityError(
                f"{model_path}: SHA-256 {actual} does not match the expected {expected_sha256}; "
                "refusing to load an artifact other than the one registered"
            )
        if meta.get("sklearn_version") != sklearn.__version__:
            warnings.warn(
                f"{model_path}: trained with scikit-learn {meta.get('sklearn_version')}, "
                f"running {sklearn.__version__}; predictions may differ",
                stacklevel=2,
            )
        pipeline = joblib.load(model_path)
        scale = PriorityScale(
            tuple(meta["levels"]), dict(meta.get("aliases", {})), str(meta["default_level"])
        )
        model = cls(
            pipeline,
            scale,
            FeatureSpec.from_dict(meta["spec"]),
            CostMatrix.from_dict(meta["costs"]),
            name=str(meta.get("name", "ticket-priority")),
            version=str(meta.get("version", "local")),
            run_id=meta.get("run_id"),
            trained_at=meta.get("trained_at"),
            metrics=meta.get("metrics", {}),
            level_prior=meta.get("level_prior"),
        )
        model._sha256 = actual
        return model


def read_sidecar(directory: Path) -> dict[str, Any]:
    """Parse and check `model.json` (required keys present) without touching the joblib."""
    path = Path(directory) / SIDECAR_FILE
    if not path.is_file():
        raise ModelIntegrityError(
            f"{path}: sidecar is missing; save the model with PriorityModel.save"
        )
    try:
        meta = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelIntegrityError(f"{path}: sidecar is not valid JSON ({exc})") from exc
    if not isinstance(meta, dict):
        raise ModelIntegrityError(f"{path}: sidecar must be a JSON object")
    required = ("sha256", "levels", "default_level", "spec", "costs")
    absent = [key for key in required if key not in meta]
    if absent:
        raise ModelIntegrityError(f"{path}: sidecar lacks {absent}; re-save the model")
    return meta


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
