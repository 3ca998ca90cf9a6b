"""The decision's cost matrix is the user's: from the data config or the CLI into the model,
the report (also a `--cv` report) and the MLflow run."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from classifier.costs import CostMatrix
from training.config import ConfigError, CostSpec, DataConfig, TrainConfig
from training.settings import MlflowSettings
from training.synthetic import generate_tickets, write_tickets
from training.train import TrainOutcome, run_evaluation, run_training

pytestmark = pytest.mark.slow


@dataclass
class Trained:
    """Trainings on one export, a level too low costing 1, 6 and 40 (too high: 1)."""

    data: Path
    settings: MlflowSettings
    by_under_cost: dict[float, TrainOutcome]
    cross_validated: TrainOutcome


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Trained:
    workdir = tmp_path_factory.mktemp("costs")
    data = write_tickets(generate_tickets(900, 5), workdir / "tickets.csv")
    settings = MlflowSettings.in_folder(workdir)

    def train(under: float, cv: int | None = None) -> TrainOutcome:
        return run_training(
            data, config=DataConfig(costs=CostSpec(under=under, over=1.0)),
            mlflow_settings=settings, register=False, progress=False, cv=cv,
            train_config=TrainConfig(selection_cv=2), models_dir=workdir / "models",
        )  # fmt: skip

    by_under_cost = {under: train(under) for under in (1.0, 6.0, 40.0)}
    return Trained(data, settings, by_under_cost, train(6.0, cv=3))


def test_the_configured_costs_are_the_models_the_reports_and_the_runs(trained: Trained) -> None:
    expected = CostMatrix.default(4, under=6.0, over=1.0).to_dict()
    outcome = trained.by_under_cost[6.0]
    assert outcome.report["costs"] == expected
    saved = json.loads((outcome.model_dir / "model.json").read_text(encoding="utf-8"))
    assert saved["costs"] == expected
    assert trained.by_under_cost[1.0].report["costs"]["matrix"][3] == [3.0, 2.0, 1.0, 0.0]
    from mlflow import MlflowClient

    run = MlflowClient(tracking_uri=trained.settings.tracking_uri).get_run(outcome.run_id)
    assert run.data.params["train.costs"].startswith("[[0.0, 1.0, 2.0, 3.0], [6.0, 0.0,")


def test_a_dearer_too_low_suggestion_means_fewer_tickets_suggested_too_low(
    trained: Trained,
) -> None:
    cheap, dear = trained.by_under_cost[1.0].report, trained.by_under_cost[6.0].report
    assert dear["n_test"] == cheap["n_test"]  # the same holdout
    assert dear["under_prioritization_rate"] < cheap["under_prioritization_rate"]
    assert dear["per_class"]["urgent"]["recall"] >= cheap["per_class"]["urgent"]["recall"]


def test_cv_reports_the_fold_means_with_the_holdout_beside_them(trained: Trained) -> None:
    report = trained.cross_validated.report
    folds = report["folds"]
    assert report["cv_folds"] == len(folds) == 3
    assert report["n_test"] == sum(fold["n_test"] for fold in folds) == 900
    mean = sum(fold["macro_f1"] for fold in folds) / 3
    assert report["macro_f1"] == pytest.approx(mean)
    assert report["macro_f1_std"] > 0
    assert report["holdout"]["macro_f1"] == trained.by_under_cost[6.0].report["macro_f1"]
    assert report["costs"] == CostMatrix.default(4, under=6.0, over=1.0).to_dict()


def test_a_matrix_that_does_not_fit_the_levels_fails_before_reading_the_data(
    tmp_path: Path,
) -> None:
    config = DataConfig(costs=CostSpec(matrix=((0.0, 1.0), (2.0, 0.0))))
    with pytest.raises(ConfigError, match="2 rows but there are 4 levels"):
        run_training(tmp_path / "absent.csv", config=config, progress=False)


def test_train_and_evaluate_warn_of_levels_seldom_suggested_right(trained: Trained) -> None:
    outcome = trained.by_under_cost[40.0]  # lower levels only when the model is all but certain
    report = outcome.report
    counts = report["confusion_matrix"]["matrix"]
    missed = [
        level for i, level in enumerate(report["levels"]) if counts[i][i] < 0.1 * sum(counts[i])
    ]
    assert missed[0] == "low"
    assert [w.split("'")[1] for w in report["warnings"]] == missed
    low = sum(counts[0])
    assert report["warnings"][0].startswith(f"none of the {low} evaluated 'low' tickets")
    assert all("--under-cost 1" in warning for warning in report["warnings"])
    evaluated = run_evaluation(
        str(outcome.model_dir), trained.data, mlflow_settings=trained.settings
    )
    matrix = evaluated["confusion_matrix"]["matrix"]
    assert [w.split("'")[1] for w in evaluated["warnings"]] == [
        level for i, level in enumerate(evaluated["levels"]) if matrix[i][i] < 0.1 * sum(matrix[i])
    ]
    assert "low" in evaluated["warnings"][0]
    cheap = trained.by_under_cost[1.0].report  # every level found for a tenth of its tickets
    assert all(
        row[i] >= 0.1 * sum(row) for i, row in enumerate(cheap["confusion_matrix"]["matrix"])
    )
    assert cheap["warnings"] == []
