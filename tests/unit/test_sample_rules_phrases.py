"""The packaged sample rules catch security breaches and outages as tickets really write them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from classifier.decide import decide
from classifier.decision import Decision
from classifier.schema import Customer
from tests.rules_fixtures import sample_rules, ticket

# Sunday 03:00 in Copenhagen: a breach is urgent whatever the hour.
SUNDAY_NIGHT = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


def _decide(subject: str, body: str = ".", tier: str = "standard") -> Decision:
    t = ticket(subject, body, created_at=SUNDAY_NIGHT, customer=Customer(tier=tier))
    return decide(t, None, sample_rules())


def _fired(decision: Decision) -> set[str]:
    return {fired.rule_id for fired in decision.rules_fired}


@pytest.mark.parametrize(
    "subject",
    [
        "<p>security</p> <p>breach</p>",
        "security&nbsp;breach",
        "secu\u00adrity breach",
        "<div>Wir haben ein <b>Daten</b>leck</div>",
        "Sikkerheds\u00adbrud",
        "Tietoturva&shy;loukkaus",
        "\u200bdatalek",
    ],
)
def test_html_bodies_and_soft_hyphens_still_raise_a_breach_to_urgent(subject: str) -> None:
    decision = _decide(subject)
    assert "security-breach" in _fired(decision)
    assert decision.priority == "urgent"
