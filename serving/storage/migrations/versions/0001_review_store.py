"""Review store: predictions, the rules they fired, reviews, shared secrets.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the four tables and their indexes."""
    op.create_table(
        "predictions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("external_id", sa.String(256)),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("model_name", sa.String(256)),
        sa.Column("model_version", sa.String(128)),
        sa.Column("rules_sha256", sa.String(64), nullable=False),
        sa.Column("priority", sa.String(64), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("model_priority", sa.String(64)),
        sa.Column("confidence", sa.Float()),
        sa.Column("language", sa.String(32)),
        sa.Column("first_response_due", _TS),
        sa.Column("review_required", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("shadow", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("request", _JSON, nullable=False),
        sa.Column("decision", _JSON, nullable=False),
        sa.Column("redacted_at", _TS),
        sa.Column("reviewed_at", _TS),
    )
    op.create_index("ix_predictions_external_id", "predictions", ["external_id"])
    op.create_index("ix_predictions_created_at", "predictions", ["created_at"])
    op.create_index("ix_predictions_model_version", "predictions", ["model_version"])
    op.create_index("ix_predictions_language", "predictions", ["language"])
    op.create_index(
        "ix_predictions_pending",
        "predictions",
        ["first_response_due", "confidence"],
        postgresql_where=sa.text("reviewed_at IS NULL"),
        sqlite_where=sa.text("reviewed_at IS NULL"),
    )
    op.create_table(
        "prediction_rules",
        sa.Column(
            "prediction_id",
            sa.String(64),
            sa.ForeignKey("predictions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("rule_id", sa.String(128), primary_key=True),
    )
    op.create_index("ix_prediction_rules_rule_id", "prediction_rules", ["rule_id"])
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "prediction_id",
            sa.String(64),
            sa.ForeignKey("predictions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("agent", sa.String(256), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("suggested_level", sa.String(64), nullable=False),
        sa.Column("final_level", sa.String(64), nullable=False),
        sa.Column("model_priority", sa.String(64)),
        sa.Column("reason_code", sa.String(64)),
        sa.Column("note", sa.Text()),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("is_current", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    op.create_index("ix_reviews_prediction_id", "reviews", ["prediction_id"])
    op.create_index("ix_reviews_created_at", "reviews", ["created_at"])
    op.create_index(
        "uq_reviews_current",
        "reviews",
        ["prediction_id"],
        unique=True,
        postgresql_where=sa.text("is_current"),
        sqlite_where=sa.text("is_current"),
    )
    op.create_table(
        "app_secrets",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(256), nullable=False),
    )


def downgrade() -> None:
    """Drop everything this revision created."""
    op.drop_table("app_secrets")
    op.drop_table("reviews")
    op.drop_table("prediction_rules")
    op.drop_table("predictions")
