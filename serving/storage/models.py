"""Tables of the review store: predictions as served, the rules each fired, and reviews.

The request and the Decision are kept whole as JSON (the original suggestion is never
rewritten); the columns next to them are copies the queue and the statistics filter and
sort on. A prediction may be reviewed more than once (`force`); exactly one review per
prediction is current, which a partial unique index enforces even under concurrent writers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

LEVEL_LEN = 64
ID_LEN = 64
IDEMPOTENCY_KEY_LEN = 320  # an API key id (64) + ":" + the key (255)
KEYED = "idempotency_key IS NOT NULL"  # the unique index's predicate; ON CONFLICT repeats it


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store UTC; naive values are taken to be UTC already."""
        if value is None:
            return None
        aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return aware.replace(tzinfo=None) if dialect.name == "sqlite" else aware

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        if not isinstance(moment, datetime):
            raise TypeError(f"expected a datetime from the database, got {type(value).__name__}")
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


JsonType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    """Declarative base of the review store."""


class Prediction(Base):
    """One answered ticket."""

    __tablename__ = "predictions"

    id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    model_name: Mapped[str | None] = mapped_column(String(256))
    model_version: Mapped[str | None] = mapped_column(String(128), index=True)
    rules_sha256: Mapped[str] = mapped_column(String(64))
    priority: Mapped[str] = mapped_column(String(LEVEL_LEN))
    source: Mapped[str] = mapped_column(String(16))
    model_priority: Mapped[str | None] = mapped_column(String(LEVEL_LEN))
    confidence: Mapped[float | None] = mapped_column(Float)
    language: Mapped[str | None] = mapped_column(String(32))
    first_response_due: Mapped[datetime | None] = mapped_column(UtcDateTime())
    review_required: Mapped[bool] = mapped_column(Boolean, server_default=false())
    shadow: Mapped[bool] = mapped_column(Boolean, server_default=false())
    request: Mapped[dict[str, Any]] = mapped_column(JsonType)
    decision: Mapped[dict[str, Any]] = mapped_column(JsonType)
    redacted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The request's idempotency key behind its API key's id; unique, so a retried request
    # stores one prediction whichever worker answers it. The index is partial: predictions
    # without a key (the usual case) cost it nothing.
    idempotency_key: Mapped[str | None] = mapped_column(String(IDEMPOTENCY_KEY_LEN))
    request_sha256: Mapped[str | None] = mapped_column(String(64))
    # A keyed request's response body as sent: a replay sends these bytes again. Text, not
    # JSON: PostgreSQL's JSONB would list the `probabilities` keys in its own order.
    answer: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index(
            "uq_predictions_idempotency_key",
            "idempotency_key",
            unique=True,
            postgresql_where=text(KEYED),
            sqlite_where=text(KEYED),
        ),
        Index(
            "ix_predictions_pending",
            "first_response_due",
            "confidence",
            postgresql_where=text("reviewed_at IS NULL"),
            sqlite_where=text("reviewed_at IS NULL"),
        ),
    )


class PredictionRule(Base):
    """A rule that fired for a prediction (for the queue's rule filter)."""

    __tablename__ = "prediction_rules"

    prediction_id: Mapped[str] = mapped_column(
        ForeignKey("predictions.id", ondelete="CASCADE"), primary_key=True
    )
    rule_id: Mapped[str] = mapped_column(String(128), primary_key=True, index=True)


class Review(Base):
    """A reviewer's verdict on a prediction: the suggestion and the human's level side by side."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    prediction_id: Mapped[str] = mapped_column(
        ForeignKey("predictions.id", ondelete="CASCADE"), index=True
    )
    agent: Mapped[str] = mapped_column(String(256))
    # The API key that sent the review (the agent name is the caller's word); None before 0004.
    key_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    action: Mapped[str] = mapped_column(String(16))  # "accept" or "override"
    suggested_level: Mapped[str] = mapped_column(String(LEVEL_LEN))
    final_level: Mapped[str] = mapped_column(String(LEVEL_LEN))
    model_priority: Mapped[str | None] = mapped_column(String(LEVEL_LEN))
    reason_code: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    is_current: Mapped[bool] = mapped_column(Boolean, server_default=true())

    __table_args__ = (
        Index(
            "uq_reviews_current",
            "prediction_id",
            unique=True,
            postgresql_where=text("is_current"),
            sqlite_where=text("is_current"),
        ),
    )


class AppSecret(Base):
    """Random secrets shared by every worker (e.g. the review page's session signing key)."""

    __tablename__ = "app_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))


class RevokedSession(Base):
    """A review-page session signed out before it expired; its cookie is refused until then.

    The cookie is signed, not stored, so every worker checks this table: sign-out in one
    worker ends the session in all of them.
    """

    __tablename__ = "revoked_sessions"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
