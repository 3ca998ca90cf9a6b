"""The Dockerfile cannot be built here (no Docker engine); check what can be checked by reading."""

from __future__ import annotations

import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _lines() -> list[str]:
    return [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]


def test_every_copied_path_exists_and_is_not_ignored() -> None:
    ignored = [
        p.strip().rstrip("/")
        for p in (ROOT / ".dockerignore").read_text().splitlines()
        if p.strip() and not p.startswith("#")
    ]
    copied = [
        source
        for line in _lines()
        if line.startswith("COPY ") and "--from=" not in line
        for source in line.split()[1:-1]
    ]
    assert copied
    for source in copied:
        assert (ROOT / source).exists(), source
        assert not any(fnmatch.fnmatch(source, pattern) for pattern in ignored), source


def test_the_review_store_and_models_live_in_volumes() -> None:
    text = "\n".join(_lines())
    assert 'VOLUME ["/app/models", "/app/data"]' in text
    assert "TP_DATABASE_URL=sqlite:////app/data/reviews.db" in text
    assert "USER app" in text
