"""The active SLA rules: loaded once, reloaded when the file changes, never replaced by a
broken file (the old rules stay and the error shows in /health/ready and the log)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

from classifier.errors import RuleConfigError

log = structlog.get_logger("serving.rules_store")

RuleSetLoader = Callable[[Path], Any]


def default_loader(path: Path) -> Any:
    """`classifier.rules.load_ruleset`."""
    from classifier.rules import load_ruleset

    return load_ruleset(path)


@dataclass(frozen=True)
class LoadedRules:
    """A validated rule set and the file it came from."""

    ruleset: Any
    path: Path
    sha256: str
    mtime_ns: int

    def describe(self) -> dict[str, Any]:
        """File, hash and levels, for /v1/rules."""
        scale = getattr(self.ruleset, "scale", None)
        rules = getattr(self.ruleset, "rules", ()) or ()
        return {
            "source": str(getattr(self.ruleset, "source", self.path)),
            "sha256": self.sha256,
            "levels": list(getattr(scale, "levels", ()) or ()),
            "default_level": getattr(scale, "default", None),
            "rule_ids": [str(getattr(r, "id", getattr(r, "rule_id", r))) for r in rules],
        }


class RulesStore:
    """Holds the active rules.

    Attributes:
        current: the rules in force (set by `load()`; never None after a successful start).
        problem: the last rejected file's error, cleared when a good file loads.
    """

    def __init__(self, path: Path, loader: RuleSetLoader = default_loader) -> None:
        self.path = path
        self.loader = loader
        self._current: LoadedRules | None = None
        self.problem: str | None = None
        self._rejected_mtime: int | None = None
        self._lock = threading.Lock()

    @property
    def current(self) -> LoadedRules:
        """The rules in force.

        Raises:
            RuleConfigError: `load()` never succeeded.
        """
        if self._current is None:
            raise RuleConfigError(f"{self.path}: no rules loaded ({self.problem or 'not yet'})")
        return self._current

    @property
    def loaded(self) -> bool:
        """Whether any rules are in force."""
        return self._current is not None

    def _read(self) -> LoadedRules:
        try:
            stat = self.path.stat()
            data = self.path.read_bytes()
        except OSError as exc:
            raise RuleConfigError(f"{self.path}: cannot read the rules file: {exc}") from exc
        try:
            ruleset = self.loader(self.path)
        except RuleConfigError:
            raise
        except Exception as exc:  # a validation gap must not turn a bad file into 500s
            log.exception("rules_loader_failed", path=str(self.path))
            raise RuleConfigError(f"{self.path}: cannot be loaded: {exc!r}") from exc
        sha = str(getattr(ruleset, "sha256", "") or hashlib.sha256(data).hexdigest())
        return LoadedRules(ruleset=ruleset, path=self.path, sha256=sha, mtime_ns=stat.st_mtime_ns)

    def load(self) -> LoadedRules:
        """Load the file now (start-up and admin reload).

        Raises:
            RuleConfigError: the file is missing or invalid; the old rules stay in force.
        """
        with self._lock:
            try:
                loaded = self._read()
            except RuleConfigError as exc:
                self.problem = str(exc)
                self._rejected_mtime = self._mtime()
                log.error("rules_rejected", path=str(self.path), problem=self.problem)
                raise
            previous = self._current
            self._current = loaded
            self.problem = None
            if previous is None or previous.sha256 != loaded.sha256:
                log.info("rules_loaded", path=str(self.path), sha256=loaded.sha256)
            return loaded

    def _mtime(self) -> int | None:
        try:
            return self.path.stat().st_mtime_ns
        except OSError:
            return None

    def changed(self) -> bool:
        """Whether the file differs from the loaded one and was not already rejected as is."""
        mtime = self._mtime()
        if mtime is not None and mtime == self._rejected_mtime:
            return False
        return self._current is None or mtime != self._current.mtime_ns

    def check(self) -> bool:
        """Reload if the file changed; a broken file is rejected and the old rules kept.

        Returns:
            True when different rules are now in force.
        """
        if not self.changed():
            return False
        before = self._current.sha256 if self._current else None
        try:
            loaded = self.load()
        except RuleConfigError:
            return False
        return loaded.sha256 != before
