"""Rules and SLA commands: `rules check`, `rules explain`, `sla due`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach the `rules` and `sla` command groups to the root CLI."""
