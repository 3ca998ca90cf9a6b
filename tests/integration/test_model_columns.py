"""A model trained on one export's columns, scored on another export: `evaluate` reads every
column the model reads that the file has, whatever the mapping names, and says which it lacks;
the gate does not compare a champion scored without its columns."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from training.config import DataConfig, TrainConfig
from training.settings import MlflowSettings
from training.synthetic import generate_tickets, write_tickets
from training.train import run_evaluation, run_training

pytestmark = pytest.mark.slow
FAST = TrainConfig(selection_cv=2)
# A Freshdesk-like mapping: the body is `description`
FRESHDESK = DataConfig(
    text_columns=("subject", "description"),
    category_columns=("tier", "channel"),
    numeric_columns=("affected_users",),
)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[MlflowSettings, dict[str, Any]]:
    workdir = tmp_path_factory.mktemp("columns")
    tickets = generate_tickets(900, 21).rename(columns={"body": "description"})
    data = write_tickets(tickets, workdir / "freshdesk.csv")
    settings = MlflowSettings.in_folder(workdir)
    outcome = run_training(
        data, config=FRESHDESK, mlflow_settings=settings, progress=False, train_config=FAST,
        models_dir=workdir / "models",
    )  # fmt: skip
    assert outcome.promoted
    return settings, outcome.report


@pytest.fixture
def champion(trained: tuple[MlflowSettings, dict[str, Any]]) -> MlflowSettings:
    return trained[0]


def test_training_names_the_columns_a_request_fills_only_through_extra(
    trained: tuple[MlflowSettings, dict[str, Any]],
) -> None:
    _, report = trained
    extra = [w for w in report["warnings"] if "not fields of a predict request" in w]
    assert len(extra) == 1, report["warnings"]
    assert extra[0].startswith("columns ['description'] are not fields")
    assert '"extra": {"description": ...}' in extra[0]


def _plain_export_without_tier(tmp_path: Path) -> Path:
    tickets = generate_tickets(400, 22).drop(columns=["tier"])
    return write_tickets(tickets, tmp_path / "plain.csv")


def test_evaluate_with_a_mapping_reads_the_models_columns_and_names_those_missing(
    champion: MlflowSettings, tmp_path: Path
) -> None:
    path = _plain_export_without_tier(tmp_path)
    ref = "models:/ticket-priority@champion"

    text_only = DataConfig(
        text_columns=("subject", "body"), category_columns=(), numeric_columns=()
    )
    mapped = run_evaluation(ref, path, config=text_only, mlflow_settings=champion)
    unmapped = run_evaluation(ref, path, mlflow_settings=champion)

    for report in (mapped, unmapped):
        missing = [w for w in report["warnings"] if "the model reads" in w]
        assert len(missing) == 1, report["warnings"]
        assert "['description', 'tier']" in missing[0]
        assert "channel" not in missing[0]
    # channel and affected_users are in the file: read although the mapping leaves them out
    named = DataConfig(
        text_columns=("subject", "body"),
        category_columns=("channel",),
        numeric_columns=("affected_users",),
    )
    explicit = run_evaluation(ref, path, config=named, mlflow_settings=champion)
    assert mapped["n_test"] == explicit["n_test"]
    assert mapped["macro_f1"] == explicit["macro_f1"]
    assert mapped["brier"] == explicit["brier"]


def test_the_gate_does_not_promote_over_a_champion_scored_without_its_columns(
    champion: MlflowSettings, tmp_path: Path
) -> None:
    path = write_tickets(generate_tickets(900, 23), tmp_path / "plain.csv")

    outcome = run_training(
        path, mlflow_settings=champion, progress=False, train_config=FAST,
        models_dir=tmp_path / "models",
    )  # fmt: skip

    assert not outcome.promoted
    assert "champion v1 reads columns ['description'] that this export does not have" in (
        outcome.gate_reason
    )
    assert outcome.report["gate"]["champion"] is None


def test_evaluate_says_how_many_rows_the_model_was_trained_on(
    trained: tuple[MlflowSettings, dict[str, Any]], tmp_path: Path
) -> None:
    settings, training = trained
    again = generate_tickets(900, 21).rename(columns={"body": "description"})
    path = write_tickets(again, tmp_path / "same.csv")  # the champion's own export
    fresh = _plain_export_without_tier(tmp_path)

    report = run_evaluation("models:/ticket-priority@champion", path, mlflow_settings=settings)
    other = run_evaluation("models:/ticket-priority@champion", fresh, mlflow_settings=settings)

    seen = [w for w in report["warnings"] if "was trained on" in w]
    assert len(seen) == 1, report["warnings"]
    found = re.match(
        r"(\d+) of (\d+) scored rows have the text of a row v1 was trained on", seen[0]
    )
    assert found is not None, seen[0]
    assert int(found.group(2)) == report["n_test"]
    assert training["n_train"] <= int(found.group(1)) < report["n_test"]
    assert not [w for w in other["warnings"] if "was trained on" in w]
