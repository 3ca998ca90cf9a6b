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
