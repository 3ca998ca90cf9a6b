"""Suite-wide hygiene: tests never see the developer's TP_* settings or MLflow's git probing."""

from __future__ import annotations

import os

for _name in [name for name in os.environ if name.startswith("TP_")]:
    del os.environ[_name]
os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
