"""Suite-wide hygiene and set-up.

- Tests never see the developer's TP_* settings or MLflow's git probing.
- Debian's `postgresql` and `chromium` (PostgreSQL storage tests, browser tests) are installed
  once, before the xdist workers start, when they are missing and we are root with apt-get (as
  in CI). Two workers running apt-get at once would fight over dpkg's lock.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys

import pytest

for _name in [name for name in os.environ if name.startswith("TP_")]:
    del os.environ[_name]
os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")

SYSTEM_PACKAGES = {
    "postgresql": lambda: bool(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")),
    "chromium": lambda: os.path.exists("/usr/bin/chromium"),
}


def _install_system_packages() -> None:
    missing = [name for name, present in SYSTEM_PACKAGES.items() if not present()]
    if not missing or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return  # the fixtures that need them skip, or fail under CI=true, with the reason
    print(f"installing Debian packages for the test suite: {' '.join(missing)}", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for args in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *missing]):
        done = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0:
            print(f"{' '.join(args)} failed:\n{done.stderr[-2000:]}", file=sys.stderr)
            return


def pytest_configure(config: pytest.Config) -> None:
    """Install missing system packages once, in the controller process only."""
    if not hasattr(config, "workerinput"):
        _install_system_packages()
