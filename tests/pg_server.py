"""A throwaway PostgreSQL server for tests: Debian's package, a temp data dir, a free port.

`PgServer.start()` installs `postgresql` with apt when no server binaries are found (needs
root), runs initdb as the `postgres` user (initdb refuses root), starts the server on
127.0.0.1 with fsync off (test data need not survive a power cut) and `stop()` removes it all.
`create_database()` gives each test its own empty database.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tests.ports import free_port

PG_USER = "postgres"


class PgUnavailableError(RuntimeError):
    """PostgreSQL could not be installed or started; the message says what failed."""


def _bin_dir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def ensure_installed() -> Path:
    """The PostgreSQL bin folder, installing Debian's `postgresql` first if it is missing."""
    found = _bin_dir()
    if found is not None:
        return found
    if os.geteuid() != 0:
        raise PgUnavailableError("postgresql is not installed and installing it needs root")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for args in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "postgresql"]):
        result = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
        if result.returncode != 0:
            raise PgUnavailableError(f"{' '.join(args)} failed: {result.stderr[-2000:]}")
    found = _bin_dir()
    if found is None:
        raise PgUnavailableError("apt installed postgresql but no /usr/lib/postgresql/*/bin/pg_ctl")
    return found


def _as_postgres(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", PG_USER, "--", *args]
    return args


@dataclass
class PgServer:
    """One running PostgreSQL cluster owned by the test session."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="tp-pg-")))
    port: int = field(default_factory=free_port)
    bin_dir: Path | None = None
    started: bool = False

    @property
    def data_dir(self) -> Path:
        """The cluster's data folder."""
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL for one database on this server."""
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/{database}"

    def _run(self, args: list[str], timeout: float = 60) -> None:
        result = subprocess.run(
            _as_postgres(args), capture_output=True, text=True, timeout=timeout, check=False
        )
        if result.returncode != 0:
            raise PgUnavailableError(
                f"{args[0]} failed ({result.returncode}): {result.stderr[-2000:]}"
            )

    def start(self) -> PgServer:
        """Install if needed, initdb, start and wait until connections are accepted."""
        self.bin_dir = ensure_installed()
        if os.geteuid() == 0:
            shutil.chown(self.root, user=PG_USER)
        self.root.chmod(0o700)
        self._run(
            [str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "-U", PG_USER,
             "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"],
        )  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=100 -c shared_buffers=32MB"
        )
        self._run(
            [str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-o", options,
             "-l", str(self.root / "server.log"), "-w", "-t", "60", "start"],
        )  # fmt: skip
        self.started = True
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 30) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self.url()):
                    return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise PgUnavailableError(
                        f"PostgreSQL did not accept connections: {exc}"
                    ) from exc
                time.sleep(0.1)

    def create_database(self, name: str | None = None, template: str | None = None) -> str:
        """Create a database (empty, or a copy of `template`) and return its URL."""
        import psycopg

        db = name or f"t_{uuid.uuid4().hex[:12]}"
        copy = f' TEMPLATE "{template}"' if template else ""
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{db}"{copy}')
        return self.url(db)

    def stop(self) -> None:
        """Stop the server (fast) and delete its folder."""
        if self.started and self.bin_dir is not None:
            with contextlib.suppress(PgUnavailableError, subprocess.TimeoutExpired):
                self._run(
                    [str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate",
                     "-w", "stop"],
                    timeout=30,
                )  # fmt: skip
            self.started = False
        shutil.rmtree(self.root, ignore_errors=True)
