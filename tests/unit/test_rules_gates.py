"""Rule gates skip only rules that cannot fire: decide() fires what testing every rule fires."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.decide import decide, trace_rules
from classifier.gates import FactAtom, required_atoms
from classifier.schema import Customer, Ticket
from tests.rules_fixtures import ruleset
from tests.unit.test_decide_golden import golden_ruleset

GATED = ruleset(
    [
        {"id": "any-open", "when": {"any": [{"text_matches": ["login", "*ausfall"]},
                                            {"customer.open_tickets": {">=": 12}}]},
         "then": {"at_least": "high"}},
        {"id": "tier", "when": {"customer.tier": ["Enterprise", "premium"]},
         "then": {"tags": ["big"]}},
        {"id": "value", "when": {"customer.monthly_value": {"between": [1000, 2000]}},
         "then": {"policy": "enterprise"}},
        {"id": "not-vip", "when": {"customer.vip": False, "channel": ["phone"]},
         "then": {"at_most": "high"}},
        {"id": "users", "when": {"affected_users": {"!=": 3, "<": 10}}, "then": {"set": "low"}},
        {"id": "tags", "when": {"tags_all": ["Billing", "vip"]}, "then": {"at_least": "medium"}},
        {"id": "stop", "when": {"extra.queue": ["urgent"]}, "then": {"stop": True}},
        {"id": "after-stop", "when": {"customer.open_tickets": 0}, "then": {"at_least": "urgent"}},
        {"id": "lang", "when": {"language": ["de"]}, "then": {"tags": ["de"]}},
        {"id": "not-free", "when": {"not": {"customer.tier": ["free"]}, "channel": ["email"]},
         "then": {"tags": ["paid"]}},
        {"id": "regex", "when": {"subject_regex": "fails|ausfall"}, "then": {"tags": ["rx"]}},
        {"id": "night-phone", "when": {"business_hours": False, "channel": ["phone"]},
         "then": {"require_review": True}},
        {"id": "value-any", "when": {"any": [{"customer.monthly_value": {">": 0.5}},
                                             {"customer.vip": True}]},
         "then": {"tags": ["value"]}},
    ]
)  # fmt: skip

NUMBERS = st.one_of(
    st.none(), st.integers(-2, 25), st.floats(allow_nan=True), st.sampled_from([True, -0.0, 12.0])
)
TICKETS = st.builds(
    Ticket,
    subject=st.sampled_from(["", "Login fails", "Serverausfall!", "hello"]),
    body=st.sampled_from(["", "please LOGIN", "totaler ausfall", "der die das und"]),
    channel=st.sampled_from([None, "phone", "PHONE", "email", 7]),
    tags=st.lists(st.sampled_from(["billing", "BILLING", "vip", "x"]), max_size=3).map(tuple),
    affected_users=NUMBERS,
    extra=st.fixed_dictionaries({"queue": st.sampled_from([None, "urgent", "Urgent", 1])}),
    customer=st.builds(
        Customer,
        tier=st.sampled_from([None, "enterprise", "ENTERPRISE", "free", True]),
        vip=st.sampled_from([None, True, False, 0, 1]),
        monthly_value=NUMBERS,
        open_tickets=NUMBERS,
    ),
    created_at=st.sampled_from(
        [datetime(2026, 3, 2, 9, tzinfo=UTC), datetime(2026, 3, 1, 3, tzinfo=UTC)]
    ),
)


def _traced(ticket: Ticket, rs: Any) -> list[tuple[str, str]]:
    return [(t.rule.id, t.reason) for t in trace_rules(ticket, None, rs) if t.fired]


@settings(max_examples=300, deadline=None)
@given(TICKETS)
def test_decide_fires_exactly_the_rules_that_testing_every_rule_fires(ticket: Ticket) -> None:
    fired = [(f.rule_id, f.reason) for f in decide(ticket, None, GATED).rules_fired]
    assert fired == _traced(ticket, GATED)


def test_the_golden_rules_fire_alike_with_and_without_gates() -> None:
    rs = golden_ruleset()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(60):
        ticket = Ticket(
            subject=["Server down", "VPN", "", "Datenleck!"][i % 4],
            body=["werkt niet", "sähkökatko nyt", "refund please", "ERR-42"][i % 3],
            channel=["phone", "email", None][i % 3],
            tags=(("billing",), (), ("spam",))[i % 3],
            affected_users=i * 2,
            customer=Customer(tier=["free", "enterprise", None][i % 3], vip=i % 4 == 0,
                              monthly_value=i * 100.0, open_tickets=i % 20),
            created_at=start + timedelta(hours=7 * i),
        )  # fmt: skip
        fired = [(f.rule_id, f.reason) for f in decide(ticket, None, rs).rules_fired]
        assert fired == _traced(ticket, rs)


def test_gates_are_made_of_phrases_literals_and_fact_tests() -> None:
    rules = {r.id: r for r in GATED.rules}
    assert rules["any-open"].gate == {
        ("login",),
        "ausfall",
        FactAtom("num", "customer.open_tickets", (">=", 12.0)),
    }
    assert rules["tier"].gate == {FactAtom("in", "customer.tier", v)
                                  for v in ("enterprise", "premium")}  # fmt: skip
    assert rules["not-vip"].gate is not None
    assert len(rules["not-vip"].gate) == 1  # the smaller of vip and channel
    assert rules["lang"].gate is None  # detecting the language is not worth it for a gate


def test_a_rule_with_a_not_or_a_regex_alone_has_no_gate() -> None:
    rs = ruleset(
        [{"id": "n", "when": {"not": {"customer.vip": True}}, "then": {"set": "low"}},
         {"id": "r", "when": {"regex": "err-\\d+"}, "then": {"set": "low"}}]
    )  # fmt: skip
    assert [required_atoms(r.when) for r in rs.rules] == [None, None]
