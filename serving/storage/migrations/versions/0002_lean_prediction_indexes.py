"""Drop the two prediction indexes no query uses; each cost CPU on every stored prediction.

`external_id` (random strings: every insert lands on a random page of a growing index) has no
query that filters on it, and the queue's language filter compares `lower(language)`, which a
plain index on `language` cannot serve. Together they cost about a third of SQLite's insert
work once the table holds 100k predictions (measured with the service's insert statement).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Drop ix_predictions_external_id and ix_predictions_language."""
    op.drop_index("ix_predictions_external_id", table_name="predictions")
    op.drop_index("ix_predictions_language", table_name="predictions")


def downgrade() -> None:
    """Recreate both indexes."""
    op.create_index("ix_predictions_external_id", "predictions", ["external_id"])
    op.create_index("ix_predictions_language", "predictions", ["language"])
