"""`serve` and `demo`: run the service, or the whole walking skeleton end to end."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach `serve` and `demo` to the root CLI."""
