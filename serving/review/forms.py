"""The review form: what a submitted form asks for, and review errors in the page's words."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litestar import Request

from serving.review.rendering import when
from serving.review.session import PageSession
from serving.storage.records import AlreadyReviewed, InvalidReview, ReviewError, ReviewInput
from serving.storage.reviewing import MAX_AGENT_CHARS


def agent_from_form(value: str | None, key_id: str) -> str:
    """The agent's name typed at sign-in, trimmed; the key's id when left empty.

    Raises:
        InvalidReview: the name is longer than the store keeps or holds control characters
            (field `agent`).
    """
    name = " ".join((value or "").split())
    if any(not char.isprintable() for char in name):
        raise InvalidReview("agent", "contains control characters; type the name as letters")
    if len(name) > MAX_AGENT_CHARS:
        raise InvalidReview(
            "agent", f"{len(name)} characters is too long; keep it to {MAX_AGENT_CHARS}"
        )
    return name or key_id


def verdict_from_form(form: dict[str, str], session: PageSession) -> ReviewInput:
    """The review a submitted form asks for (the Accept button, or a level button).

    Raises:
        InvalidReview: neither Accept nor a level was chosen.
    """
    accept = form.get("action") == "accept"
    level = form.get("level") or None
    if not accept and level is None:
        raise InvalidReview("level", "choose Accept, or a level to override to")
    return ReviewInput(
        agent=session.reviewer,
        action="accept" if accept else "override",
        level=None if accept else level,
        reason=form.get("reason") or None,
        note=form.get("note") or None,
        force=form.get("force") == "1",
        key_id=session.key_id,
    )


def page_error(exc: ReviewError, reasons: Sequence[tuple[str, str]]) -> str:
    """A review error in the page's words: its reason labels and its controls, not API fields."""
    if isinstance(exc, AlreadyReviewed):
        return (
            f"This ticket was already reviewed by {exc.by} at {when(exc.at)} (final level "
            f"{exc.final_level}). To replace that review, tick \u201cReplace the existing "
            "review\u201d and save again."
        )
    if isinstance(exc, InvalidReview) and exc.field == "reason":
        labels = ", ".join(f"\u201c{label}\u201d" for _, label in reasons)
        return f"Choose a reason for the override: {labels}."
    if isinstance(exc, InvalidReview):
        return exc.problem[:1].upper() + exc.problem[1:] + "."
    return str(exc)


def saved_message(request: Request[Any, Any, Any]) -> str | None:
    saved = request.query_params.get("saved")
    level = request.query_params.get("saved_level", "")
    if saved not in ("accept", "override"):
        return None
    verb = "Accepted" if saved == "accept" else "Overridden to"
    return f"Saved. {verb} {level[:64]}."
