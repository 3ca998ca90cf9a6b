"""Issue kinds and their hidden properties: frequency, base severity, blast radius, category."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class KindProfile:
    """Hidden facts about one issue kind.

    Attributes:
        share: relative frequency among all tickets.
        severity: base severity on the 0 (low) .. 3 (urgent) scale before cues and context.
        affected_median: median number of affected users for a standard-tier customer
            (1 means the kind concerns a single person).
        severe: True where customers phone in and write urgent cues more often.
        category: the web-form category a customer would pick for this kind.
    """

    share: float
    severity: float
    affected_median: float
    severe: bool
    category: str


PROFILES: Mapping[str, KindProfile] = {
    "outage": KindProfile(0.04, 2.35, 60.0, True, "technical"),
    "security_breach": KindProfile(0.015, 2.8, 15.0, True, "security"),
    "data_loss": KindProfile(0.02, 2.25, 8.0, True, "technical"),
    "payment_failure": KindProfile(0.06, 1.75, 10.0, True, "billing"),
    "login_problem": KindProfile(0.10, 1.15, 1.5, False, "account"),
    "bug": KindProfile(0.14, 0.95, 4.0, False, "technical"),
    "slow_performance": KindProfile(0.08, 0.8, 15.0, False, "technical"),
    "how_to": KindProfile(0.16, 0.15, 1.0, False, "question"),
    "feature_request": KindProfile(0.09, -0.1, 1.0, False, "feedback"),
    "typo": KindProfile(0.05, -0.3, 1.0, False, "feedback"),
    "refund_request": KindProfile(0.06, 0.75, 1.0, False, "billing"),
    "billing_question": KindProfile(0.11, 0.25, 1.0, False, "billing"),
    "sales_inquiry": KindProfile(0.075, 0.6, 1.0, False, "sales"),
}

KINDS: tuple[str, ...] = tuple(PROFILES)
