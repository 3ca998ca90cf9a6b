"""Wire types of the review API (msgspec), converted from the store's dataclasses at the edge."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from serving.storage.records import QueueItem, ReviewResult
from serving.storage.stats import Agreement, Slice, TimePoint

Level = Annotated[str, msgspec.Meta(max_length=64)]


class ReviewIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A reviewer's verdict.

    `action` defaults to `override` when a `level` is given, else `accept`. An override needs
    a `reason` code from `GET /v1/reviews/reasons`. `agent` defaults to the API key's id.
    `force` replaces an earlier review instead of answering 409.
    """

    action: Literal["accept", "override"] | None = None
    level: Level | None = None
    reason: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    note: Annotated[str, msgspec.Meta(max_length=4000)] | None = None
    agent: Annotated[str, msgspec.Meta(max_length=256)] | None = None
    force: bool = False


class ReviewOut(msgspec.Struct, kw_only=True):
    """A stored review: the suggestion and the human's level side by side."""

    review_id: int
    prediction_id: str
    agent: str
    action: str
    suggested_level: str
    final_level: str
    model_priority: str | None
    reason: str | None
    note: str | None
    reviewed_at: datetime
    replaced_previous: bool
    key_id: str | None = None  # the API key that sent it; `agent` is whom the caller names


class QueueItemOut(msgspec.Struct, kw_only=True):
    """One pending suggestion."""

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
    rules_fired: list[str]
    model_version: str | None
    review_required: bool
    shadow: bool


class QueueOut(msgspec.Struct, kw_only=True):
    """A page of the review queue and how many are pending in total (same filters)."""

    pending: int
    items: list[QueueItemOut]


class ReasonOut(msgspec.Struct, kw_only=True):
    """A reason code a reviewer may give."""

    code: str
    label: str


class SliceOut(msgspec.Struct, kw_only=True):
    """Acceptance within one group of reviews (rate is null without reviews)."""

    key: str
    reviews: int
    accepted: int
    rate: float | None


class TimePointOut(msgspec.Struct, kw_only=True):
    """Acceptance on one day (UTC) for one model version."""

    day: str
    model_version: str
    reviews: int
    accepted: int
    rate: float | None


class ShadowOut(msgspec.Struct, kw_only=True):
    """Shadow mode: served rules-only levels vs the unused model, each against reviewers."""

    reviews: int
    served_agreement: float | None
    model_agreement: float | None


class AgreementOut(msgspec.Struct, kw_only=True):
    """How often reviewers kept the suggestion, by slice and over time, and what they chose
    instead (`override_matrix[suggested][final]`)."""

    overall: SliceOut
    per_level: list[SliceOut]
    per_language: list[SliceOut]
    per_model_version: list[SliceOut]
    per_agent: list[SliceOut]  # by the reviewer's name (`agent`) recorded on each review
    over_time: list[TimePointOut]
    levels: list[str]
    override_matrix: dict[str, dict[str, int]]
    model_agreement: SliceOut
    shadow: ShadowOut
    reasons: dict[str, int]


def review_out(result: ReviewResult) -> ReviewOut:
    """Wire form of a stored review."""
    return ReviewOut(
        review_id=result.review_id,
        prediction_id=result.prediction_id,
        agent=result.agent,
        action=result.action,
        suggested_level=result.suggested_level,
        final_level=result.final_level,
        model_priority=result.model_priority,
        reason=result.reason,
        note=result.note,
        reviewed_at=result.created_at,
        replaced_previous=result.replaced_previous,
        key_id=result.key_id,
    )


def queue_item_out(item: QueueItem) -> QueueItemOut:
    """Wire form of a queue entry."""
    return QueueItemOut(
        prediction_id=item.prediction_id,
        external_id=item.external_id,
        created_at=item.created_at,
        subject=item.subject,
        language=item.language,
        priority=item.priority,
        source=item.source,
        model_priority=item.model_priority,
        confidence=item.confidence,
        first_response_due=item.first_response_due,
        rules_fired=list(item.rules_fired),
        model_version=item.model_version,
        review_required=item.review_required,
        shadow=item.shadow,
    )


def _slice(value: Slice) -> SliceOut:
    return SliceOut(key=value.key, reviews=value.reviews, accepted=value.accepted, rate=value.rate)


def _point(value: TimePoint) -> TimePointOut:
    return TimePointOut(
        day=value.day,
        model_version=value.model_version,
        reviews=value.reviews,
        accepted=value.accepted,
        rate=value.rate,
    )


def agreement_out(stats: Agreement) -> AgreementOut:
    """Wire form of the agreement statistics."""
    return AgreementOut(
        overall=_slice(stats.overall),
        per_level=[_slice(s) for s in stats.per_level],
        per_language=[_slice(s) for s in stats.per_language],
        per_model_version=[_slice(s) for s in stats.per_model_version],
        per_agent=[_slice(s) for s in stats.per_agent],
        over_time=[_point(p) for p in stats.over_time],
        levels=list(stats.levels),
        override_matrix=stats.override_matrix,
        model_agreement=_slice(stats.model_agreement),
        shadow=ShadowOut(
            reviews=stats.shadow_served.reviews,
            served_agreement=stats.shadow_served.rate,
            model_agreement=stats.shadow_model.rate,
        ),
        reasons=stats.reason_counts,
    )
