"""A keyed request's answer kept as text: a replay from the store is the first answer's bytes.

`predictions.decision` is JSONB on PostgreSQL, which lists an object's keys in its own order,
so an answer rebuilt from it differed from the first answer in the order of `probabilities`.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add predictions.answer (NULL for predictions without a key and for earlier ones, whose
    replays are rebuilt from `decision` as before)."""
    with op.batch_alter_table("predictions") as batch:
        batch.add_column(sa.Column("answer", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop predictions.answer."""
    with op.batch_alter_table("predictions") as batch:
        batch.drop_column("answer")
