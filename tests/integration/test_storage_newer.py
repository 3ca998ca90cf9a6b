"""A review store migrated by a newer release is refused in one line, on SQLite and PostgreSQL.

`serve` exits with status 2 before any worker starts; a worker that meets such a store anyway
(the server was down when `serve` checked) stays up, degraded, instead of restarting in a loop.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from litestar.testing import TestClient
from typer.testing import CliRunner

from serving import serve_cli
from serving.app import create_app
from serving.cli import app
from serving.storage.migrate import current_revision, head_revision, upgrade
from serving.storage.settings import StorageSettings
from tests.pg_server import PgServer
from tests.review_fixtures import pg_server  # noqa: F401 - the session's PostgreSQL
from tests.serving_fakes import FakeModel, keys, make_runtime

NEWER = "0099"
CLI = Path(sys.executable).with_name("ticket-priority")


@pytest.fixture(params=["sqlite", "postgresql"])
def newer_store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store migrated to this release's head, then stamped with a revision it does not know."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'reviews.db'}"
        upgrade(url)
        with sqlite3.connect(tmp_path / "reviews.db") as connection:
            connection.execute("UPDATE alembic_version SET version_num = ?", (NEWER,))
    else:
        server: PgServer | None = request.getfixturevalue("pg_server")
        if server is None:
            pytest.skip("PostgreSQL could not be started here (it is required under CI=true)")
        url = server.create_database(f"tp_newer_{uuid.uuid4().hex[:8]}")
        upgrade(url)
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("UPDATE alembic_version SET version_num = %s", (NEWER,))
    assert current_revision(url) == NEWER
    return url


def _one_line(text: str) -> str:
    return " ".join(text.split())


def test_serve_refuses_a_newer_store_before_any_worker_starts(
    newer_store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[object] = []
    monkeypatch.setattr(serve_cli, "run_granian", lambda **kw: started.append(kw))
    served = CliRunner().invoke(app, ["serve"], env={"TP_DATABASE_URL": newer_store})
    output = _one_line(served.output)
    assert (served.exit_code, started) == (2, [])
    assert f"is at revision {NEWER}, which this version does not know" in output
    assert f"its newest is {head_revision()}" in output
    assert "Upgrade this service to that version, or point TP_DATABASE_URL at another" in output
    assert current_revision(newer_store) == NEWER  # untouched


def test_the_real_serve_exits_once_with_one_error_line(newer_store: str, tmp_path: Path) -> None:
    env = {**os.environ, "TP_DATABASE_URL": newer_store, "TP_MODEL_CACHE_DIR": str(tmp_path)}
    done = subprocess.run(
        [str(CLI), "serve", "--host", "127.0.0.1", "--port", "0"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert output.count("error:") == 1, output
    assert "Traceback" not in output
    assert f"revision {NEWER}" in output


def test_a_worker_meeting_a_newer_store_stays_up_and_says_why(
    newer_store: str, tmp_path: Path
) -> None:
    review_key, review_entry = keys()["review"]
    runtime = make_runtime(
        tmp_path,
        model=FakeModel(),
        keys=[review_entry],
        storage=StorageSettings(database_url=newer_store),
    )
    with TestClient(create_app(runtime=runtime)) as client:
        ready = client.get("/health/ready").json()
        refused = [p for p in ready["problems"] if p.startswith("review store refused")]
        assert len(refused) == 1, ready
        assert f"revision {NEWER}" in refused[0]
        assert f"its newest is {head_revision()}" in refused[0]
        assert "://" not in refused[0]  # no database URL on a public endpoint
        queue = client.get("/v1/reviews/queue", headers={"Authorization": f"Bearer {review_key}"})
        assert queue.status_code == 503
        assert queue.json()["detail"] == refused[0]
    assert current_revision(newer_store) == NEWER
