"""`evaluate` stops with a one-line error, naming the cause, where it cannot score."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from serving.cli import app
from tests.unit.model_fixtures import tiny_frame, tiny_model
from training.train import run_evaluation


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("evaluate-errors") / "model"
    tiny_model().save(path)
    return path


def _evaluate(model_dir: Path, data: Path) -> tuple[int, str]:
    env = {"COLUMNS": "300", "TP_MLFLOW_TRACKING_URI": f"sqlite:///{data.parent / 'mlflow.db'}"}
    args = ["evaluate", "--model", str(model_dir), "--data", str(data)]
    result = CliRunner().invoke(app, args, env=env, color=False)
    return result.exit_code, " ".join(result.output.split())


def test_an_export_whose_rows_are_all_excluded_names_why(model_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "sev-labels.csv"
    labels = ["Sev A", "Sev B", "Sev C"] * 10
    pd.DataFrame({"subject": ["Site down"] * 30, "body": [f"b {i}" for i in range(30)],
                  "priority": labels}).to_csv(path, index=False)  # fmt: skip

    code, output = _evaluate(model_dir, path)

    assert code == 2
    assert "Traceback" not in output
    assert "no valid rows to score in sev-labels.csv" in output
    assert "30 rows unknown_label (e.g. 'Sev A', 'Sev B', 'Sev C'" in output
    assert "label_aliases" in output


def test_evaluate_reads_a_plain_column_written_in_another_case(
    model_dir: Path, tmp_path: Path
) -> None:
    frame, labels = tiny_frame()
    path = tmp_path / "cased.csv"
    frame.assign(priority=labels).rename(columns={"tier": "Tier", "body": "Body"}).to_csv(
        path, index=False
    )
    report = run_evaluation(str(model_dir), path)
    assert not [w for w in report["warnings"] if "missing" in w]


def test_an_export_with_only_a_header_says_so(model_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("subject,body,priority\n", encoding="utf-8")
    code, output = _evaluate(model_dir, path)
    assert code == 2
    assert "no valid rows to score in header.csv: it has a header but no rows" in output
