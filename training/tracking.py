"""One MLflow run per training: params, metrics, artifacts, the model with signature.

The run holds two forms of the same fitted model:
- `model` (MLflow's logged model: the sklearn Pipeline with signature and input example), for
  MLflow tooling and `mlflow models serve`;
- `priority_model/` (the `PriorityModel.save()` directory with its SHA-256 sidecar), which the
  service loads after checking the hash recorded on the registered version.
"""

from __future__ import annotations

import json
import logging
import subprocess
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from training import fingerprints
from training.settings import MlflowSettings

if TYPE_CHECKING:
    from mlflow.models import ModelSignature

    from classifier.model import PriorityModel
    from training.data import Dataset

PRIORITY_MODEL_ARTIFACT = "priority_model"
LOGGED_MODEL_NAME = "model"
INPUT_EXAMPLE_ROWS = 3
_NOISY_LOGGERS = ("mlflow", "alembic", "sqlalchemy.engine", "urllib3", "git")
_PARAM_LIMIT = 500  # MLflow accepts longer values; long params are unreadable in the UI anyway


def quiet_mlflow() -> None:
    """Keep MLflow's own console output (migrations, registry chatter, hints) to warnings."""
    for name in _NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", module=r"mlflow\..*")
    warnings.filterwarnings("ignore", category=UserWarning, message=r".*[Ii]nteger column.*")


def configure(settings: MlflowSettings) -> str:
    """Point MLflow at the store and make sure the experiment exists.

    Returns:
        The experiment id.
    """
    import mlflow

    quiet_mlflow()
    mlflow.set_tracking_uri(settings.tracking_uri)
    mlflow.set_registry_uri(settings.tracking_uri)
    experiment = mlflow.get_experiment_by_name(settings.experiment)
    if experiment is None:
        experiment_id = mlflow.create_experiment(
            settings.experiment, artifact_location=settings.artifact_location
        )
    else:
        experiment_id = experiment.experiment_id
    mlflow.set_experiment(experiment_id=experiment_id)
    return str(experiment_id)


@cache
def git_commit() -> str:
    """The source tree's commit (with `-dirty` when it has local changes), or `unknown`."""
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, check=True,
            timeout=10,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
            capture_output=True, text=True, check=True, timeout=10,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit}-dirty" if dirty else commit


@contextmanager
def training_run(settings: MlflowSettings, run_name: str | None = None) -> Iterator[str]:
    """Open one MLflow run and yield its id; the run ends FAILED if the block raises."""
    import mlflow

    configure(settings)
    with mlflow.start_run(run_name=run_name) as run:
        commit = git_commit()
        mlflow.set_tags({"git_commit": commit, "mlflow.source.git.commit": commit})
        yield str(run.info.run_id)


def _flatten(prefix: str, value: Any, out: dict[str, str]) -> None:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), inner, out)
        return
    text = json.dumps(value, default=str) if isinstance(value, list | tuple) else str(value)
    out[prefix] = text[:_PARAM_LIMIT]


def log_params(params: Mapping[str, Any]) -> None:
    """Log nested params flattened to dotted keys."""
    import mlflow

    flat: dict[str, str] = {}
    _flatten("", params, flat)
    mlflow.log_params(flat)


def log_dataset(dataset: Dataset, bad_rows_csv: Path) -> None:
    """The input's fingerprint, row counts, column mapping and bad-row file."""
    import mlflow

    cols = dataset.columns
    log_params(
        {
            "data": {
                "file": dataset.source.name,
                "sha256": dataset.sha256,
                "rows": dataset.n_rows,
                "text_columns": list(cols.text),
                "category_columns": list(cols.category),
                "numeric_columns": list(cols.numeric),
                "label_column": cols.label,
                "time_column": cols.time,
                "id_column": cols.id,
                "levels": list(dataset.scale.levels),
            }
        }
    )
    mlflow.set_tag("data_sha256", dataset.sha256)
    mlflow.log_metrics(
        {"data_rows": dataset.n_rows, "data_rows_valid": dataset.n_valid,
         "data_rows_bad": dataset.n_bad}
    )  # fmt: skip
    mlflow.log_artifact(str(bad_rows_csv))


def metrics_of(report: Mapping[str, Any]) -> dict[str, float]:
    """Flat MLflow metrics from a report: scalars, per-level and per-slice values.

    With `--cv` the plain names are the fold means and `holdout_*` the registered model's
    figures on its holdout (what the gate compared).
    """
    out: dict[str, float] = {}
    for key, value in report.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[key] = float(value)
    for level, values in report.get("per_class", {}).items():
        for metric in ("precision", "recall", "f1"):
            if values.get(metric) is not None:
                out[f"{metric}_{level}"] = float(values[metric])
    for column, per_value in report.get("slices", {}).items():
        for value, entry in per_value.items():
            if entry.get("macro_f1") is not None:
                safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in value)
                out[f"slice_{column}_{safe}_macro_f1"] = float(entry["macro_f1"])
    holdout = report.get("holdout")
    if isinstance(holdout, Mapping):  # --cv: the registered model's own holdout, beside the means
        out |= {f"holdout_{key}": value for key, value in metrics_of(holdout).items()}
    return out


def log_training_rows(frame: pd.DataFrame, text_columns: Sequence[str], directory: Path) -> None:
    """The hashes of the training rows' text, for later gates (`training/fingerprints.py`)."""
    import mlflow

    path = fingerprints.save(fingerprints.text_fingerprints(frame, text_columns), directory)
    mlflow.log_artifact(str(path), artifact_path=fingerprints.ARTIFACT_DIR)


def log_report(report: Mapping[str, Any], directory: Path) -> None:
    """Log metrics and every file in `directory` (report JSON, confusion matrix, ...)."""
    import mlflow

    mlflow.log_metrics(metrics_of(report))
    mlflow.log_artifacts(str(directory))


def log_model(
    model: PriorityModel, example: pd.DataFrame, saved_dir: Path
) -> tuple[str, str | None]:
    """Log the sklearn Pipeline (signature + input example) and the PriorityModel directory.

    Args:
        model: the fitted wrapper.
        example: a few rows of the model's input frame (the input example MLflow stores).
        saved_dir: where `model.save()` wrote the model; logged as `priority_model/`.

    Returns:
        The logged model's URI and id (register them with `training.registry`).
    """
    import mlflow
    import mlflow.sklearn

    # cloudpickle, not MLflow's default skops: skops takes minutes on a TF-IDF vocabulary and
    # needs every custom type whitelisted. Serving loads `priority_model/` after a SHA-256
    # check instead; this pickled form is for MLflow tooling on a trusted store.
    logging.getLogger("mlflow.sklearn").setLevel(logging.ERROR)
    sample = without_ticket_text(typed_example(example.head(INPUT_EXAMPLE_ROWS), model), model)
    signature = model_signature(model)
    info = mlflow.sklearn.log_model(
        model.pipeline,
        name=LOGGED_MODEL_NAME,
        signature=signature,
        input_example=sample,
        pip_requirements=_requirements(),
        serialization_format=mlflow.sklearn.SERIALIZATION_FORMAT_CLOUDPICKLE,
    )
    mlflow.log_artifacts(str(saved_dir), artifact_path=PRIORITY_MODEL_ARTIFACT)
    return str(info.model_uri), getattr(info, "model_id", None)


def model_signature(model: PriorityModel) -> ModelSignature:
    """The input schema from the model's own columns, every one optional.

    Inferring it from a few example rows would type a column by whatever those rows happen to
    hold (an all-missing `stated_urgency` becomes a number), and `mlflow models serve` would
    then refuse every ticket that states an urgency.
    """
    from mlflow.models import ModelSignature
    from mlflow.types.schema import ColSpec, Schema, TensorSpec

    spec = model.spec
    strings = [*spec.text_columns, *spec.category_columns]
    inputs: list[ColSpec | TensorSpec] = [ColSpec("string", n, required=False) for n in strings]
    inputs += [ColSpec("double", name, required=False) for name in spec.numeric_columns]
    return ModelSignature(inputs=Schema(inputs), outputs=Schema([ColSpec("string")]))


def typed_example(frame: pd.DataFrame, model: PriorityModel) -> pd.DataFrame:
    """Example rows cast to the signature's types: text and categories as str, numbers float."""
    spec = model.spec
    typed = pd.DataFrame(index=frame.index)
    for name in [*spec.text_columns, *spec.category_columns]:
        column = frame[name] if name in frame else pd.Series(None, index=frame.index)
        typed[name] = [None if pd.isna(v) else str(v) for v in column.astype(object)]
        typed[name] = typed[name].astype(object)
    for name in spec.numeric_columns:
        column = frame[name] if name in frame else pd.Series(None, index=frame.index)
        typed[name] = pd.to_numeric(column, errors="coerce").astype("float64")
    return typed


def without_ticket_text(frame: pd.DataFrame, model: PriorityModel) -> pd.DataFrame:
    """The example with placeholder text: ticket text is personal data, and the input example
    is stored in the run for anyone with access to the tracking server to read."""
    placeholder = frame.copy()
    for name in model.spec.text_columns:
        placeholder[name] = [f"example {name} {n + 1}" for n in range(len(frame))]
    return placeholder


def _requirements() -> list[str]:
    # Explicit requirements skip MLflow's slow subprocess-based inference.
    # The pipeline also unpickles functions from `classifier`, so that package must be
    # installed wherever the MLflow form of the model is loaded.
    from importlib.metadata import PackageNotFoundError, version

    pins = []
    for name in ("scikit-learn", "pandas", "numpy", "scipy"):
        try:
            pins.append(f"{name}=={version(name)}")
        except PackageNotFoundError:
            pins.append(name)
    return pins
