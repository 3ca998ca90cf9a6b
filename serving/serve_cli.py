"""`serve` and `demo`: run the service, or the whole walking skeleton end to end."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()

DEMO_DIR = Path(".demo")
DEMO_ROWS = 20_000


def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes.")] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "warning",
) -> None:
    """Run the prediction service under uvicorn; configuration comes from TP_* variables.

    Example: ticket-priority serve --host 0.0.0.0 --port 8000 --workers 2
    """
    import uvicorn

    uvicorn.run(
        "serving.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,
    )


def demo(
    rows: Annotated[int, typer.Option(help="Synthetic tickets to generate.")] = DEMO_ROWS,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start the service at the end.")
    ] = True,
    retrain: Annotated[bool, typer.Option(help="Train again even if a champion exists.")] = False,
) -> None:
    """Make data, train, register the champion in MLflow, then serve it.

    Everything lives in the current folder: `.demo/` (data, keys), `mlflow.db` and
    `mlartifacts/` (MLflow), `models/` (model cache). A second run reuses all of it.

    Example: ticket-priority demo --rows 5000 --port 8080
    """
    from serving.demo import prepare_demo, print_banner

    state = prepare_demo(DEMO_DIR, rows=rows, retrain=retrain, console=console)
    print_banner(state, host=host, port=port, console=console)
    if serve_after:
        os.environ.update(state.environment)
        serve(host=host, port=port, workers=1, log_level="warning")


def register(app: typer.Typer) -> None:
    """Attach `serve` and `demo` to the root CLI."""
    app.command("serve")(serve)
    app.command("demo")(demo)
