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
    host: Annotated[
        str | None, typer.Option(help="Interface to bind [default: TP_HOST or 127.0.0.1].")
    ] = None,
    port: Annotated[int | None, typer.Option(help="TCP port [default: TP_PORT or 8000].")] = None,
    workers: Annotated[
        int | None, typer.Option(help="uvicorn worker processes [default: TP_WORKERS or 1].")
    ] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn's own log level.")] = "warning",
) -> None:
    """Run the prediction service under uvicorn; configuration comes from TP_* variables.

    Example: ticket-priority serve --host 0.0.0.0 --port 8000 --workers 2
    """
    import uvicorn

    from serving.settings import ServerSettings

    server = ServerSettings.from_env(os.environ)
    uvicorn.run(
        "serving.app:create_app",
        factory=True,
        host=host or server.host,
        port=port or server.port,
        workers=workers or server.workers,
        log_level=log_level,
        access_log=False,
    )


def new_key(
    scopes: Annotated[
        str, typer.Option(help="Comma-separated scopes: predict, review, admin.")
    ] = "predict",
    name: Annotated[
        str | None, typer.Option(help="Key id shown in logs (random when omitted).")
    ] = None,
) -> None:
    """Create an API key: the key for the client, and the hashed entry for TP_API_KEYS.

    The service stores only the entry (a SHA-256 of the key); show the key to its owner once.

    Example: ticket-priority new-key --scopes predict,review --name zendesk
    """
    from serving.auth import AuthConfigError, new_api_key

    try:
        plaintext, entry = new_api_key(scopes.split(","), name=name)
    except AuthConfigError as exc:
        raise typer.BadParameter(str(exc), param_hint="--scopes/--name") from None
    console.print(f"key (give to the client):   {plaintext}", soft_wrap=True, highlight=False)
    console.print(f"entry (append to TP_API_KEYS, comma-separated): {entry}", soft_wrap=True,
                  highlight=False)  # fmt: skip


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
    """Attach `serve`, `demo` and `new-key` to the root CLI."""
    app.command("serve")(serve)
    app.command("demo")(demo)
    app.command("new-key")(new_key)
