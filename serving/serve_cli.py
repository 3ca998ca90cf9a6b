"""`serve` and `demo`: run the service, or the whole walking skeleton end to end."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console

if TYPE_CHECKING:
    from serving.settings import ServerSettings, Settings

console = Console()
err = Console(stderr=True, soft_wrap=True)  # an error line is not folded inside a path

DEMO_DIR = Path(".demo")
DEMO_ROWS = 20_000
APP_FACTORY = "serving.app:create_app"


def serve(
    host: Annotated[
        str | None, typer.Option(help="Interface to bind \\[default: TP_HOST or 127.0.0.1].")
    ] = None,
    port: Annotated[int | None, typer.Option(help="TCP port \\[default: TP_PORT or 8000].")] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes \\[default: TP_WORKERS or 1].")
    ] = None,
    server: Annotated[
        str | None,
        typer.Option(help="ASGI server: granian or uvicorn \\[default: TP_SERVER or granian]."),
    ] = None,
    log_level: Annotated[str, typer.Option(help="The ASGI server's own log level.")] = "warning",
) -> None:
    """Run the prediction service; configuration comes from TP_* variables.

    Example:

      ticket-priority serve --host 0.0.0.0 --port 8000 --workers 2
        --server granian
    """
    from serving.settings import HTTP_SERVERS

    settings = preflight().server
    chosen = (server or settings.http_server).strip().lower()
    if chosen not in HTTP_SERVERS:
        raise typer.BadParameter(
            f"{server!r} is not a known server; use one of {', '.join(HTTP_SERVERS)}",
            param_hint="--server",
        )
    run = run_granian if chosen == "granian" else run_uvicorn
    count = workers or settings.workers
    host, port = host or settings.host, port or settings.port
    ensure_port_free(host, port)
    from serving.metrics_dir import is_multiprocess, multiproc_dir

    with contextlib.ExitStack() as stack:
        if count > 1 or is_multiprocess():
            # Workers share their metrics through files (see serving.metrics_dir); an
            # operator's folder is emptied even for one worker, or last run's counts add up.
            stack.enter_context(multiproc_dir(os.environ))
        run(
            host=host,
            port=port,
            workers=count,
            log_level=log_level,
            stop_seconds=settings.stop_seconds,
        )


def ensure_port_free(host: str, port: int) -> None:
    """Refuse to start on a port another process listens on.

    granian binds with SO_REUSEPORT, so a second service on a busy port would start without
    an error and silently take part of the first one's traffic (into its own review store).
    A plain bind (no SO_REUSEPORT) fails when anyone listens there.

    The same probe turns a port out of range, a host that is not this machine's or does not
    resolve, and a privileged port into one line naming TP_PORT/TP_HOST, instead of the
    server's traceback.

    Raises:
        typer.Exit: the port is in use or cannot be bound there (exit status 2).
    """
    from serving.settings import MAX_PORT

    if not 0 <= port <= MAX_PORT:
        _refuse(f"port {port} is not a TCP port (0-{MAX_PORT}); pass --port or set TP_PORT")
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except socket.gaierror:
            _refuse(
                f"host {host!r} is neither an IP address nor a name this machine resolves; "
                "pass --host or set TP_HOST (127.0.0.1 for this machine only, 0.0.0.0 for all "
                "its addresses)"
            )
        except OSError as exc:
            if exc.errno in _BIND_PROBLEMS:
                _refuse(_BIND_PROBLEMS[exc.errno].format(host=host, port=port))
            # anything else the server reports itself


# Why binding failed, as one line naming the setting and the fix.
_BIND_PROBLEMS = {
    errno.EADDRINUSE: "port {port} on {host} is already in use (another service?); pass --port "
    "or set TP_PORT",
    errno.EADDRNOTAVAIL: "host {host} is not an address of this machine; pass --host or set "
    "TP_HOST to one of its addresses (127.0.0.1 for this machine only, 0.0.0.0 for all)",
    errno.EACCES: "port {port} on {host} needs privileges this user does not have (ports below "
    "1024); pass --port or set TP_PORT to 1024 or above",
}


def _refuse(message: str) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(2)


def preflight() -> Settings:
    """Check every TP_* setting, the API keys, the rules file and the review store up front.

    Workers would otherwise find a bad value one by one, each crash printing a traceback until
    the server gives up; here it is one line naming the variable and the fix.

    Raises:
        typer.Exit: a setting is unusable (exit status 2).
    """
    from classifier.errors import RuleConfigError
    from classifier.rules import load_ruleset
    from serving.auth import AuthConfigError, Keyring
    from serving.key_file import read_key_file
    from serving.settings import Settings, SettingsError
    from serving.storage.engine import DatabaseUrlError, async_url
    from serving.storage.migrate import NewerSchema, check_not_newer
    from serving.storage.settings import StorageSettings, StorageSettingsError

    try:
        settings = Settings.from_env(os.environ)
        Keyring(settings.auth.api_keys, required=settings.auth.required)
        if settings.auth.api_keys_file is not None:
            read_key_file(settings.auth.api_keys_file)
        elif settings.auth.required and not settings.auth.api_keys:
            err.print(
                "[bold yellow]warning:[/] TP_API_KEYS is empty, so every protected endpoint "
                "answers 401; make a key with `ticket-priority new-key --scopes predict,review`",
                highlight=False,
            )
        _check_folders(settings)
        database_url = StorageSettings.from_env(os.environ).database_url
        async_url(database_url)
        check_not_newer(database_url)
        load_ruleset(settings.rules.path)
    except RuleConfigError as exc:
        err.print(f"[bold red]error:[/] TP_RULES_FILE: {exc}", highlight=False)
        raise typer.Exit(2) from None
    except (
        SettingsError,
        AuthConfigError,
        DatabaseUrlError,
        StorageSettingsError,
        NewerSchema,
    ) as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from None
    return settings


def _check_folders(settings: Settings) -> None:
    """The folders workers write to, checked once: a worker would meet a bad one as a
    traceback, and a model cache it cannot use leaves the service answering without its model.

    Raises:
        SettingsError: a folder that is a file, or cannot be created or written.
    """
    from serving.metrics_dir import MULTIPROC_ENV
    from serving.settings import SettingsError

    folders = [
        (
            "TP_MODEL_CACHE_DIR",
            settings.model.cache_dir,
            "the model cache, served when the registry is down",
        )
    ]
    if os.environ.get(MULTIPROC_ENV):
        folders.append(
            (MULTIPROC_ENV, Path(os.environ[MULTIPROC_ENV]), "or unset it: serve makes its own")
        )
    for name, folder, purpose in folders:
        problem = folder_problem(folder)
        if problem is not None:
            raise SettingsError(
                f"{name}={folder}: {problem}; point it at a folder this user can write ({purpose})"
            )


def folder_problem(folder: Path) -> str | None:
    """Why `folder` cannot be used as a folder to write in (made if missing), or None."""
    if folder.exists():
        if not folder.is_dir():
            return "is a file, not a folder"
        return None if os.access(folder, os.W_OK | os.X_OK) else "is not writable by this user"
    parent = folder.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        return f"cannot be made: {parent} is a file"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot be made: {parent} is not writable by this user"
    return None


def run_uvicorn(*, host: str, port: int, workers: int, log_level: str, stop_seconds: int) -> None:
    """Serve `serving.app:create_app` under uvicorn (uvloop and httptools when installed).

    After SIGTERM, requests still running after `stop_seconds` are cancelled.
    """
    import uvicorn

    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=stop_seconds,
    )


def run_granian(*, host: str, port: int, workers: int, log_level: str, stop_seconds: int) -> None:
    """Serve `serving.app:create_app` under granian (Rust HTTP, ASGI with lifespan).

    One runtime thread per worker: the app does its work on the event loop, so more threads
    only compete for the same core. A worker that dies (killed, out of memory) is started
    again; granian would otherwise stop the whole service. SIGTERM or SIGINT stops the
    service at any moment of its start (see `default_stop_signals`); a worker not stopped
    `stop_seconds` after it (`TP_STOP_SECONDS`) is killed, which loses the predictions it
    answered but had not yet stored.
    """
    from granian.constants import Interfaces
    from granian.log import LogLevels
    from granian.server import Server

    from serving.logging import granian_log_config

    os.register_at_fork(after_in_child=default_stop_signals)
    Server(
        APP_FACTORY,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        runtime_threads=1,
        factory=True,
        log_level=LogLevels(log_level.lower()),
        log_access=False,
        log_dictconfig=granian_log_config(),
        respawn_failed_workers=True,
        workers_kill_timeout=stop_seconds,
    ).serve()


def default_stop_signals() -> None:
    """In a forked worker: SIGTERM and SIGINT end it, until granian sets its own handlers.

    The fork copies the main process's handlers, which only tell the main process to stop.
    A worker still loading the app (a few seconds) would take its SIGTERM for that and carry
    on, and the main process would wait for it forever. With the default action the worker
    dies at once: there is nothing to close yet. granian installs its graceful handlers
    before the app's lifespan starts.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def new_key(
    scopes: Annotated[
        str, typer.Option(help="Comma-separated scopes: predict, review, admin.")
    ] = "predict",
    name: Annotated[
        str | None, typer.Option(help="Key id shown in logs (random when omitted).")
    ] = None,
) -> None:
    """New API key: the key for the client and the hashed entry for TP_API_KEYS or
    TP_API_KEYS_FILE.

    The service stores only the entry (a SHA-256 of the key); show the key to
    its owner once. With TP_API_KEYS_FILE, append the entry as a line of the
    file and reload (no restart); the old key of the same name keeps working
    until its line is removed and the service reloaded again.

    Example:

      ticket-priority new-key --scopes predict,review --name zendesk

      echo 'zendesk:<sha256>:predict+review' >> "$TP_API_KEYS_FILE"

      curl -X POST -H "Authorization: Bearer $ADMIN_KEY" \\
        http://127.0.0.1:8000/v1/admin/reload
    """
    from serving.auth import AuthConfigError, new_api_key

    try:
        plaintext, entry = new_api_key(scopes.split(","), name=name)
    except AuthConfigError as exc:
        raise typer.BadParameter(str(exc), param_hint="--scopes/--name") from None
    console.print(f"key (give to the client):   {plaintext}", soft_wrap=True, highlight=False)
    console.print(f"entry (append to TP_API_KEYS, comma-separated): {entry}", soft_wrap=True,
                  highlight=False)  # fmt: skip
    console.print(
        f"or, with TP_API_KEYS_FILE: echo '{entry}' >> \"$TP_API_KEYS_FILE\" and "
        "POST /v1/admin/reload (no restart)",
        soft_wrap=True,
        highlight=False,
    )


def demo(
    rows: Annotated[int, typer.Option(help="Synthetic tickets to generate.")] = DEMO_ROWS,
    host: Annotated[
        str | None, typer.Option(help="Interface to bind \\[default: TP_HOST or 127.0.0.1].")
    ] = None,
    port: Annotated[int | None, typer.Option(help="TCP port \\[default: TP_PORT or 8000].")] = None,
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start the service at the end.")
    ] = True,
    retrain: Annotated[bool, typer.Option(help="Train again even if a champion exists.")] = False,
) -> None:
    """Make data, train, register the champion in MLflow, then serve it.

    Everything lives in the current folder: `.demo/` (data, keys), `mlflow.db`
    and `mlartifacts/` (MLflow), `models/` (model cache). A second run reuses
    all of it.

    Example:

      ticket-priority demo --rows 5000 --port 8080
    """
    from serving.demo import prepare_demo, print_banner

    server = _server_settings()
    host, port = host or server.host, port or server.port
    if serve_after:
        ensure_port_free(host, port)  # before minutes of training, not after
    state = prepare_demo(DEMO_DIR, rows=rows, retrain=retrain, console=console)
    print_banner(state, host=host, port=port, console=console)
    if serve_after:
        os.environ.update(state.environment)
        serve(host=host, port=port, workers=1, log_level="warning")


def _server_settings() -> ServerSettings:
    """TP_HOST, TP_PORT and the other server settings, or one error line."""
    from serving.settings import Settings, SettingsError

    try:
        return Settings.from_env(os.environ).server
    except SettingsError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from None


def register(app: typer.Typer) -> None:
    """Attach `serve`, `demo` and `new-key` to the root CLI."""
    app.command("serve")(serve)
    app.command("demo")(demo)
    app.command("new-key")(new_key)
