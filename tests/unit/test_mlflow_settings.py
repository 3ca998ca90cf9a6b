"""Where MLflow lives (training.settings)."""

from __future__ import annotations

from pathlib import Path

from training.settings import MlflowSettings


def test_a_folders_embedded_store_keeps_the_defaults_names_there(tmp_path: Path) -> None:
    settings = MlflowSettings.in_folder(tmp_path)
    assert settings.tracking_uri == f"sqlite:///{tmp_path}/mlflow.db"
    assert settings.artifact_location == (tmp_path / "mlartifacts").as_uri()
    assert settings.model_name == MlflowSettings().model_name
