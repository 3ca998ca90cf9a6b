"""Record which API key sent each review: the agent name is whatever the caller writes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add reviews.key_id (empty for reviews stored before)."""
    with op.batch_alter_table("reviews") as batch:
        batch.add_column(sa.Column("key_id", sa.String(64), nullable=True))


def downgrade() -> None:
    """Drop reviews.key_id."""
    with op.batch_alter_table("reviews") as batch:
        batch.drop_column("key_id")
