"""`evaluate` scores a model on its own scale: its levels and label aliases, unless the data
config names others; a level with few rows in the scored export is a warning, not an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from training.config import DataConfig, TrainConfig
from training.data import validate_frame
from training.errors import DataError
from training.settings import MlflowSettings
from training.synthetic import generate_tickets, write_tickets
from training.train import run_evaluation, run_training

pytestmark = pytest.mark.slow
THREE_LEVELS = DataConfig(levels=("low", "medium", "high"), label_aliases={"urgent": "high"})


@pytest.fixture(scope="module")
def three_level_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, MlflowSettings]:
    workdir = tmp_path_factory.mktemp("levels")
    data = write_tickets(generate_tickets(900, 11), workdir / "tickets.csv")
    settings = MlflowSettings.in_folder(workdir)
    outcome = run_training(
        data, config=THREE_LEVELS, mlflow_settings=settings, register=False, progress=False,
        train_config=TrainConfig(selection_cv=2), models_dir=workdir / "models",
    )  # fmt: skip
    return outcome.model_dir, settings


def test_evaluate_reads_the_models_levels_and_aliases_and_warns_of_a_short_level(
    three_level_model: tuple[Path, MlflowSettings], tmp_path: Path
) -> None:
    model_dir, settings = three_level_model
    tickets = generate_tickets(400, 12)
    low = tickets.index[tickets["priority"] == "low"]
    tickets = tickets.drop(index=low[5:])  # five low tickets left; "urgent" rows stay
    assert (tickets["priority"] == "urgent").sum() > 0
    path = write_tickets(tickets, tmp_path / "export.csv")

    report = run_evaluation(str(model_dir), path, mlflow_settings=settings)

    assert report["levels"] == ["low", "medium", "high"]
    assert report["n_test"] == len(tickets)  # "urgent" read as "high" by the model's alias
    assert report["per_class"]["low"]["support"] == 5
    high = report["per_class"]["high"]["support"]
    assert high == tickets["priority"].isin(["high", "urgent"]).sum()
    assert "few valid rows per level: 'low' has 5 (fewer than 20)" in report["warnings"][0]


def test_training_still_refuses_a_level_with_too_few_rows(tmp_path: Path) -> None:
    tickets = generate_tickets(300, 13)
    low = tickets.index[tickets["priority"] == "low"]
    with pytest.raises(DataError, match="'low' has 5; at least 20 needed"):
        validate_frame(tickets.drop(index=low[5:]), DataConfig())


def test_evaluate_refuses_levels_the_model_does_not_decide_on(
    three_level_model: tuple[Path, MlflowSettings], tmp_path: Path
) -> None:
    model_dir, settings = three_level_model
    path = write_tickets(generate_tickets(200, 14), tmp_path / "export.csv")
    four = DataConfig(levels=("low", "medium", "high", "urgent"))
    with pytest.raises(DataError, match="model decides on low, medium, high but the mapping"):
        run_evaluation(str(model_dir), path, config=four, mlflow_settings=settings)
    same = DataConfig(levels=("low", "medium", "high"), label_aliases={"urgent": "high"})
    report = run_evaluation(str(model_dir), path, config=same, mlflow_settings=settings)
    assert report["n_test"] == 200
