"""decide(): actions, conflicts, sources, shadow mode and SLA due times."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from classifier.decide import decide, trace_rules
from classifier.errors import InvalidTicket
from classifier.schema import Customer
from tests.rules_fixtures import model, one_rule, ruleset, sample_rules, ticket

VIP = Customer(vip=True)


@pytest.mark.parametrize(
    ("then", "suggested", "final"),
    [
        ({"set": "low"}, "urgent", "low"),
        ({"set": "urgent"}, "low", "urgent"),
        ({"at_least": "high"}, "low", "high"),
        ({"at_least": "high"}, "urgent", "urgent"),
        ({"at_most": "medium"}, "urgent", "medium"),
        ({"at_most": "medium"}, "low", "low"),
        ({"at_least": "medium", "at_most": "high"}, "urgent", "high"),
        ({"at_least": "medium", "at_most": "high"}, "low", "medium"),
        ({"set": "P1"}, "low", "urgent"),  # aliases work in rule files
    ],
)
def test_priority_actions_bound_or_replace_the_models_suggestion(
    then: dict[str, str], suggested: str, final: str
) -> None:
    rs = one_rule({"customer.vip": True}, then)
    decision = decide(ticket(customer=VIP), model(suggested), rs)
    assert decision.priority == final
    assert decision.model is not None
    assert decision.model.priority == suggested


def test_a_rule_that_changes_the_level_becomes_the_source() -> None:
    rs = one_rule({"customer.vip": True}, {"at_least": "high"}, rule_id="vip")
    changed = decide(ticket(customer=VIP), model("low"), rs)
    unchanged = decide(ticket(customer=VIP), model("urgent"), rs)
    assert (changed.source, changed.rule_id) == ("rule", "vip")
    assert (unchanged.source, unchanged.rule_id) == ("model", None)
    assert unchanged.rules_fired[0].rule_id == "vip"  # fired, but did not change anything


def test_without_a_model_the_default_level_is_used_and_degraded_is_reported() -> None:
    rs = one_rule({"customer.vip": True}, {"at_least": "high"})
    plain = decide(ticket(), None, rs, degraded="no model loaded")
    assert (plain.priority, plain.source, plain.rule_id) == ("medium", "default", None)
    assert plain.degraded == "no model loaded"
    assert plain.model is None
    vip = decide(ticket(customer=VIP), None, rs)
    assert (vip.priority, vip.source, vip.rule_id) == ("high", "rule", "r1")


@pytest.mark.parametrize("order", ["floor first", "cap first"])
def test_conflicting_at_least_and_at_most_resolve_to_the_floor_whatever_the_order(
    order: str,
) -> None:
    floor = {"id": "breach", "when": {"text_matches": ["datalek"]}, "then": {"at_least": "urgent"}}
    cap = {"id": "free", "when": {"customer.tier": "free"}, "then": {"at_most": "high"}}
    rules = [floor, cap] if order == "floor first" else [cap, floor]
    rs = ruleset(rules)
    decision = decide(ticket("Datalek", customer=Customer(tier="free")), model("low"), rs)
    assert decision.priority == "urgent"
    assert decision.rule_id == "breach"
    assert {f.rule_id for f in decision.rules_fired} == {"breach", "free"}


def test_the_highest_floor_and_the_lowest_ceiling_win() -> None:
    rs = ruleset(
        [
            {"id": "a", "when": None, "then": {"at_least": "high"}},
            {"id": "b", "when": None, "then": {"at_least": "medium"}},
            {"id": "c", "when": None, "then": {"at_most": "high"}},
            {"id": "d", "when": None, "then": {"at_most": "urgent"}},
        ]
    )
    assert decide(ticket(), model("low"), rs).priority == "high"
    assert decide(ticket(), model("low"), rs).rule_id == "a"
    assert decide(ticket(), model("urgent"), rs).rule_id == "c"


def test_the_last_set_wins_and_bounds_still_apply_to_it() -> None:
    rs = ruleset(
        [
            {"id": "s1", "when": None, "then": {"set": "urgent"}},
            {"id": "s2", "when": None, "then": {"set": "low"}},
            {"id": "floor", "when": {"customer.vip": True}, "then": {"at_least": "medium"}},
        ]
    )
    assert decide(ticket(), model("high"), rs).priority == "low"
    assert decide(ticket(customer=VIP), model("high"), rs).priority == "medium"


def test_stop_ends_evaluation_and_later_rules_do_not_fire() -> None:
    rs = ruleset(
        [
            {"id": "spam", "when": {"tags": ["spam"]}, "then": {"set": "low", "stop": True}},
            {"id": "vip", "when": {"customer.vip": True}, "then": {"at_least": "urgent"}},
        ]
    )
    decision = decide(ticket(tags=("spam",), customer=VIP), model("high"), rs)
    assert decision.priority == "low"
    assert [f.rule_id for f in decision.rules_fired] == ["spam"]
    traces = list(trace_rules(ticket(tags=("spam",), customer=VIP), None, rs))
    assert [(t.rule.id, t.fired, t.skipped) for t in traces] == [
        ("spam", True, False),
        ("vip", False, True),
    ]


def test_review_tags_and_policy_actions_accumulate() -> None:
    rs = ruleset(
        [
            {"id": "a", "when": None, "then": {"tags": ["x", "y"], "policy": "standard"}},
            {"id": "b", "when": None, "then": {"tags": ["y", "z"], "require_review": True}},
            {"id": "c", "when": None, "then": {"policy": "enterprise", "require_review": False}},
        ]
    )
    decision = decide(ticket(), model("low"), rs)
    assert decision.tags_added == ("x", "y", "z")
    assert decision.review_required is True
    assert decision.sla is not None
    assert decision.sla.policy == "enterprise"
    assert decision.rules_fired[1].actions == ("require_review", "tag y", "tag z")


def test_sla_due_times_follow_the_final_level_policy_and_calendar() -> None:
    rs = one_rule({"customer.vip": True}, {"at_least": "urgent"})
    created = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)  # Friday 16:30 in Copenhagen
    urgent = decide(ticket(created_at=created, customer=VIP), model("low"), rs).sla
    assert urgent is not None
    assert (urgent.policy, urgent.level, urgent.calendar) == ("standard", "urgent", "always")
    assert urgent.first_response_due == datetime(2026, 11, 20, 16, 30, tzinfo=UTC)
    assert urgent.resolution_due == datetime(2026, 11, 20, 19, 30, tzinfo=UTC)
    high = decide(ticket(created_at=created), model("high"), rs).sla
    assert high is not None
    assert high.calendar == "office"
    # 30 minutes left on Friday, then 3.5 hours on Monday from 08:00 Copenhagen (07:00 UTC).
    assert high.first_response_due == datetime(2026, 11, 23, 10, 30, tzinfo=UTC)


def test_without_created_at_the_clock_starts_at_now() -> None:
    rs = one_rule({"customer.vip": True})
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    decision = decide(ticket(created_at=None, customer=VIP), None, rs, now=now)
    assert decision.sla is not None
    assert decision.sla.first_response_due == datetime(2026, 11, 20, 13, 0, tzinfo=UTC)


def test_a_customers_own_calendar_replaces_the_policy_calendar() -> None:
    rs = one_rule({"customer.vip": True})
    created = datetime(2026, 11, 20, 13, 0, tzinfo=UTC)  # Friday 15:00 in Helsinki
    own = decide(
        ticket(created_at=created, customer=Customer(calendar="helsinki")), model("high"), rs
    )
    assert own.sla is not None
    assert own.sla.calendar == "helsinki"
    # 1 hour left on Friday in Helsinki (until 16:00), 3 more from Monday 08:00 (06:00 UTC).
    assert own.sla.first_response_due == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    with pytest.raises(InvalidTicket, match=r"customer\.calendar"):
        decide(ticket(customer=Customer(calendar="mars")), model("high"), rs)


def test_shadow_mode_decides_from_rules_alone_and_reports_the_model_on_the_side() -> None:
    rs = ruleset(
        [
            {"id": "vip", "when": {"customer.vip": True}, "then": {"at_least": "high"}},
            {
                "id": "unsure",
                "when": {"model.confidence_below": 0.9},
                "then": {"require_review": True},
            },
        ]
    )
    output = model("urgent", 0.6)
    shadow = decide(ticket(), output, rs, shadow=True)
    assert (shadow.priority, shadow.source) == ("medium", "default")
    assert shadow.shadow_model_priority == "urgent"
    assert shadow.review_required is False  # model conditions do not match in shadow mode
    live = decide(ticket(), output, rs)
    assert (live.priority, live.shadow_model_priority, live.review_required) == (
        "urgent",
        None,
        True,
    )


def test_a_model_label_given_as_an_alias_is_mapped_onto_the_scale() -> None:
    rs = one_rule({"customer.vip": True})
    assert decide(ticket(), model("medium"), rs).priority == "medium"
    output = model("medium")
    aliased = type(output)("P1", output.probabilities, 0.9, "m", "1")
    assert decide(ticket(), aliased, rs).priority == "urgent"


@pytest.mark.parametrize(
    ("subject", "body", "customer", "expected", "rule"),
    [
        ("Security breach", "We were hacked", Customer(tier="free"), "urgent", "security-breach"),
        ("Datenleck", "Wir haben ein Datenleck entdeckt", Customer(), "urgent", "security-breach"),
        ("Sikkerhedsbrud", "", Customer(), "urgent", "security-breach"),
        ("Tietoturvaloukkaus", "", Customer(), "urgent", "security-breach"),
        ("", "Er is een datalek", Customer(), "urgent", "security-breach"),
        ("Varnostni incident", "", Customer(), "urgent", "security-breach"),
        ("Totaler Serverausfall", "", Customer(tier="enterprise"), "high", "enterprise-outage"),
        ("Netwerkstoring", "", Customer(tier="enterprise"), "high", "enterprise-outage"),
        ("Izpad", "strežnik ne deluje", Customer(tier="enterprise"), "high", "enterprise-outage"),
        ("Frage", "Wann kommt die Rechnung?", Customer(vip=True), "high", "vip"),
    ],
)
def test_the_sample_rules_cover_six_languages(
    subject: str, body: str, customer: Customer, expected: str, rule: str
) -> None:
    decision = decide(ticket(subject, body, customer=customer), model("low", 0.9), sample_rules())
    assert (decision.priority, decision.rule_id) == (expected, rule)


@pytest.mark.parametrize(
    "created", [datetime(1899, 12, 31, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC)]
)
def test_an_implausible_creation_time_is_an_invalid_ticket(created: datetime) -> None:
    with pytest.raises(InvalidTicket) as raised:
        decide(ticket(created_at=created), None, sample_rules())
    assert raised.value.field == "created_at"
    assert "use a time from 1900 to 2999" in raised.value.problem
    plausible = decide(
        ticket(created_at=datetime(2999, 12, 30, 9, tzinfo=UTC)), None, sample_rules()
    )
    assert plausible.sla is not None
