"""Read the columns the store sorts and filters on out of a stored request and Decision.

Both arrive as JSON-ready dicts (the wire `TicketIn` and `DecisionOut` as builtins); these
functions accept the nested shape (`model: {...}`, `sla: {...}`, `customer: {...}`) and
tolerate flattened fields, so a wire-format tweak does not lose queue columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

TEXT_FIELDS = ("subject", "body")
CUSTOMER_FIELDS = (
    "customer_id",
    "tier",
    "vip",
    "account_age_days",
    "monthly_value",
    "open_tickets",
    "tickets_last_90d",
)


def _as_mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def parse_time(value: Any) -> datetime | None:
    """An aware UTC datetime from an ISO string or datetime; None when absent or unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def model_view(decision: Mapping[str, Any]) -> tuple[str | None, float | None]:
    """The model's own priority and confidence (live or shadow), if a model was asked."""
    model = _as_mapping(decision.get("model"))
    priority = model.get("priority") or decision.get("model_priority")
    priority = priority or decision.get("shadow_model_priority")
    confidence = model.get("confidence", decision.get("confidence"))
    return (
        str(priority) if priority else None,
        float(confidence) if isinstance(confidence, int | float) else None,
    )


def first_response_due(decision: Mapping[str, Any]) -> datetime | None:
    """The SLA first-response due time of the served priority."""
    sla = _as_mapping(decision.get("sla"))
    return parse_time(sla.get("first_response_due", decision.get("first_response_due")))


def fired_rule_ids(decision: Mapping[str, Any]) -> tuple[str, ...]:
    """Ids of the rules that fired, in firing order, without repeats."""
    ids: list[str] = []
    for item in decision.get("rules_fired") or ():
        rule_id = item.get("rule_id") or item.get("id") if isinstance(item, Mapping) else item
        if rule_id and str(rule_id) not in ids:
            ids.append(str(rule_id))
    return tuple(ids)


def reasons(decision: Mapping[str, Any]) -> list[tuple[str, float]]:
    """The model's top reasons as (readable feature, weight) pairs."""
    model = _as_mapping(decision.get("model"))
    raw = model.get("reasons", decision.get("reasons")) or ()
    out: list[tuple[str, float]] = []
    for item in raw:
        if isinstance(item, Mapping) and "feature" in item:
            weight = item.get("weight", 0.0)
            out.append((str(item["feature"]), float(weight) if weight is not None else 0.0))
    return out


def to_plain_record(request: Mapping[str, Any]) -> dict[str, Any]:
    """The request in the plain training schema (customer fields flattened, tags joined)."""
    customer = _as_mapping(request.get("customer"))
    ticket_id = request.get("ticket_id", request.get("external_id"))
    record: dict[str, Any] = {
        "ticket_id": None if ticket_id is None else str(ticket_id),  # a helpdesk's number too
        "created_at": request.get("created_at"),
        "subject": request.get("subject") or "",
        "body": request.get("body") or "",
        "language": request.get("language"),
        "channel": request.get("channel"),
    }
    for name in CUSTOMER_FIELDS:
        record[name] = customer.get(name, request.get(name))
    record["stated_urgency"] = request.get("stated_urgency")
    record["affected_users"] = request.get("affected_users")
    tags = request.get("tags") or ()
    record["tags"] = ",".join(map(str, tags)) if isinstance(tags, list | tuple) else str(tags)
    for key, value in _as_mapping(request.get("extra")).items():
        record.setdefault(str(key), value)
    return record


def redacted(request: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the request with its free text blanked and its custom attributes dropped.

    `extra` goes too: custom export columns may hold notes as well as categories, and a
    redacted request never trains again.
    """
    copy = dict(request)
    for name in TEXT_FIELDS:
        if copy.get(name):
            copy[name] = ""
    if copy.get("extra"):
        copy["extra"] = {}
    return copy


def redacted_decision(decision: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the stored decision without the reasons that quote ticket words.

    Word reasons read "'nedbrud' in body"; attribute reasons ("tier = enterprise") stay.
    """
    copy = dict(decision)
    if isinstance(copy.get("reasons"), list):
        copy["reasons"] = _unquoted(copy["reasons"])
    model = copy.get("model")
    if isinstance(model, Mapping) and isinstance(model.get("reasons"), list):
        copy["model"] = {**model, "reasons": _unquoted(model["reasons"])}
    return copy


def _unquoted(reasons: list[Any]) -> list[Any]:
    return [
        r for r in reasons
        if not (isinstance(r, Mapping) and str(r.get("feature", "")).startswith("'"))
    ]  # fmt: skip
