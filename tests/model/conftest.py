"""One model trained from synthetic tickets, shared by every behavioural test of a run.

Training goes through `training.pipeline.train_model` (the path of `ticket-priority train`).
Under pytest-xdist the first worker trains and saves the model into the run's shared temp
folder while holding a file lock; the other workers wait and load it, so it is fitted once.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

from classifier.features import FeatureSpec
from classifier.levels import PriorityScale
from classifier.model import SIDECAR_FILE, PriorityModel
from training.pipeline import train_model
from training.synthetic import generate_tickets

TRAIN_ROWS = 8_000
TRAIN_SEED = 5


def _train(directory: Path) -> None:
    frame = generate_tickets(TRAIN_ROWS, seed=TRAIN_SEED)
    result = train_model(
        frame,
        frame["priority"].tolist(),
        FeatureSpec.default(),
        PriorityScale.default_scale(),
        cv=2,  # two selection folds instead of three keep tests/model under a minute
    )
    result.model.save(directory)


@pytest.fixture(scope="session")
def synthetic_model(tmp_path_factory: pytest.TempPathFactory) -> PriorityModel:
    """A PriorityModel trained on 8,000 synthetic tickets (read-only: do not mutate)."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    directory = shared / "synthetic-model"
    with (shared / "synthetic-model.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (directory / SIDECAR_FILE).is_file():
                _train(directory)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return PriorityModel.load(directory)
