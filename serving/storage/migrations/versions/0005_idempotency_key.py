"""One prediction per idempotency key: a retried webhook must not queue the ticket twice.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add predictions.idempotency_key (unique where set; NULL for every earlier prediction)
    and predictions.request_sha256."""
    with op.batch_alter_table("predictions") as batch:
        batch.add_column(sa.Column("idempotency_key", sa.String(320), nullable=True))
        batch.add_column(sa.Column("request_sha256", sa.String(64), nullable=True))
    keyed = sa.text("idempotency_key IS NOT NULL")  # rows without a key stay out of it
    op.create_index(
        "uq_predictions_idempotency_key",
        "predictions",
        ["idempotency_key"],
        unique=True,
        postgresql_where=keyed,
        sqlite_where=keyed,
    )


def downgrade() -> None:
    """Drop both columns and the index."""
    op.drop_index("uq_predictions_idempotency_key", table_name="predictions")
    with op.batch_alter_table("predictions") as batch:
        batch.drop_column("request_sha256")
        batch.drop_column("idempotency_key")
