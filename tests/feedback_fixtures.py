"""Seed a real review store with predictions of known tickets and agents' reviews of them.

Used by the feedback tests: each seeded prediction carries the ticket as the service stores it
(nested customer, tags list) and the suggested level; a review accepts or overrides it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from classifier.levels import PriorityScale
from serving.persistence import EncodedPrediction
from serving.storage.records import ReviewInput
from serving.storage.reviewing import record_review
from serving.storage.settings import DEFAULT_REASONS
from serving.storage.store import ReviewStore, prediction_from_dicts
from tests.review_fixtures import make_decision

SCALE = PriorityScale.default_scale()
REASONS = tuple(code for code, _ in DEFAULT_REASONS)
CUSTOMER_KEYS = ("customer_id", "tier", "vip", "account_age_days", "monthly_value",
                 "open_tickets", "tickets_last_90d")  # fmt: skip


@dataclass(frozen=True)
class Verdict:
    """One agent's review of one served suggestion.

    Attributes:
        ticket: the ticket in the plain schema (ticket_id, subject, body, tier, ...).
        suggested: the level the service suggested.
        final: the agent's level; equal to `suggested` means accept.
    """

    ticket: Mapping[str, Any]
    suggested: str
    final: str


def request_of(ticket: Mapping[str, Any]) -> dict[str, Any]:
    """A stored request (the wire `TicketIn` shape) for a plain-schema ticket."""
    customer = {k: ticket[k] for k in CUSTOMER_KEYS if k in ticket}
    tags = ticket.get("tags") or ""
    return {
        "ticket_id": str(ticket["ticket_id"]),
        "created_at": str(ticket.get("created_at") or datetime.now(UTC).isoformat()),
        "subject": ticket.get("subject", ""),
        "body": ticket.get("body", ""),
        "language": ticket.get("language"),
        "channel": ticket.get("channel"),
        "customer": customer,
        "stated_urgency": ticket.get("stated_urgency"),
        "affected_users": ticket.get("affected_users"),
        "tags": [t for t in str(tags).split(",") if t],
    }


def record_for(ticket: Mapping[str, Any], suggested: str) -> EncodedPrediction:
    """A served prediction of `ticket` suggesting `suggested`."""
    return prediction_from_dicts(
        prediction_id=uuid.uuid4().hex,
        external_id=str(ticket["ticket_id"]),
        created_at=datetime.now(UTC),
        request=request_of(ticket),
        decision=make_decision(suggested),
        model_version="1",
        rules_sha256="ab" * 32,
        model_name="ticket-priority",
    )


async def _seed(url: str, verdicts: Sequence[Verdict]) -> None:
    store = ReviewStore.from_url(url)
    try:
        for verdict in verdicts:
            record = record_for(verdict.ticket, verdict.suggested)
            await store.save_predictions([record])
            accept = verdict.final == verdict.suggested
            review = ReviewInput(
                agent="ann",
                action="accept" if accept else "override",
                level=None if accept else verdict.final,
                reason=None if accept else "impact_underestimated",
            )
            await record_review(store, record.prediction_id, review, SCALE, REASONS)
    finally:
        await store.dispose()


def seed_reviews(url: str, verdicts: Sequence[Verdict]) -> None:
    """Store one prediction and one review per verdict, in order (later = newer)."""
    asyncio.run(_seed(url, verdicts))
