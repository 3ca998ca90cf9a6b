"""Record a reviewer's verdict: validated, in one transaction, committed before the caller
hears back — an acknowledged review is never lost.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from classifier.errors import UnknownLevel
from classifier.levels import PriorityScale
from serving.storage.languages import detected_language
from serving.storage.models import Prediction, Review
from serving.storage.nul import NUL
from serving.storage.records import (
    AlreadyReviewed,
    InvalidReview,
    PredictionNotFound,
    ReviewInput,
    ReviewResult,
)
from serving.storage.store import ReviewStore, review_result, utcnow

MAX_NOTE_CHARS = 4_000
MAX_AGENT_CHARS = 256


def _check_input(
    review: ReviewInput, scale: PriorityScale, reason_codes: Sequence[str]
) -> str | None:
    """Validate the input alone; return the canonical level (None for a plain accept)."""
    if review.action not in ("accept", "override"):
        raise InvalidReview("action", f"{review.action!r} is not allowed; use accept or override")
    for field, value in (("agent", review.agent), ("note", review.note)):
        # PostgreSQL cannot store U+0000; refused on every backend so the API answers alike.
        if value is not None and NUL in value:
            raise InvalidReview(
                field, "contains a NUL character (\\u0000), which cannot be stored; remove it"
            )
    if not review.agent.strip() or len(review.agent) > MAX_AGENT_CHARS:
        raise InvalidReview("agent", f"name the reviewer in 1 to {MAX_AGENT_CHARS} characters")
    if review.note is not None and len(review.note) > MAX_NOTE_CHARS:
        raise InvalidReview(
            "note", f"{len(review.note)} characters is too long; keep it to {MAX_NOTE_CHARS}"
        )
    if review.reason is not None and review.reason not in reason_codes:
        raise InvalidReview(
            "reason", f"{review.reason!r} is not a reason code; use one of {list(reason_codes)}"
        )
    level: str | None = None
    if review.level is not None:
        try:
            level = scale.parse(review.level)
        except UnknownLevel as exc:
            raise InvalidReview("level", str(exc)) from None
    if review.action == "override":
        if level is None:
            raise InvalidReview("level", f"an override needs a level, one of {list(scale.levels)}")
        if review.reason is None and reason_codes:
            raise InvalidReview(
                "reason", f"an override needs a reason code, one of {list(reason_codes)}"
            )
    return level


def _is_repeat(
    existing: ReviewResult, review: ReviewInput, level: str | None, suggested: str
) -> bool:
    """Whether `review` says what the current review already says (a double submit).

    Same agent, same action, same final level and same reason; the note does not count.
    """
    final = level or suggested
    action = "accept" if final == suggested else "override"
    return (existing.agent, existing.action, existing.final_level, existing.reason) == (
        review.agent.strip(),
        action,
        final,
        review.reason,
    )


async def record_review(
    store: ReviewStore,
    prediction_id: str,
    review: ReviewInput,
    scale: PriorityScale,
    reason_codes: Sequence[str],
) -> ReviewResult:
    """Store a review of one prediction and return it once it is committed.

    An override to the suggested level itself is stored as an accept. A prediction still
    without a language (stored before the writer detected it, and not backfilled) gets the one
    detected from its text, so agreement per language covers it. Sending the current
    review's verdict again (same agent, action, final level and reason) returns that review
    and stores nothing: a double-clicked form or a retried request is not a conflict.

    Raises:
        InvalidReview: unknown level or reason, missing level/reason for an override, a NUL
            character in the agent or note (422).
        PredictionNotFound: no prediction has this id (404).
        AlreadyReviewed: a review with another verdict exists and `force` is false (409).
    """
    level = _check_input(review, scale, reason_codes)
    if NUL in prediction_id:  # no id has one, and PostgreSQL refuses it as a parameter
        raise PredictionNotFound(prediction_id)
    try:
        async with store.write() as session:
            prediction = await session.get(Prediction, prediction_id, with_for_update=True)
            if prediction is None:
                raise PredictionNotFound(prediction_id)
            suggested = prediction.priority
            if prediction.language is None:  # so agreement per language covers it too
                prediction.language = detected_language(prediction.request)
            if review.action == "accept" and level not in (None, suggested):
                raise InvalidReview(
                    "level",
                    f"accept keeps the suggested level {suggested!r}; "
                    f"send action=override to set {level!r}",
                )
            final = level or suggested
            current = await session.scalar(
                select(Review).where(Review.prediction_id == prediction_id, Review.is_current)
            )
            if current is not None and not review.force:
                existing = review_result(current)
                if _is_repeat(existing, review, level, suggested):
                    return existing
                raise AlreadyReviewed(
                    prediction_id, current.agent, current.created_at, current.final_level
                )
            if current is not None:
                current.is_current = False
                await session.flush()
            now = utcnow()
            row = Review(
                prediction_id=prediction_id,
                agent=review.agent.strip(),
                key_id=review.key_id,
                action="accept" if final == suggested else "override",
                suggested_level=suggested,
                final_level=final,
                model_priority=prediction.model_priority,
                reason_code=review.reason,
                note=review.note.strip() if review.note and review.note.strip() else None,
                created_at=now,
                is_current=True,
            )
            session.add(row)
            prediction.reviewed_at = now
            await session.flush()
            result = review_result(row, replaced=current is not None)
    except IntegrityError:
        # A concurrent first review won the unique "one current review" index.
        detail = await store.detail(prediction_id)
        latest = detail.current_review if detail else None
        if latest is None:
            raise
        if _is_repeat(latest, review, level, latest.suggested_level):
            return latest
        raise AlreadyReviewed(
            prediction_id, latest.agent, latest.created_at, latest.final_level
        ) from None
    return result
