"""`TP_API_KEYS_FILE`: API keys read from a file, re-read on reload without a restart.

One `<key_id>:<sha256 hex>:<scope>+<scope>` entry per line (`ticket-priority new-key` prints
one); blank lines and `#` comments are skipped. Every worker re-reads the file when it reloads
the rules (the periodic check, `POST /v1/admin/reload` and its broadcast), and a file that
does not parse, or holds no key, is rejected: the keys in force stay, as a broken rules file
leaves the old rules.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import structlog

from serving.auth import ApiKey, AuthConfigError, Keyring, parse_entry

log = structlog.get_logger("serving.key_file")


class KeyFileError(AuthConfigError):
    """The key file cannot be read or parsed; the message names the file, the line and the fix."""


def parse_key_file(text: str, source: str) -> tuple[ApiKey, ...]:
    """The keys of a key file's `text`; `source` names the file in errors.

    Raises:
        KeyFileError: a malformed line (named by its number) or no key at all.
    """
    keys: list[ApiKey] = []
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        try:
            keys.append(parse_entry(entry, f"{source} line {number}: entry"))
        except AuthConfigError as exc:
            raise KeyFileError(str(exc)) from None
    if not keys:
        raise KeyFileError(
            f"{source}: no API key entries (only blank lines or # comments); add one line per "
            "key from `ticket-priority new-key` (the keys in force stay until then)"
        )
    return tuple(keys)


def read_key_file(path: Path) -> tuple[ApiKey, ...]:
    """Read and parse the key file at `path`.

    Raises:
        KeyFileError: unreadable, malformed or without keys.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"TP_API_KEYS_FILE {path}: cannot be read: {exc}") from None
    return parse_key_file(text, f"TP_API_KEYS_FILE {path}")


class KeyFile:
    """Keeps `keyring` in step with the key file, never replacing good keys by a bad file.

    Attributes:
        problem: the last rejected file's error, cleared when a good file loads.
    """

    def __init__(self, path: Path, keyring: Keyring) -> None:
        self.path = path
        self.keyring = keyring
        self.problem: str | None = None
        # The file's mtime when it was last loaded or rejected (None: missing); -1: never read.
        self._read_mtime: int | None = -1
        self._lock = threading.Lock()

    def _stat(self) -> int | None:
        try:
            return self.path.stat().st_mtime_ns
        except OSError:
            return None

    def load(self) -> bool:
        """Read the file now (start-up and admin reload).

        Returns:
            True when the keys in force changed.

        Raises:
            KeyFileError: the file is unreadable, malformed or empty; the keys stay.
        """
        with self._lock:
            mtime = self._stat()
            try:
                keys = read_key_file(self.path)
            except KeyFileError as exc:
                self.problem = str(exc)
                self._read_mtime = mtime
                log.error("api_keys_rejected", path=str(self.path), problem=self.problem)
                raise
            changed = keys != self.keyring.keys
            self.keyring.replace(keys)
            self._read_mtime, self.problem = mtime, None
            if changed:
                log.info(
                    "api_keys_loaded",
                    path=str(self.path),
                    key_ids=[k.key_id for k in keys],
                    pid=os.getpid(),  # each worker loads the file: one line per worker
                )
            return changed

    def check(self) -> bool:
        """Reload if the file changed since it was last loaded or rejected.

        Returns:
            True when the keys in force changed.
        """
        if self._stat() == self._read_mtime:
            return False
        try:
            return self.load()
        except KeyFileError:
            return False
