"""Wire types (msgspec) and their conversion to and from the core's dataclasses.

The Meta limits here are absolute ceilings that shape the OpenAPI schema; the configured
limits (`LimitSettings`, usually lower) are checked in `to_ticket`, so one deployment can
tighten them without a code change.

Every struct here is `gc=False`: they hold only scalars, strings and other such structs, so
they can never be part of a reference cycle, and a 1,000-ticket batch makes tens of thousands
of them that the cyclic GC would otherwise track and scan.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec

from classifier.decision import Decision
from classifier.errors import InvalidTicket
from classifier.plain_text import plain_text
from classifier.schema import Customer, Ticket
from serving.settings import LimitSettings

# Hard ceilings for the decoder; the limits in force are LimitSettings (TP_MAX_*_CHARS).
MAX_SUBJECT = 10_000
MAX_BODY = 1_000_000
MAX_SHORT = 200
MAX_TAGS = 100
MAX_EXTRA = 100
_LIMITS = LimitSettings()  # the defaults, for the OpenAPI descriptions
_SUBJECT_LIMIT = (
    f"At most TP_MAX_SUBJECT_CHARS characters (default {_LIMITS.subject_chars:,}); 413 above."
)
_BODY_LIMIT = f"At most TP_MAX_BODY_CHARS characters (default {_LIMITS.body_chars:,}); 413 above."

ShortStr = Annotated[str, msgspec.Meta(max_length=MAX_SHORT)]
Count = Annotated[int, msgspec.Meta(ge=0, le=10**9)]
Amount = Annotated[float, msgspec.Meta(ge=0, le=1e12)]
ExtraValue = str | float | int | bool | None


class LimitExceeded(Exception):  # noqa: N818 - reads as the condition it reports
    """A request is larger than a configured limit; answered with 413 naming the field."""

    def __init__(self, field: str, limit: int, actual: int, unit: str = "characters") -> None:
        super().__init__(f"{field}: {actual} {unit} is more than the limit of {limit}")
        self.field = field
        self.limit = limit
        self.actual = actual


class CustomerIn(
    msgspec.Struct, kw_only=True, omit_defaults=True, gc=False, forbid_unknown_fields=True
):
    """What the helpdesk knows about the customer; every field is optional.

    Unknown `tier` values are accepted: the model treats unseen categories as unknown;
    unknown fields are refused, like the ticket's.
    """

    customer_id: ShortStr | None = None
    tier: ShortStr | None = None
    vip: bool | None = None
    account_age_days: Amount | None = None
    monthly_value: Amount | None = None
    open_tickets: Count | None = None
    tickets_last_90d: Count | None = None
    calendar: ShortStr | None = None


class TicketIn(
    msgspec.Struct, kw_only=True, omit_defaults=True, gc=False, forbid_unknown_fields=True
):
    """A ticket at creation time. `subject` or `body` must contain text.

    `created_at` without a timezone is read as UTC. `extra` carries attributes of custom
    exports (e.g. `queue`) by column name. Any other field is refused: a misspelt
    `afected_users` would otherwise vanish and leave the ticket under-prioritised.
    """

    subject: Annotated[
        str,
        msgspec.Meta(
            max_length=MAX_SUBJECT,
            description=_SUBJECT_LIMIT,
        ),
    ] = ""
    body: Annotated[
        str,
        msgspec.Meta(
            max_length=MAX_BODY,
            description=_BODY_LIMIT,
        ),
    ] = ""
    # Zendesk and Freshdesk webhooks send their ticket ids as JSON numbers; kept as text.
    external_id: ShortStr | int | None = None
    language: ShortStr | None = None
    channel: ShortStr | None = None
    tags: Annotated[list[ShortStr], msgspec.Meta(max_length=MAX_TAGS)] = msgspec.field(
        default_factory=list
    )
    customer: CustomerIn | None = None
    stated_urgency: ShortStr | None = None
    affected_users: Count | None = None
    created_at: datetime | None = None
    extra: Annotated[dict[ShortStr, ExtraValue], msgspec.Meta(max_length=MAX_EXTRA)] = (
        msgspec.field(default_factory=dict)
    )


class BatchIn(msgspec.Struct, kw_only=True, gc=False, forbid_unknown_fields=True):
    """Up to the configured batch size (default 1,000) of tickets, answered in order."""

    tickets: list[TicketIn]


class ReasonOut(msgspec.Struct, kw_only=True, gc=False):
    """A feature that pushed the model towards (weight > 0) or away from its suggestion."""

    feature: str
    weight: float


class FiredRuleOut(msgspec.Struct, kw_only=True, gc=False):
    """A rule whose condition held, what it did and why."""

    rule_id: str
    reason: str
    actions: list[str]


class SlaOut(msgspec.Struct, kw_only=True, gc=False):
    """SLA targets for the final priority, as due times (UTC, ISO 8601)."""

    policy: str
    level: str
    first_response_due: datetime
    resolution_due: datetime
    calendar: str


class DecisionOut(msgspec.Struct, kw_only=True, gc=False):
    """The whole answer for one ticket.

    `source` is `model`, `rule` (then `rule_id` names it) or `default` (neither a model nor a
    rule decided; `degraded` says why the model was not used).
    """

    prediction_id: str
    external_id: str | None
    priority: str
    source: str
    rule_id: str | None
    model_priority: str | None
    probabilities: dict[str, float] | None
    confidence: float | None
    model_name: str | None
    model_version: str | None
    rules_fired: list[FiredRuleOut]
    sla: SlaOut | None
    reasons: list[ReasonOut]
    review_required: bool
    tags_added: list[str]
    degraded: str | None
    shadow_model_priority: str | None
    rules_sha256: str


class ErrorOut(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False):
    """Every 4xx/5xx body: the status, a stable error code, a readable message, the field."""

    status: int
    error: str
    detail: str
    field: str | None = None


class BatchItemOut(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False):
    """One batch entry: `decision` when the ticket was answered, else `error`."""

    index: int
    decision: DecisionOut | None = None
    error: ErrorOut | None = None


class BatchOut(msgspec.Struct, kw_only=True, gc=False):
    """Batch answer, in request order; `failed` counts entries with an error."""

    count: int
    failed: int
    results: list[BatchItemOut]


def _check_len(field: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise LimitExceeded(field, limit, len(value))


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _blank(text: str) -> bool:
    """No visible text: whitespace, HTML markup alone, or zero-width characters alone."""
    return not text.strip() or not plain_text(text).strip()


def to_ticket(data: TicketIn, limits: LimitSettings) -> Ticket:
    """Convert a wire ticket to the core `Ticket`, enforcing the configured limits.

    Raises:
        LimitExceeded: subject or body is longer than configured.
        InvalidTicket: neither subject nor body contains text.
    """
    _check_len("subject", data.subject, limits.subject_chars)
    _check_len("body", data.body, limits.body_chars)
    for key, value in data.extra.items():  # a custom text column may be long, not unbounded
        if isinstance(value, str):
            _check_len(f"extra.{key}", value, limits.body_chars)
    if _blank(data.subject) and _blank(data.body):
        raise InvalidTicket("body", "subject and body are both empty; send the ticket's text")
    c = data.customer
    customer = (
        Customer()
        if c is None
        else Customer(
            customer_id=c.customer_id,
            tier=c.tier,
            vip=c.vip,
            account_age_days=c.account_age_days,
            monthly_value=c.monthly_value,
            open_tickets=c.open_tickets,
            tickets_last_90d=c.tickets_last_90d,
            calendar=c.calendar,
        )
    )
    return Ticket(
        subject=data.subject,
        body=data.body,
        ticket_id=None if data.external_id is None else str(data.external_id),
        language=data.language,
        channel=data.channel,
        tags=tuple(data.tags),
        customer=customer,
        stated_urgency=data.stated_urgency,
        affected_users=data.affected_users,
        created_at=_aware(data.created_at),
        extra=dict(data.extra),
    )


def from_ticket(ticket: Ticket) -> TicketIn:
    """The wire form of a core ticket (for stored requests, tests and the review page)."""
    c = ticket.customer
    customer = CustomerIn(
        customer_id=c.customer_id,
        tier=c.tier,
        vip=c.vip,
        account_age_days=c.account_age_days,
        monthly_value=c.monthly_value,
        open_tickets=c.open_tickets,
        tickets_last_90d=c.tickets_last_90d,
        calendar=c.calendar,
    )
    return TicketIn(
        subject=ticket.subject,
        body=ticket.body,
        external_id=ticket.ticket_id,
        language=ticket.language,
        channel=ticket.channel,
        tags=list(ticket.tags),
        customer=customer if customer != CustomerIn() else None,
        stated_urgency=ticket.stated_urgency,
        affected_users=ticket.affected_users,
        created_at=ticket.created_at,
        extra=dict(ticket.extra),
    )


def to_decision_out(
    decision: Decision,
    *,
    prediction_id: str,
    external_id: str | None,
    rules_sha256: str,
) -> DecisionOut:
    """Render a core `Decision` as the wire `DecisionOut`."""
    m = decision.model
    sla = decision.sla
    return DecisionOut(
        prediction_id=prediction_id,
        external_id=external_id,
        priority=decision.priority,
        source=decision.source,
        rule_id=decision.rule_id,
        model_priority=m.priority if m is not None else None,
        probabilities=dict(m.probabilities) if m is not None else None,
        confidence=m.confidence if m is not None else None,
        model_name=m.model_name if m is not None else None,
        model_version=m.model_version if m is not None else None,
        rules_fired=[
            FiredRuleOut(rule_id=f.rule_id, reason=f.reason, actions=list(f.actions))
            for f in decision.rules_fired
        ],
        sla=None
        if sla is None
        else SlaOut(
            policy=sla.policy,
            level=sla.level,
            first_response_due=sla.first_response_due,
            resolution_due=sla.resolution_due,
            calendar=sla.calendar,
        ),
        reasons=[ReasonOut(feature=r.feature, weight=r.weight) for r in m.reasons]
        if m is not None
        else [],
        review_required=decision.review_required,
        tags_added=list(decision.tags_added),
        degraded=decision.degraded,
        shadow_model_priority=decision.shadow_model_priority,
        rules_sha256=rules_sha256,
    )


def to_builtins(value: msgspec.Struct) -> dict[str, Any]:
    """A wire struct as JSON-ready builtins (dates as ISO strings), for storage."""
    result = msgspec.to_builtins(value)
    if not isinstance(result, dict):
        raise TypeError(f"{type(value).__name__} did not convert to a JSON object")
    return result
