"""An admin reload reaches every worker, not only the one that answered it.

`POST /v1/admin/reload` lands on one worker process. That worker reloads at once and then
writes a new generation into `<model cache dir>/reload-request`, a folder every worker of a
service shares; each worker looks at the file once a second and, when the generation is not
the last one it saw, checks the rules file and the registry alias itself.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import structlog

log = structlog.get_logger("serving.reload_signal")

FILE_NAME = "reload-request"


class ReloadSignal:
    """The shared request file and the generation this worker last acted on."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen = self._read()

    def _read(self) -> str | None:
        try:
            return self.path.read_text(encoding="utf-8").strip() or None
        except OSError:
            return None

    def request(self) -> bool:
        """Ask the other workers to reload; False (with a warning) if the file cannot be written."""
        generation = f"{time.time_ns()}-{os.getpid()}"
        self.seen = generation  # this worker has just reloaded
        staging = self.path.with_name(f".{FILE_NAME}-{os.getpid()}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            staging.write_text(generation, encoding="utf-8")
            os.replace(staging, self.path)
        except OSError as exc:
            log.warning("reload_not_broadcast", path=str(self.path), problem=str(exc))
            return False
        return True

    def pending(self) -> bool:
        """True once for each generation another worker has written since this one looked."""
        current = self._read()
        if current is None or current == self.seen:
            return False
        self.seen = current
        return True
