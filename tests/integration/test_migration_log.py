"""alembic's lines (which migrations ran) come out as the service's other log lines do: with
JSON logging on, every stdout line of a migration run is a JSON object with an `event`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from serving.storage.migrate import head_revision

ROOT = Path(__file__).resolve().parents[2]
CLI = str(Path(sys.executable).parent / "ticket-priority")
# The service started as tests start it, with the review store on: its lifespan migrates.
SERVE = """
import sys
from pathlib import Path
from litestar.testing import TestClient
from serving.app import create_app
from serving.storage.settings import StorageSettings
from tests.serving_fakes import FakeModel, make_runtime

tmp = Path(sys.argv[1])
storage = StorageSettings(database_url=f"sqlite:///{tmp / 'reviews.db'}")
runtime = make_runtime(tmp, model=FakeModel(), keys=[], storage=storage)
with TestClient(create_app(runtime=runtime)) as client:
    assert client.get("/health/live").status_code == 200
"""


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TP_LOG")}
    environment["COLUMNS"] = "500"  # rich would wrap the result line at 80
    return subprocess.run(
        args,
        check=False,
        cwd=ROOT,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _json_lines(lines: list[str]) -> list[dict[str, Any]]:
    parsed = [json.loads(line) for line in lines]  # a plain-text line fails here
    assert all(isinstance(entry.get("event"), str) for entry in parsed), parsed
    return parsed


def _upgrades(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in entries if str(e["event"]).startswith("Running upgrade")]


@pytest.mark.parametrize(
    "before",
    # Importing mlflow (as `make demo` does, training before it serves) gives alembic's logger
    # a plain-text handler of mlflow's own and stops it propagating.
    ["", "import mlflow\n"],
    ids=["service", "after-mlflow"],
)
def test_migrations_at_serve_start_log_json_lines_only(tmp_path: Path, before: str) -> None:
    done = _run([sys.executable, "-c", before + SERVE, str(tmp_path)])
    assert done.returncode == 0, done.stderr
    entries = _json_lines(done.stdout.splitlines())
    upgrades = _upgrades(entries)
    assert len(upgrades) == int(head_revision() or 0)  # 0001 ... head, one line each
    assert upgrades[0]["event"].startswith("Running upgrade  -> 0001")
    assert {(e["logger"], e["level"]) for e in upgrades} == {("alembic.runtime.migration", "info")}
    assert all(e["timestamp"].endswith("Z") for e in upgrades)
    assert "service_started" in [e["event"] for e in entries]
    assert "alembic" not in done.stderr


def test_db_upgrade_logs_its_migrations_as_json_then_its_result(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'reviews.db'}"
    done = _run([CLI, "db", "upgrade", "--database-url", url])
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    logged = [line for line in lines if line.startswith("{")]
    assert len(_upgrades(_json_lines(logged))) == int(head_revision() or 0)
    assert lines[len(logged) :] == [f"{url} is at revision {head_revision()}"]  # then the result


def test_db_upgrade_with_text_logs_logs_readable_lines(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'reviews.db'}"
    args = [CLI, "db", "upgrade", "--database-url", url]
    done = _run(args, TP_LOG_JSON="false")
    assert done.returncode == 0, done.stderr
    upgrades = [line for line in done.stdout.splitlines() if "Running upgrade" in line]
    assert len(upgrades) == int(head_revision() or 0)
    assert all("[info" in line and not line.startswith("{") for line in upgrades)
