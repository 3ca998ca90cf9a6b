"""The review store: predictions as served, reviewers' verdicts, exports and agreement stats.

SQLAlchemy 2 on SQLite (default) or PostgreSQL, schema managed by alembic migrations in
`serving/storage/migrations/`.
"""

from serving.storage.records import (
    AlreadyReviewed,
    InvalidReview,
    PredictionDetail,
    PredictionNotFound,
    QueueFilters,
    QueueItem,
    ReviewError,
    ReviewInput,
    ReviewResult,
)
from serving.storage.settings import StorageSettings
from serving.storage.store import ReviewStore

__all__ = [
    "AlreadyReviewed",
    "InvalidReview",
    "PredictionDetail",
    "PredictionNotFound",
    "QueueFilters",
    "QueueItem",
    "ReviewError",
    "ReviewInput",
    "ReviewResult",
    "ReviewStore",
    "StorageSettings",
]
