"""The gate scores the champion only on holdout tickets it was not trained on."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from training import fingerprints
from training.config import TrainConfig
from training.settings import MlflowSettings
from training.synthetic import generate_tickets
from training.train import run_training

pytestmark = pytest.mark.slow


def test_a_grown_export_does_not_score_the_champion_on_its_own_training_rows(
    tmp_path: Path,
) -> None:
    # No time column: the holdout is a random split, which reshuffles when the export grows.
    tickets = pd.DataFrame(generate_tickets(1200, 5)).drop(columns=["created_at"])
    first, grown = tmp_path / "first.csv", tmp_path / "grown.csv"
    tickets.head(600).to_csv(first, index=False)
    tickets.to_csv(grown, index=False)
    settings = MlflowSettings.in_folder(tmp_path)
    fast = TrainConfig(selection_cv=2)
    v1 = run_training(first, mlflow_settings=settings, progress=False, train_config=fast)
    v2 = run_training(grown, mlflow_settings=settings, progress=False, train_config=fast)

    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=settings.tracking_uri)
    local = client.download_artifacts(v1.run_id, "gate/training_rows.npy", str(tmp_path))
    seen = fingerprints.load(Path(local))
    assert 0 < len(seen) <= v1.report["n_train"]
    assert np.all(np.diff(seen.astype(np.float64)) > 0)  # sorted and unique

    found = re.search(r"on the (\d+) of (\d+) holdout rows champion v1 was not trained on",
                      v2.gate_reason)  # fmt: skip
    assert found is not None, v2.gate_reason
    unseen, holdout = int(found.group(1)), int(found.group(2))
    assert holdout == v2.report["n_test"]
    assert 30 <= unseen < holdout  # about half of the grown holdout comes from v1's rows
    assert v2.report["gate"]["champion"] is not None
