"""`ticket-priority train --feedback-db` end to end: a champion, agents' reviews in a real
SQLite review store, a retraining through the real CLI, and the numbers in its report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from classifier.model import PriorityModel
from serving.cli import app
from tests.feedback_fixtures import Verdict, seed_reviews
from training.config import TrainConfig
from training.data import load_dataset
from training.feedback import FeedbackSource, load_feedback, merge_feedback
from training.settings import MlflowSettings
from training.synthetic import generate_tickets, write_tickets
from training.train import run_training

LEVELS = ("low", "medium", "high", "urgent")
ROWS = 600


def other_level(level: str) -> str:
    """A different level: one up, or one down from the top."""
    index = LEVELS.index(level)
    return LEVELS[index + 1] if index + 1 < len(LEVELS) else LEVELS[index - 1]


def verdicts_for(history: pd.DataFrame) -> list[Verdict]:
    """10 overrides and 8 accepts of export tickets, 6 new tickets, one ticket reviewed twice."""
    picked = [row._asdict() for row in history.sample(18, random_state=1).itertuples(index=False)]
    overrides = [Verdict(t, t["priority"], other_level(t["priority"])) for t in picked[:10]]
    accepts = [Verdict(t, t["priority"], t["priority"]) for t in picked[10:]]
    fresh = generate_tickets(6, 99).assign(ticket_id=[f"NEW-{i}" for i in range(6)])
    added = [
        Verdict(t, other_level(t["priority"]), t["priority"])
        for t in (row._asdict() for row in fresh.itertuples(index=False))
    ]
    # The first override's ticket was first reviewed differently; the newer review must win.
    first = overrides[0]
    older = Verdict(first.ticket, first.suggested, first.suggested)
    return [older, *overrides, *accepts, *added]


def agreement(model: PriorityModel, frame: pd.DataFrame, labels: pd.Series) -> float:
    predicted = np.asarray(model.predict_levels(frame), dtype=object)
    return float(np.mean(predicted == labels.to_numpy(dtype=object)))


@pytest.mark.slow
def test_train_with_feedback_db_merges_reviews_and_reports_how_the_model_changed(
    tmp_path: Path, sqlite_url: str
) -> None:
    history = generate_tickets(ROWS, 5)
    data = write_tickets(history, tmp_path / "tickets.csv")
    settings = MlflowSettings.in_folder(tmp_path)
    champion = run_training(
        data, mlflow_settings=settings, progress=False, models_dir=tmp_path / "models",
        train_config=TrainConfig(selection_cv=2),
    )  # fmt: skip
    assert champion.promoted
    seed_reviews(sqlite_url, verdicts_for(history))

    env = {
        "TP_MLFLOW_TRACKING_URI": settings.tracking_uri,
        "TP_MLFLOW_ARTIFACT_ROOT": settings.artifact_root,
    }
    report_path = tmp_path / "report.json"
    result = CliRunner().invoke(
        app,
        ["train", "--data", str(data), "--feedback-db", sqlite_url, "--feedback-weight", "3",
         "--report-json", str(report_path), "--models-dir", str(tmp_path / "models")],
        env=env,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(report_path.read_text())
    feedback = report["feedback"]
    keys = ("reviews", "duplicates", "tickets", "added", "relabelled", "confirmed", "accepted",
            "overridden")  # fmt: skip
    counts = {k: feedback[k] for k in keys}
    assert counts == {
        "reviews": 25, "duplicates": 1, "tickets": 24, "added": 6, "relabelled": 10,
        "confirmed": 8, "accepted": 8, "overridden": 16,
    }  # fmt: skip
    assert feedback["weight"] == 3.0
    assert feedback["champion_version"] == "1"
    assert "24 reviewed tickets always in training" in report["split"]
    assert report["n_train"] + report["n_test"] == report["data"]["rows_valid"]
    assert report["data"]["rows_valid"] == ROWS + 6
    assert "24 labels from reviews (added 6, relabelled 10, confirmed 8; weight 3)" in (
        " ".join(result.output.split())
    )

    # The agreement figures are what the saved new model and the champion give on those tickets.
    merge = merge_feedback(
        load_dataset(data), load_feedback(sqlite_url), FeedbackSource(sqlite_url)
    )
    frame = merge.dataset.frame.loc[merge.reviewed]
    labels = merge.dataset.labels.loc[merge.reviewed]
    new_model = PriorityModel.load(tmp_path / "models" / report["model"]["run_id"])
    old_model = PriorityModel.load(champion.model_dir)
    assert feedback["new_model"] == pytest.approx(agreement(new_model, frame, labels))
    assert feedback["champion"] == pytest.approx(agreement(old_model, frame, labels))
    # The champion learnt the labels agents overrode; the new model learnt the overrides.
    assert feedback["new_model"] > feedback["champion"]
    assert f"was {feedback['champion']:.0%}" in feedback["sentence"]

    mlflow.set_tracking_uri(settings.tracking_uri)
    run = mlflow.get_run(report["model"]["run_id"])
    assert run.data.params["feedback.weight"] == "3.0"
    assert run.data.metrics["feedback_added"] == 6.0
    assert run.data.metrics["feedback_relabelled"] == 10.0
    assert run.data.metrics["feedback_agreement_new_model"] == pytest.approx(feedback["new_model"])


def test_train_with_an_unreadable_feedback_db_fails_naming_the_option(tmp_path: Path) -> None:
    data = write_tickets(generate_tickets(200, 5), tmp_path / "tickets.csv")
    env = {"TP_MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}"}
    missing = tmp_path / "reviews.db"
    result = CliRunner().invoke(
        app,
        ["train", "--data", str(data), "--feedback-db", f"sqlite:///{missing}",
         "--min-rows-per-level", "1"],
        env=env,
    )  # fmt: skip
    assert result.exit_code == 2
    output = " ".join(result.output.split())
    assert "--feedback-db" in output
    assert "TP_DATABASE_URL" in output
    assert not missing.exists()
    assert not (tmp_path / "mlflow.db").exists()  # failed before any MLflow run
