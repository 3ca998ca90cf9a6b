"""Fixtures for the export contract: a small valid export in the plain schema."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

LEVELS = ("low", "medium", "high", "urgent")


def make_rows(per_level: int = 25) -> list[dict[str, Any]]:
    """Distinct, valid tickets: `per_level` of each default level, one per day."""
    rows = []
    for i in range(per_level * len(LEVELS)):
        level = LEVELS[i % len(LEVELS)]
        rows.append(
            {
                "ticket_id": f"T{i:04d}",
                "created_at": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T09:{i % 60:02d}:00Z",
                "subject": f"Ticket {i}",
                "body": f"Beskrivelse af problem nummer {i}",
                "language": "da",
                "channel": "email",
                "tier": "standard",
                "monthly_value": str(10 * i),
                "priority": level,
            }
        )
    return rows


@pytest.fixture
def rows() -> list[dict[str, Any]]:
    """A fresh list of valid rows each test may edit."""
    return make_rows()


def frame_of(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The rows as a frame of strings, as a CSV export reads."""
    return pd.DataFrame(rows).astype(str)
