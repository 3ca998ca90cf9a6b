"""Training commands: generate-data, train, evaluate, promote, rollback."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach the training commands to the root CLI."""
