"""Helpers for the review end-to-end tests: a real uvicorn server on a SQLite review store,
seeded through the predict API, and Debian's chromium for Playwright.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from serving.auth import new_api_key
from tests.pg_server import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "review"


@dataclass(frozen=True)
class Keys:
    """Plaintext keys for the helpdesk (predict) and a reviewer (review), and their entries."""

    predict: str
    review: str
    entries: str

    @classmethod
    def new(cls) -> Keys:
        """Fresh keys for one test."""
        predict, predict_entry = new_api_key(["predict"], name="helpdesk")
        review, review_entry = new_api_key(["review"], name="agent-1")
        return cls(predict, review, f"{predict_entry},{review_entry}")


@dataclass
class Server:
    """A running uvicorn process serving the app."""

    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        """What the server printed so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flushing — a crash."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


def server_env(workdir: Path, keys: Keys) -> dict[str, str]:
    """Settings for a rules-only service (no model: fast start) on a SQLite review store."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TP_")}
    env.update(
        TP_API_KEYS=keys.entries,
        TP_DATABASE_URL=f"sqlite:///{workdir / 'reviews.db'}",
        TP_MODEL_REGISTRY="false",
        TP_MODEL_CACHE_DIR=str(workdir / "models"),
        TP_MODEL_REFRESH_SECONDS="0",
        TP_RULES_RELOAD_SECONDS="0",
        TP_MLFLOW_TRACKING_URI=f"sqlite:///{workdir / 'mlflow.db'}",
    )
    return env


def start_server(workdir: Path, env: dict[str, str], timeout: float = 90.0) -> Server:
    """Start `uvicorn serving.app:create_app --factory` and wait until /health/live answers."""
    port = free_port()
    log_path = workdir / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "serving.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = Server(f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{server.log()}")
        try:
            if httpx.get(f"{server.base_url}/health/live", timeout=1.0).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise TimeoutError(f"server not live after {timeout:.0f}s:\n{server.log()}")


@contextmanager
def running(workdir: Path, env: dict[str, str]) -> Iterator[Server]:
    """A server for the duration of the block (terminated, or already killed, at the end)."""
    server = start_server(workdir, env)
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.process.terminate()
            try:
                server.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()


def seed(server: Server, keys: Keys, tickets: Sequence[dict[str, Any]]) -> list[str]:
    """Predict the tickets in one batch call; returns their prediction ids in order."""
    response = httpx.post(
        f"{server.base_url}/v1/predict/batch",
        json={"tickets": list(tickets)},
        headers={"Authorization": f"Bearer {keys.predict}"},
        timeout=60,
    )
    response.raise_for_status()
    return [item["decision"]["prediction_id"] for item in response.json()["results"]]


def ensure_chromium() -> Path:
    """Debian's chromium, installed with apt when missing (never a browser download)."""
    if CHROMIUM.exists():
        return CHROMIUM
    problem = "chromium is missing and apt-get needs root"
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for args in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
            done = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
            if done.returncode != 0:
                problem = f"{' '.join(args)} failed: {done.stderr[-1500:]}"
                break
    if CHROMIUM.exists():
        return CHROMIUM
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"the browser test needs Debian's chromium under CI=true: {problem}")
    pytest.skip(problem)


@contextmanager
def browser_context(**options: Any) -> Iterator[Any]:
    """A new context (viewport, time zone, cookies) in headless Debian chromium, with 15 s
    timeouts; the browser is closed afterwards."""
    chromium = ensure_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(**options)
            context.set_default_timeout(15_000)
            yield context
        finally:
            browser.close()
