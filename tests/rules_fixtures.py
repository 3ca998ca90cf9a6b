"""Helpers for the rules, calendar, SLA and decide() tests: small rule sets and tickets."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any

from classifier.decision import ModelOutput
from classifier.rules import RuleSet, default_rules_path, load_ruleset, parse_ruleset
from classifier.schema import Customer, Ticket

# Friday 2026-11-20 10:00 in Copenhagen (09:00 UTC): inside office hours.
OFFICE_TIME = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
# Saturday 2026-11-21 03:00 UTC: outside office hours.
NIGHT_TIME = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)

BASE: dict[str, Any] = {
    "levels": ["low", "medium", "high", "urgent"],
    "default_level": "medium",
    "calendars": {
        "office": {
            "timezone": "Europe/Copenhagen",
            "hours": {"mon-fri": "08:00-17:00"},
            "holidays": "DK",
        },
        "helsinki": {
            "timezone": "Europe/Helsinki",
            "hours": {"mon-fri": "08:00-16:00"},
            "holidays": "FI",
        },
        "always": {"timezone": "UTC", "hours": "24/7"},
    },
    "sla_policies": {
        "standard": {
            "urgent": {"first_response": "1h", "resolution": "4h", "calendar": "always"},
            "high": {"first_response": "4h", "resolution": "1d", "calendar": "office"},
            "medium": {"first_response": "8h", "resolution": "3d", "calendar": "office"},
            "low": {"first_response": "2d", "resolution": "10d", "calendar": "office"},
        },
        "enterprise": {
            "urgent": {"first_response": "30m", "resolution": "2h", "calendar": "always"},
            "high": {"first_response": "1h", "resolution": "8h", "calendar": "always"},
            "medium": {"first_response": "4h", "resolution": "2d", "calendar": "office"},
            "low": {"first_response": "1d", "resolution": "5d", "calendar": "office"},
        },
    },
}


@cache
def sample_rules() -> RuleSet:
    """The packaged sample rules, loaded once per test process (rule sets are immutable)."""
    return load_ruleset(default_rules_path())


def ruleset(rules: list[Mapping[str, Any]], **top: Any) -> RuleSet:
    """A rule set with the BASE calendars and policies and the given rules."""
    data = {**BASE, **top, "rules": rules}
    return parse_ruleset(data, "test.yaml")


def one_rule(when: Any, then: Mapping[str, Any] | None = None, rule_id: str = "r1") -> RuleSet:
    """A rule set with a single rule (default action: at_least urgent)."""
    return ruleset([{"id": rule_id, "when": when, "then": dict(then or {"at_least": "urgent"})}])


def ticket(
    subject: str = "",
    body: str = "",
    *,
    created_at: datetime | None = OFFICE_TIME,
    customer: Customer | None = None,
    **fields: Any,
) -> Ticket:
    """A ticket created at OFFICE_TIME unless told otherwise."""
    return Ticket(
        subject=subject,
        body=body,
        created_at=created_at,
        customer=customer or Customer(),
        **fields,
    )


def model(priority: str = "medium", confidence: float = 0.8) -> ModelOutput:
    """A model output suggesting `priority` with the given confidence."""
    probs = {"low": 0.0, "medium": 0.0, "high": 0.0, "urgent": 0.0}
    probs[priority] = confidence
    return ModelOutput(priority, probs, confidence, "test-model", "1")
