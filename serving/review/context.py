"""What the review routes share: the store, its settings, the active scale, the page secret."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from litestar.datastructures import State
from litestar.exceptions import ServiceUnavailableException

from classifier.levels import PriorityScale
from serving.storage.records import PredictionDetail, PredictionNotFound, ReviewInput, ReviewResult
from serving.storage.reviewing import record_review
from serving.storage.settings import StorageSettings
from serving.storage.stats import Agreement, agreement
from serving.storage.store import ReviewStore

ScaleFn = Callable[[], PriorityScale]


@dataclass
class ReviewContext:
    """One per app, on `app.state.review`.

    Attributes:
        store: the review store.
        settings: storage settings (reason codes, redaction, session lifetime).
        scale: returns the priority scale of the rules in force.
        session_secret: signs review-page sessions; loaded from the database at start-up so
            every worker shares it.
        flush_predictions: writes queued predictions now (the buffered sink's `flush`).
        problem: why the store is not open yet (unreachable at start-up; retried in the
            background), else None. Review endpoints answer 503 meanwhile.
    """

    store: ReviewStore
    settings: StorageSettings
    scale: ScaleFn = field(default=PriorityScale.default_scale)
    session_secret: bytes = b""
    flush_predictions: Callable[[], Awaitable[None]] | None = None
    problem: str | None = None

    async def catch_up(self) -> None:
        """Write this worker's queued predictions, so a read sees what was just answered."""
        if self.flush_predictions is not None:
            await self.flush_predictions()

    async def detail(self, prediction_id: str) -> PredictionDetail | None:
        """One prediction for review, or None if there is no such prediction.

        A prediction answered moments ago may still sit in this worker's write queue: the
        queue is flushed and the read retried once before answering None.
        """
        found = await self.store.detail(prediction_id)
        if found is None:
            await self.catch_up()
            found = await self.store.detail(prediction_id)
        return found

    async def review(self, prediction_id: str, review: ReviewInput) -> ReviewResult:
        """Validate and store a review (see `serving.storage.reviewing.record_review`).

        A prediction answered moments ago may still sit in this worker's write queue: the
        queue is flushed and the review retried once before answering 404.
        """
        args = (self.store, prediction_id, review, self.scale(), self.settings.reason_codes)
        try:
            return await record_review(*args)
        except PredictionNotFound:
            if self.flush_predictions is None:
                raise
            await self.flush_predictions()
            return await record_review(*args)

    async def agreement(self, time_zone: str | None = None) -> Agreement:
        """Agreement statistics over every current review, days in `time_zone` (None: UTC)."""
        return await agreement(self.store, self.scale().levels, time_zone=time_zone)


def provide_review(state: State) -> ReviewContext:
    """The app's `ReviewContext` (dependency `review`)."""
    context: ReviewContext = state.review
    if context.problem is not None:
        raise ServiceUnavailableException(detail=context.problem)
    return context
