"""Wire types: conversion to the core Ticket, limits, decision rendering, error paths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import msgspec
import pytest

from classifier.decision import Decision, FiredRule, ModelOutput, Reason, SlaDue
from classifier.errors import InvalidTicket
from serving.errors import classify_decode_error, field_from_msgspec
from serving.schemas import (
    CustomerIn,
    LimitExceeded,
    TicketIn,
    from_ticket,
    to_builtins,
    to_decision_out,
    to_ticket,
)
from serving.settings import LimitSettings

LIMITS = LimitSettings()


def _decode(payload: bytes) -> TicketIn:
    return msgspec.json.decode(payload, type=TicketIn)


def test_a_full_ticket_converts_to_the_core_ticket() -> None:
    wire = _decode(
        b'{"subject": "Nedbrud", "body": "Alt er nede", "external_id": "Z-1", "language": "da",'
        b' "channel": "phone", "tags": ["prod"], "stated_urgency": "hoj", "affected_users": 40,'
        b' "created_at": "2026-03-02T08:30:00+01:00", "extra": {"queue": "ops"},'
        b' "customer": {"tier": "enterprise", "vip": true, "monthly_value": 900.5}}'
    )
    ticket = to_ticket(wire, LIMITS)
    assert ticket.subject == "Nedbrud"
    assert ticket.ticket_id == "Z-1"
    assert ticket.tags == ("prod",)
    assert ticket.customer.tier == "enterprise"
    assert ticket.customer.vip is True
    assert ticket.customer.monthly_value == 900.5
    assert ticket.created_at == datetime(2026, 3, 2, 8, 30, tzinfo=timezone(timedelta(hours=1)))
    assert ticket.extra == {"queue": "ops"}
    record = ticket.to_record()
    assert record["tier"] == "enterprise"
    assert record["affected_users"] == 40


def test_a_time_without_zone_is_read_as_utc() -> None:
    ticket = to_ticket(_decode(b'{"body": "x", "created_at": "2026-03-02T08:30:00"}'), LIMITS)
    assert ticket.created_at == datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def test_unknown_tier_and_channel_values_are_accepted() -> None:
    ticket = to_ticket(
        _decode(b'{"body": "x", "channel": "carrier pigeon", "customer": {"tier": "gold"}}'),
        LIMITS,
    )
    assert ticket.channel == "carrier pigeon"
    assert ticket.customer.tier == "gold"


@pytest.mark.parametrize(
    ("subject", "body"),
    [("  ", "\n"), ("\u200b\u200b", "\ufeff"), ("", "<p><br/></p>"), ("\u00ad", "&nbsp;")],
)
def test_a_ticket_without_visible_text_is_invalid_naming_the_field(subject: str, body: str) -> None:
    with pytest.raises(InvalidTicket) as info:
        to_ticket(TicketIn(subject=subject, body=body), LIMITS)
    assert info.value.field == "body"


@pytest.mark.parametrize("body", ["<p>Server down</p>", "a < b", "\u200bok"])
def test_markup_or_invisible_characters_around_text_are_still_text(body: str) -> None:
    assert to_ticket(TicketIn(body=body), LIMITS).body == body  # kept as sent


def test_configured_limits_are_enforced_with_the_field_and_limit() -> None:
    with pytest.raises(LimitExceeded) as info:
        to_ticket(TicketIn(body="x" * 11), LimitSettings(body_chars=10))
    assert (info.value.field, info.value.limit, info.value.actual) == ("body", 10, 11)


def test_an_extra_text_value_has_the_body_limit_so_it_cannot_sidestep_it() -> None:
    limits = LimitSettings(body_chars=10)
    with pytest.raises(LimitExceeded) as info:
        to_ticket(TicketIn(body="x", extra={"description": "y" * 11}), limits)
    assert (info.value.field, info.value.limit, info.value.actual) == ("extra.description", 10, 11)
    kept = to_ticket(TicketIn(body="x", extra={"description": "y" * 10, "seats": 10**6}), limits)
    assert kept.extra == {"description": "y" * 10, "seats": 10**6}


def test_a_negative_count_fails_decoding_at_its_path() -> None:
    with pytest.raises(msgspec.ValidationError, match=r"\$\.customer\.open_tickets"):
        _decode(b'{"body": "x", "customer": {"open_tickets": -1}}')


def test_core_ticket_round_trips_through_the_wire_form() -> None:
    wire = TicketIn(body="b", subject="s", customer=CustomerIn(tier="free"), tags=["a"])
    again = from_ticket(to_ticket(wire, LIMITS))
    assert again == wire


def test_decision_renders_every_field() -> None:
    now = datetime(2026, 1, 5, 9, tzinfo=UTC)
    out = ModelOutput(
        "high",
        {"low": 0.1, "medium": 0.2, "high": 0.6, "urgent": 0.1},
        0.6,
        "ticket-priority",
        "7",
        (Reason("tier = enterprise", 0.4),),
    )
    decision = Decision(
        priority="urgent",
        source="rule",
        rule_id="vip",
        model=out,
        rules_fired=(FiredRule("vip", "customer.vip = True", ("at_least urgent",)),),
        sla=SlaDue("standard", "urgent", now, now + timedelta(hours=4), "always"),
        review_required=True,
        tags_added=("vip",),
    )
    wire = to_decision_out(decision, prediction_id="p1", external_id="Z-1", rules_sha256="ab")
    data = to_builtins(wire)
    assert data["priority"] == "urgent"
    assert data["model_priority"] == "high"
    assert data["probabilities"]["high"] == 0.6
    assert data["model_version"] == "7"
    assert data["rules_fired"][0]["rule_id"] == "vip"
    assert data["sla"]["first_response_due"] == "2026-01-05T09:00:00Z"
    assert data["reasons"] == [{"feature": "tier = enterprise", "weight": 0.4}]
    assert data["review_required"] is True
    assert data["rules_sha256"] == "ab"


def test_a_rules_only_decision_has_no_model_fields() -> None:
    decision = Decision("medium", "default", None, None, degraded="no model")
    data = to_builtins(
        to_decision_out(decision, prediction_id="p", external_id=None, rules_sha256="ab")
    )
    assert data["model_version"] is None
    assert data["probabilities"] is None
    assert data["degraded"] == "no model"


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ("Expected `int`, got `str` - at `$.customer.open_tickets`", "customer.open_tickets"),
        ("Expected `str`, got `int` - at `$.tags[2]`", "tags[2]"),
        ("Expected `str`, got `int` - at `$.tickets[2].body`", "tickets[2].body"),
        (
            "Expected `int`, got `str` - at `$.tickets[0].customer.open_tickets`",
            "tickets[0].customer.open_tickets",
        ),
        ("Object missing required field `tickets`", None),
    ],
)
def test_msgspec_paths_become_dotted_field_names(message: str, field: str | None) -> None:
    assert field_from_msgspec(message)[0] == field


def test_decode_errors_map_to_400_413_and_422() -> None:
    assert classify_decode_error("JSON is malformed: invalid character (byte 3)").status == 400
    too_long = classify_decode_error("Expected `str` of length <= 10000 - at `$.subject`")
    assert (too_long.status, too_long.field) == (413, "subject")
    # the decoder's ceiling (10,000) is not the limit in force: the message names the setting
    assert too_long.detail == "subject: longer than the limit (TP_MAX_SUBJECT_CHARS, default 1,000)"
    in_batch = classify_decode_error("Expected `str` of length <= 1000000 - at `$.tickets[2].body`")
    assert in_batch.detail.endswith(
        "body: longer than the limit (TP_MAX_BODY_CHARS, default 50,000)"
    )
    wrong = classify_decode_error("Expected `bool | null`, got `str` - at `$.customer.vip`")
    assert (wrong.status, wrong.field) == (422, "customer.vip")
