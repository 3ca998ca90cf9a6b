"""A small real PriorityModel registered in a SQLite MLflow store, the way training does it.

Faster than `run_training` (no model selection, no evaluation report): the service tests need
a real artifact and a real registry, not a good model.
"""

from __future__ import annotations

from pathlib import Path

from classifier.features import FeatureSpec, to_frame
from classifier.levels import PriorityScale
from classifier.model import PriorityModel
from training import registry
from training.pipeline import build_pipeline
from training.settings import MlflowSettings
from training.synthetic import generate_tickets
from training.tracking import PRIORITY_MODEL_ARTIFACT


def train_small_model(directory: Path, rows: int = 800, seed: int = 5) -> PriorityModel:
    """Fit the default pipeline on a few synthetic tickets and save it to `directory`."""
    frame = generate_tickets(rows=rows, seed=seed)
    spec = FeatureSpec.default()
    pipeline = build_pipeline(spec, "logreg")
    records = frame.to_dict(orient="records")
    pipeline.fit(to_frame(records, spec), frame["priority"].astype(str).tolist())
    model = PriorityModel(pipeline, PriorityScale.default_scale(), spec, metrics={"rows": rows})
    model.save(directory)
    return model


def register_model(settings: MlflowSettings, model_dir: Path, sha256: str) -> tuple[str, str]:
    """Log `model_dir` as a run's `priority_model/` and register it; returns (version, run id)."""
    import mlflow

    from training.tracking import configure

    configure(settings)
    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(model_dir), artifact_path=PRIORITY_MODEL_ARTIFACT)
        run_id = run.info.run_id
    version = registry.register_version(
        settings, f"runs:/{run_id}/{PRIORITY_MODEL_ARTIFACT}", run_id=run_id, sha256=sha256
    )
    return version, run_id


def sqlite_champion(workdir: Path) -> tuple[MlflowSettings, str, str]:
    """A small model registered as `champion` in a new SQLite store under `workdir`.

    Returns:
        The store's settings, the version and its run id.
    """
    settings = MlflowSettings.in_folder(workdir)
    model = train_small_model(workdir / "trained")
    version, run_id = register_model(settings, workdir / "trained", str(model.sha256))
    registry.set_champion(settings, version)
    return settings, version, run_id
