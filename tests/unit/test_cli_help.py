"""Every command's --help reads cleanly in an 80-column terminal (the common default)."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from serving.cli import app

# Rich indents a command's description by one column and leaves one free at the end; a
# longer line wraps, and its tail then stands alone in the middle of a paragraph.
WIDTH = 76


def _commands(command: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(typer.main.get_command(app), ()))


def test_the_cli_has_its_commands_and_subcommands() -> None:
    paths = {" ".join(path) for path, _ in COMMANDS}
    assert {"train", "evaluate", "serve", "rules explain", "sla remaining", "db upgrade"} <= paths


@pytest.mark.parametrize(
    ("path", "command"), COMMANDS, ids=[" ".join(path) or "root" for path, _ in COMMANDS]
)
def test_a_commands_description_fits_an_80_column_terminal(
    path: tuple[str, ...], command: Any
) -> None:
    lines = inspect.cleandoc(command.help or "").splitlines()
    too_long = [line for line in lines if len(line) > WIDTH]
    assert not too_long, f"{' '.join(path)}: wrap these at {WIDTH} columns: {too_long}"


def test_train_help_at_80_columns_keeps_each_example_option_on_one_line() -> None:
    result = CliRunner().invoke(app, ["train", "--help"], env={"COLUMNS": "80"}, color=False)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert "   ticket-priority train --data zendesk.parquet" in [line.rstrip() for line in lines]
    assert any(line.strip() == "--category-columns group,type --time-column created_at"
               for line in lines)  # fmt: skip
