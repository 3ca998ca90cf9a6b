"""What the review store returns and raises: plain dataclasses, no ORM objects leak out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

Action = Literal["accept", "override"]


class ReviewError(Exception):
    """Base class of the errors a review request can meet; each maps to one HTTP status."""


class PredictionNotFound(ReviewError):  # noqa: N818 - reads as the condition, like the core's
    """No prediction has this id (HTTP 404)."""

    def __init__(self, prediction_id: str) -> None:
        super().__init__(
            f"prediction {prediction_id!r} does not exist; use the id returned by /v1/predict"
        )
        self.prediction_id = prediction_id


class AlreadyReviewed(ReviewError):  # noqa: N818
    """The prediction has a review and `force` was not set (HTTP 409)."""

    def __init__(self, prediction_id: str, by: str, at: datetime, final_level: str) -> None:
        super().__init__(
            f"prediction {prediction_id!r} was already reviewed by {by!r} at "
            f"{at.isoformat()} (final level {final_level!r}); send force=true to replace it"
        )
        self.prediction_id = prediction_id
        self.by = by
        self.at = at
        self.final_level = final_level


class InvalidReview(ReviewError):  # noqa: N818
    """A review field has a value the store cannot accept (HTTP 422); names the field."""

    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"{field_name}: {problem}")
        self.field = field_name
        self.problem = problem


@dataclass(frozen=True)
class ReviewInput:
    """A reviewer's verdict as the API and the page hand it to the store.

    Attributes:
        agent: who reviewed (the signed-in key's id, or a name the helpdesk passes).
        action: "accept" keeps the suggestion; "override" sets `level`.
        level: the reviewer's level (required for override; any alias of the scale).
        reason: a configured reason code (required for override).
        note: free text for colleagues and data scientists.
        force: replace an existing review instead of answering 409.
        key_id: the API key (or signed-in key) that sent it, recorded for audit.
    """

    agent: str
    action: Action = "accept"
    level: str | None = None
    reason: str | None = None
    note: str | None = None
    force: bool = False
    key_id: str | None = None


@dataclass(frozen=True)
class ReviewResult:
    """A stored review."""

    review_id: int
    prediction_id: str
    agent: str
    action: Action
    suggested_level: str
    final_level: str
    model_priority: str | None
    reason: str | None
    note: str | None
    created_at: datetime
    replaced_previous: bool = False
    key_id: str | None = None


@dataclass(frozen=True)
class QueueFilters:
    """Narrow the review queue; None means no filter.

    `received_from` and `received_until` are days in `time_zone` (an IANA name the caller has
    checked; None: UTC), both included.
    """

    level: str | None = None
    language: str | None = None
    rule: str | None = None
    model_version: str | None = None
    received_from: date | None = None
    received_until: date | None = None
    time_zone: str | None = None


@dataclass(frozen=True)
class QueueItem:
    """One pending suggestion as the queue lists it."""

    prediction_id: str
    external_id: str | None
    created_at: datetime
    subject: str
    language: str | None
    priority: str
    source: str
    model_priority: str | None
    confidence: float | None
    first_response_due: datetime | None
    rules_fired: tuple[str, ...]
    model_version: str | None
    review_required: bool
    shadow: bool


@dataclass(frozen=True)
class PredictionDetail:
    """One prediction with everything the detail page shows."""

    item: QueueItem
    body: str
    request: Mapping[str, Any]
    decision: Mapping[str, Any]
    reasons: tuple[tuple[str, float], ...]
    redacted: bool
    reviews: tuple[ReviewResult, ...] = field(default=())

    @property
    def current_review(self) -> ReviewResult | None:
        """The review in force (the newest), if any."""
        return self.reviews[-1] if self.reviews else None
