"""The training commands' argument checks, before any work starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from serving.cli import app


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_a_missing_export_is_a_usage_error_naming_data(command: str, tmp_path: Path) -> None:
    args = [command, "--data", str(tmp_path / "nosuch.csv")]
    if command == "evaluate":
        args += ["--model", "models:/ticket-priority@champion"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"}, color=False)
    assert result.exit_code == 2
    assert "Invalid value for '--data'" in result.output
    assert "does not exist" in result.output


def test_a_folder_is_not_an_export(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["train", "--data", str(tmp_path)], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "is a directory" in result.output


def test_an_export_in_another_encoding_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("subject,body,priority\nhøj,Serveren er nede,high\n".encode("cp1252"))
    env = {"COLUMNS": "200", "TP_MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}"}
    result = CliRunner().invoke(app, ["train", "--data", str(path)], env=env, color=False)
    assert result.exit_code == 2
    assert "excel.csv is not valid utf-8 (line 2, byte f8)" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_an_unknown_encoding_option_is_named(command: str, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("subject,body,priority\na,b,high\n", encoding="utf-8")
    args = [command, "--data", str(path), "--encoding", "klingon"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"}, color=False)
    assert result.exit_code == 2
    assert "encoding: unknown encoding 'klingon'" in result.output


def test_generate_data_refuses_an_unknown_output_type_before_generating(tmp_path: Path) -> None:
    out = tmp_path / "tickets.xlsx"
    args = ["generate-data", "--rows", "5", "--out", str(out)]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"}, color=False)
    assert result.exit_code == 2
    assert "--out: 'tickets.xlsx' must end in .csv, .parquet, .jsonl" in result.output
    assert not out.exists()
