"""The `ticket-priority` command: one root, each package contributes its own commands."""

from __future__ import annotations

import typer

from classifier import cli as rules_cli
from serving import serve_cli
from serving.storage import cli as storage_cli
from training import cli as training_cli

app = typer.Typer(
    name="ticket-priority",
    help="Multilingual ticket priority: generate data, train, evaluate, serve, review.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
training_cli.register(app)
rules_cli.register(app)
serve_cli.register(app)
storage_cli.register(app)


def main() -> None:
    """Console entry point."""
    app()
