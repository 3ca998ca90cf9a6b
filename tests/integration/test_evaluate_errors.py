"""`evaluate` stops with a one-line error, naming the cause, where it cannot score."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from serving.cli import app
from tests.unit.model_fixtures import tiny_frame, tiny_model
from training.config import DataConfig
from training.errors import DataError
from training.train import run_evaluation


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("evaluate-errors") / "model"
    tiny_model().save(path)
    return path


def _evaluate(model_dir: Path, data: Path, *options: str) -> tuple[int, str]:
    env = {"COLUMNS": "300", "TP_MLFLOW_TRACKING_URI": f"sqlite:///{data.parent / 'mlflow.db'}"}
    args = ["evaluate", "--model", str(model_dir), "--data", str(data), *options]
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


def test_a_column_the_mapping_names_but_the_file_lacks_stops_before_the_model_is_loaded(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Downloading and loading a registered model took ~25 s before this error.
    loaded: list[str] = []

    def load(ref: str, settings: object) -> None:
        loaded.append(ref)
        raise AssertionError("the model was loaded before the mapping was checked")

    monkeypatch.setattr("training.train._load_for_evaluation", load)
    frame, labels = tiny_frame()
    path = tmp_path / "zendesk.csv"
    frame.assign(priority=labels).to_csv(path, index=False)

    code, output = _evaluate(model_dir, path, "--text-columns", "subject,descripton")

    assert loaded == []
    assert code == 2
    assert "Traceback" not in output
    assert "missing columns ['descripton']" in output
    assert f"columns in the file: {[*frame.columns, 'priority']}" in output
    mapping = DataConfig(text_columns=("subject", "descripton"))
    with pytest.raises(DataError, match=r"missing columns \['descripton'\]"):
        run_evaluation(str(model_dir), path, config=mapping)  # the library path too
    assert loaded == []


def test_the_cli_answers_a_wrong_mapping_before_importing_the_scoring_code(
    tmp_path: Path,
) -> None:
    # scikit-learn and the training module take seconds to import on a loaded machine.
    frame, labels = tiny_frame()
    path = tmp_path / "export.csv"
    frame.assign(priority=labels).to_csv(path, index=False)
    code = f"""
        import sys
        from typer.testing import CliRunner
        from serving.cli import app
        args = ["evaluate", "--data", {str(path)!r}, "--label-column", "prio"]
        result = CliRunner().invoke(app, args, env={{"COLUMNS": "300"}}, color=False)
        print(result.exit_code, "missing columns ['prio']" in result.output)
        print(sorted(m for m in ("sklearn", "training.train", "mlflow") if m in sys.modules))
    """
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines() == ["2 True", "[]"]
