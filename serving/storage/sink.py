"""The SQL `PredictionSink`: every answered ticket lands in the review store."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy.exc import SQLAlchemyError

from serving.storage.records import StoredPredictionLike
from serving.storage.store import ReviewStore

log = logging.getLogger(__name__)


class SqlPredictionSink:
    """Writes each request's predictions in one transaction before the response goes out.

    A database outage must not take prediction down with it: a failed write is logged (ids
    and the error only, never ticket text), counted in `failed_writes`, and the caller still
    gets its answer; those predictions cannot be reviewed.
    """

    def __init__(self, store: ReviewStore) -> None:
        """Write into `store`."""
        self.store = store
        self.failed_writes = 0

    async def save(self, records: Sequence[StoredPredictionLike]) -> None:
        """Persist the records of one request (one or many tickets)."""
        try:
            await self.store.save_predictions(records)
        except (SQLAlchemyError, OSError) as exc:
            self.failed_writes += len(records)
            log.error(
                "prediction store write failed",
                extra={
                    "prediction_ids": [record.prediction_id for record in records][:20],
                    "count": len(records),
                    "error": type(exc).__name__,
                },
            )
