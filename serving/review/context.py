"""What the review routes share: the store, its settings, the active scale, the page secret."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from litestar.datastructures import State

from classifier.levels import PriorityScale
from serving.storage.records import ReviewInput, ReviewResult
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
    """

    store: ReviewStore
    settings: StorageSettings
    scale: ScaleFn = field(default=PriorityScale.default_scale)
    session_secret: bytes = b""

    async def review(self, prediction_id: str, review: ReviewInput) -> ReviewResult:
        """Validate and store a review (see `serving.storage.reviewing.record_review`)."""
        return await record_review(
            self.store, prediction_id, review, self.scale(), self.settings.reason_codes
        )

    async def agreement(self) -> Agreement:
        """Agreement statistics over every current review."""
        return await agreement(self.store, self.scale().levels)


def provide_review(state: State) -> ReviewContext:
    """The app's `ReviewContext` (dependency `review`)."""
    context: ReviewContext = state.review
    return context
