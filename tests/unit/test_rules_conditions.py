"""Table tests: every condition, matching and not matching, with phrases in six languages."""
# ruff: noqa: E501 - table tests keep one case per line

from __future__ import annotations

from typing import Any

import pytest

from classifier.conditions import Facts
from classifier.decide import decide
from classifier.decision import ModelOutput
from classifier.schema import Customer, Ticket
from tests.rules_fixtures import NIGHT_TIME, OFFICE_TIME, model, one_rule, ticket

PHRASE_CASES = [
    # language, phrases, ticket subject, ticket body, fires
    ("en", ["security breach", "data leak"], "Possible DATA LEAK", "", True),
    ("en", ["down"], "Download fails", "", False),
    ("de", ["sicherheitsvorfall", "*ausfall"], "Serverausfall", "seit heute", True),
    ("de", ["datenleck"], "Frage", "Kein Problem, nur eine Frage zur Rechnung", False),
    ("da", ["sikkerhedsbrud", "nedbrud"], "Nedbrud", "Alt er nede", True),
    ("da", ["høj prioritet"], "", "Sæt venligst HOJ PRIORITET", True),
    ("fi", ["tietoturvaloukkaus", "ei toimi"], "Kirjautuminen ei toimi", "", True),
    ("fi", ["katko"], "", "sähkökatko eilen", False),
    ("fi", ["*katko"], "", "sähkökatko eilen", True),
    ("nl", ["datalek", "storing"], "", "Er is een storing bij de server", True),
    ("nl", ["werkt niet"], "", "Het werkt prima", False),
    ("sl", ["varnostni incident", "izpad"], "Izpad strežnika", "", True),
    ("sl", ["ne deluje"], "", "Vse deluje", False),
]


@pytest.mark.parametrize(("lang", "phrases", "subject", "body", "fires"), PHRASE_CASES)
def test_text_matches_fires_on_phrases_in_each_language(
    lang: str, phrases: list[str], subject: str, body: str, fires: bool
) -> None:
    rs = one_rule({"text_matches": {lang: phrases}})
    decision = decide(ticket(subject, body), None, rs)
    assert (decision.priority == "urgent") is fires
    if fires:
        assert "text matches" in decision.rules_fired[0].reason


def test_subject_and_body_matches_look_only_at_their_part() -> None:
    subject_rule = one_rule({"subject_matches": ["nedbrud"]})
    body_rule = one_rule({"body_matches": ["nedbrud"]})
    t = ticket("Nedbrud i nat", "Hej, alt virker nu")
    assert decide(t, None, subject_rule).priority == "urgent"
    assert decide(t, None, body_rule).priority == "medium"


def test_the_reason_names_the_matched_phrase_as_written() -> None:
    rs = one_rule({"text_matches": {"sl": ["varnostni incident"], "de": ["Sicherheitsvorfall"]}})
    decision = decide(ticket("", "Wir hatten einen SICHERHEITSVORFALL"), None, rs)
    assert decision.rules_fired[0].reason == "text matches 'Sicherheitsvorfall'"


@pytest.mark.parametrize(
    ("when", "t", "fires"),
    [
        ({"text_matches": ["überlastet"]}, ticket("", "Server ueberlastet"), True),
        ({"text_matches": ["überlastet"]}, ticket("", "Server uberlastet"), True),
        ({"text_matches": ["*störung"]}, ticket("Netzstoerung", ""), True),
        ({"text_matches": ["København"]}, ticket("", "kontoret i Koebenhavn"), True),
        ({"text_matches": ["ålborg"]}, ticket("", "Aalborg"), True),
        ({"text_matches": ["überlastet"]}, ticket("", "Server uerberlastet"), False),
        ({"regex": r"ERR-\d{3}"}, ticket("", "code err-503 seen"), True),
        ({"regex": r"ERR-\d{3}"}, ticket("", "code ERR-5"), False),
        ({"subject_regex": r"^\[spam\]"}, ticket("[SPAM] win", ""), True),
        ({"body_regex": r"^\[spam\]"}, ticket("[SPAM] win", ""), False),
        ({"tags": ["Billing", "vip"]}, ticket(tags=("billing",)), True),
        ({"tags": ["billing"]}, ticket(tags=("sales",)), False),
        ({"tags_all": ["billing", "eu"]}, ticket(tags=("EU", "billing")), True),
        ({"tags_all": ["billing", "eu"]}, ticket(tags=("billing",)), False),
        ({"customer.tier": ["enterprise"]}, ticket(customer=Customer(tier="Enterprise")), True),
        ({"customer.tier": "enterprise"}, ticket(customer=Customer(tier="free")), False),
        ({"customer.tier": ["enterprise"]}, ticket(), False),
        ({"customer.vip": True}, ticket(customer=Customer(vip=True)), True),
        ({"customer.vip": True}, ticket(customer=Customer(vip=None)), False),
        ({"customer.vip": False}, ticket(customer=Customer(vip=False)), True),
        ({"customer.id": ["c-42"]}, ticket(customer=Customer(customer_id="C-42")), True),
        ({"channel": ["phone", "chat"]}, ticket(channel="phone"), True),
        ({"channel": ["phone"]}, ticket(channel="email"), False),
        ({"language": ["da", "fi"]}, ticket(language="fi"), True),
        ({"language": ["da"]}, ticket(language="sl"), False),
        ({"stated_urgency": ["kritisch", "kriittinen"]}, ticket(stated_urgency="Kritisch"), True),
        ({"stated_urgency": ["kritisch"]}, ticket(stated_urgency="low"), False),
        ({"stated_urgency": ["kritično"]}, ticket(stated_urgency="KRITIC\u030cNO"), True),
        ({"stated_urgency": ["kritic\u030cno"]}, ticket(stated_urgency="Kritično"), True),
        ({"stated_urgency": ["kritično"]}, ticket(stated_urgency="kriticno"), True),
        ({"stated_urgency": ["kritično"]}, ticket(stated_urgency="kritisk"), False),
        ({"affected_users": {">=": 50}}, ticket(affected_users=50), True),
        ({"affected_users": {">": 50}}, ticket(affected_users=50), False),
        ({"affected_users": 3}, ticket(affected_users=3), True),
        ({"affected_users": {"<": 5}}, ticket(affected_users=None), False),
        ({"customer.monthly_value": {"gte": 1000}}, ticket(customer=Customer(monthly_value=1500.0)), True),
        ({"customer.monthly_value": {"between": [100, 200]}}, ticket(customer=Customer(monthly_value=250.0)), False),
        ({"customer.open_tickets": {"<=": 2}}, ticket(customer=Customer(open_tickets=2)), True),
        ({"customer.account_age_days": {"<": 30}}, ticket(customer=Customer(account_age_days=400.0)), False),
        ({"customer.tickets_last_90d": {"!=": 0}}, ticket(customer=Customer(tickets_last_90d=4)), True),
        ({"extra.queue": ["billing"]}, ticket(extra={"queue": "Billing"}), True),
        ({"extra.seats": {">=": 100}}, ticket(extra={"seats": 250}), True),
        ({"extra.seats": {">=": 100}}, ticket(extra={}), False),
        ({"business_hours": True}, ticket(created_at=OFFICE_TIME), True),
        ({"business_hours": False}, ticket(created_at=OFFICE_TIME), False),
        ({"business_hours": False}, ticket(created_at=NIGHT_TIME), True),
        ({"business_hours": {"calendar": "helsinki", "inside": True}}, ticket(created_at=OFFICE_TIME), True),
        ({"business_hours": {"calendar": "always", "inside": False}}, ticket(created_at=NIGHT_TIME), False),
    ],
)  # fmt: skip
def test_each_fact_condition_matches_exactly_when_it_should(
    when: dict[str, Any], t: Ticket, fires: bool
) -> None:
    decision = decide(t, None, one_rule(when))
    assert (decision.priority == "urgent") is fires
    assert len(decision.rules_fired) == int(fires)


@pytest.mark.parametrize(
    ("when", "output", "fires"),
    [
        ({"model.priority": ["low"]}, model("low"), True),
        ({"model.priority": ["low"]}, model("high"), False),
        ({"model.priority": {"at_least": "high"}}, model("urgent"), True),
        ({"model.priority": {"at_most": "medium"}}, model("high"), False),
        ({"model.priority": ["low"]}, None, False),
        ({"model.confidence_below": 0.5}, model("low", 0.49), True),
        ({"model.confidence_below": 0.5}, model("low", 0.5), False),
        ({"model.confidence_below": 0.5}, None, False),
    ],
)
def test_model_conditions_use_the_models_view_and_never_match_without_a_model(
    when: dict[str, Any], output: ModelOutput | None, fires: bool
) -> None:
    rs = one_rule(when, {"require_review": True})
    assert decide(ticket(), output, rs).review_required is fires


@pytest.mark.parametrize(
    ("confidence", "threshold", "shown"),
    [
        (0.41, 0.5, "0.41"),
        (0.497, 0.5, "0.497"),
        (0.49996, 0.5, "0.49996"),
        (0.2999, 0.3, "0.2999"),
    ],
)
def test_a_confidence_reason_never_rounds_up_to_its_threshold(
    confidence: float, threshold: float, shown: str
) -> None:
    rs = one_rule({"model.confidence_below": threshold}, {"require_review": True})
    (fired,) = decide(ticket(), model("low", confidence), rs).rules_fired
    assert fired.reason == f"model.confidence = {shown} < {threshold:g}"


@pytest.mark.parametrize("name", ["helsinki", "Helsinki"])  # as typed in a helpdesk
def test_business_hours_follow_the_customers_own_calendar(name: str) -> None:
    rs = one_rule({"business_hours": True})
    # 06:30 UTC on a Friday is 07:30 in Copenhagen (closed) and 08:30 in Helsinki (open).
    early = ticket(created_at=OFFICE_TIME.replace(hour=6, minute=30))
    helsinki = ticket(
        created_at=OFFICE_TIME.replace(hour=6, minute=30), customer=Customer(calendar=name)
    )
    assert decide(early, None, rs).priority == "medium"
    assert decide(helsinki, None, rs).priority == "urgent"
    (fired,) = decide(helsinki, None, rs).rules_fired
    assert fired.reason == "created inside business hours of 'helsinki'"
    facts = Facts(helsinki, None, rs.index, helsinki.created_at)  # the uncompiled test too
    assert rs.rules[0].when.test(facts) == "created inside business hours of 'helsinki'"


@pytest.mark.parametrize(
    ("when", "t", "fires"),
    [
        ({"all": [{"customer.vip": True}, {"channel": "phone"}]}, ticket(channel="phone", customer=Customer(vip=True)), True),
        ({"all": [{"customer.vip": True}, {"channel": "phone"}]}, ticket(channel="email", customer=Customer(vip=True)), False),
        ({"any": [{"customer.vip": True}, {"text_matches": ["izpad"]}]}, ticket("Izpad"), True),
        ({"any": [{"customer.vip": True}, {"text_matches": ["izpad"]}]}, ticket("Vprašanje"), False),
        ({"not": {"customer.tier": "free"}}, ticket(customer=Customer(tier="premium")), True),
        ({"not": {"customer.tier": "free"}}, ticket(customer=Customer(tier="free")), False),
        ({"customer.tier": "enterprise", "text_matches": ["storing"]}, ticket("Storing", customer=Customer(tier="enterprise")), True),
        ({"customer.tier": "enterprise", "text_matches": ["storing"]}, ticket("Storing", customer=Customer(tier="free")), False),
        ({"any": [{"all": [{"channel": "chat"}, {"not": {"customer.vip": True}}]}, {"tags": ["x"]}]}, ticket(channel="chat"), True),
    ],
)  # fmt: skip
def test_all_any_and_not_combine_conditions(when: dict[str, Any], t: Ticket, fires: bool) -> None:
    assert (decide(t, None, one_rule(when)).priority == "urgent") is fires


def test_a_rule_without_when_always_fires() -> None:
    rs = one_rule(None, {"tags": ["seen"]})
    assert decide(ticket(), None, rs).tags_added == ("seen",)


def test_reasons_carry_the_value_that_met_the_condition() -> None:
    rs = one_rule({"customer.monthly_value": {">=": 1000}, "customer.tier": ["enterprise"]})
    t = ticket(customer=Customer(tier="enterprise", monthly_value=1500.0))
    reason = decide(t, None, rs).rules_fired[0].reason
    assert "customer.monthly_value = 1500 >= 1000" in reason
    assert "customer.tier = 'enterprise'" in reason


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Serveren er nede og vi kan ikke logge ind", "da"),
        ("Palvelin ei toimi ja se on kiireellinen", "fi"),
        ("De server werkt niet, graag snel een oplossing", "nl"),
        ("Strežnik ne deluje in je nujno, prosim pomagajte", "sl"),
        ("Der Server ist nicht erreichbar, bitte helfen Sie uns", "de"),
        ("The server is down and we have a problem", "en"),
    ],
)
def test_language_conditions_detect_the_language_when_none_is_given(
    text: str, language: str
) -> None:
    rs = one_rule({"language": [language]})
    decision = decide(ticket("", text), None, rs)
    assert decision.priority == "urgent"
    assert decision.rules_fired[0].reason == f"language = '{language}' (detected)"
    other = one_rule({"language": ["xx"]})
    assert decide(ticket("", text), None, other).priority == "medium"


def test_a_given_language_wins_over_detection() -> None:
    rs = one_rule({"language": ["fi"]})
    t = ticket("", "Serveren er nede og vi kan ikke logge ind", language="fi")
    assert decide(t, None, rs).rules_fired[0].reason == "language = 'fi'"


def test_a_spelled_out_umlaut_is_reported_as_the_phrase_the_rule_names() -> None:
    decision = decide(
        ticket("", "Der Server ist ueberlastet"), None, one_rule({"text_matches": ["Überlastet"]})
    )
    assert [r.reason for r in decision.rules_fired] == ["text matches 'Überlastet'"]
