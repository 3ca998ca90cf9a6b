"""Start the real `ticket-priority serve` command on a free port and wait until it answers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from serving.auth import new_api_key
from tests.ports import free_port

CLI = Path(sys.executable).with_name("ticket-priority")


def service_env(
    workdir: Path, tracking_uri: str, scopes: Sequence[str] = ("predict",), **extra: str
) -> tuple[dict[str, str], dict[str, str]]:
    """`TP_` variables for a service on `tracking_uri` with its model cache in `workdir`, and
    the headers of a new API key with `scopes`; `extra` adds or overrides variables."""
    key, entry = new_api_key(list(scopes), name="e2e")
    env = {
        "TP_MLFLOW_TRACKING_URI": tracking_uri,
        "TP_MODEL_CACHE_DIR": str(workdir / "models"),
        "TP_API_KEYS": entry,
        **extra,
    }
    return env, {"Authorization": f"Bearer {key}"}


@dataclass
class LiveServer:
    """A running service: its base URL and process."""

    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        """What the server printed so far (for assertion messages)."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextmanager
def live_server(
    env: Mapping[str, str], workdir: Path, *, ready_timeout: float = 90.0
) -> Iterator[LiveServer]:
    """Run `ticket-priority serve` (granian by default) with `env` added; stop it at the end."""
    port = free_port()
    log_path = workdir / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(CLI), "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=workdir,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(f"http://127.0.0.1:{port}", process, log_path)
    try:
        _wait_until_live(server, ready_timeout)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_live(server: LiveServer, timeout: float) -> None:
    wait_until_up(f"{server.base_url}/health/live", server.process, server.log_path, timeout)


def wait_until_up(
    url: str, process: subprocess.Popen[bytes], log_path: Path, timeout: float
) -> None:
    """Poll `url` until it answers 200; fail with the log if the process exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}:\n{log}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    log = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
    raise TimeoutError(f"{url} not up after {timeout:.0f}s:\n{log}")
