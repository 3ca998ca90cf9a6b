"""The ticket as the core sees it, and the flat record the model's features are built from.

Column names here are the product's plain schema: the synthetic generator writes them, `train`
reads them with no mapping flags, and serving fills them from a predict request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

TEXT_COLUMNS: tuple[str, ...] = ("subject", "body")
CATEGORY_COLUMNS: tuple[str, ...] = ("language", "channel", "tier", "vip", "stated_urgency")
# Category columns the API sends as JSON booleans: the model sees them as "true"/"false".
BOOLEAN_COLUMNS: tuple[str, ...] = ("vip",)
NUMERIC_COLUMNS: tuple[str, ...] = (
    "account_age_days",
    "monthly_value",
    "open_tickets",
    "tickets_last_90d",
    "affected_users",
)
TIME_COLUMN = "created_at"
ID_COLUMN = "ticket_id"
LABEL_COLUMN = "priority"
PLAIN_COLUMNS: tuple[str, ...] = (
    *TEXT_COLUMNS,
    *CATEGORY_COLUMNS,
    *NUMERIC_COLUMNS,
    TIME_COLUMN,
    ID_COLUMN,
    LABEL_COLUMN,
)
"""Every column name of the plain schema."""

TIERS: tuple[str, ...] = ("free", "standard", "premium", "enterprise")
CHANNELS: tuple[str, ...] = ("email", "chat", "phone", "web", "social")


@dataclass(frozen=True)
class Customer:
    """What the helpdesk knows about the customer who opened the ticket. All optional."""

    customer_id: str | None = None
    tier: str | None = None
    vip: bool | None = None
    account_age_days: float | None = None
    monthly_value: float | None = None
    open_tickets: int | None = None
    tickets_last_90d: int | None = None
    calendar: str | None = None  # name of a per-customer business calendar, if any


@dataclass(frozen=True)
class Ticket:
    """A ticket at creation time. Only subject or body is required; everything else helps.

    `extra` carries attributes of custom exports (e.g. `queue`, `type`) by column name, so a
    model trained on them gets them at prediction time too.
    """

    subject: str = ""
    body: str = ""
    ticket_id: str | None = None
    language: str | None = None
    channel: str | None = None
    tags: tuple[str, ...] = ()
    customer: Customer = field(default_factory=Customer)
    stated_urgency: str | None = None
    affected_users: int | None = None
    created_at: datetime | None = None
    extra: Mapping[str, str | float | int | bool | None] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """Subject and body joined, as rules and humans read them."""
        return f"{self.subject}\n{self.body}" if self.subject else self.body

    def to_record(self) -> dict[str, Any]:
        """Flat column -> value mapping in the plain schema (missing values are None)."""
        c = self.customer
        record: dict[str, Any] = {
            "ticket_id": self.ticket_id,
            "created_at": self.created_at,
            "subject": self.subject,
            "body": self.body,
            "language": self.language,
            "channel": self.channel,
            "customer_id": c.customer_id,
            "tier": c.tier,
            "vip": c.vip,
            "account_age_days": c.account_age_days,
            "monthly_value": c.monthly_value,
            "open_tickets": c.open_tickets,
            "tickets_last_90d": c.tickets_last_90d,
            "stated_urgency": self.stated_urgency,
            "affected_users": self.affected_users,
            "tags": ",".join(self.tags),
        }
        record.update(self.extra)
        return record


REQUEST_COLUMNS: frozenset[str] = frozenset(Ticket().to_record())
"""The columns a predict request's own fields fill; any other column comes from its `extra`."""


def extra_only(columns: Iterable[str]) -> list[str]:
    """The columns no field of a predict request fills: the service reads them only from the
    request's `extra`, under the same names."""
    return [c for c in columns if c not in REQUEST_COLUMNS]
