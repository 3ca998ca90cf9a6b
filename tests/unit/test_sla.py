"""SLA due times and the pause/resume clock from a status history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from classifier.errors import InvalidTicket
from classifier.sla import due_times
from classifier.sla_clock import StatusChange, sla_clock, status_state
from tests.rules_fixtures import ruleset

RS = ruleset([])
STANDARD = RS.policies["standard"]


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in November 2026 (UTC); Copenhagen is UTC+1 then."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def test_due_times_use_the_level_targets_on_their_calendars() -> None:
    due = due_times(STANDARD, "medium", RS.calendars, utc(23, 7))  # Monday 08:00 Copenhagen
    assert due.calendar == "office"
    assert due.first_response_due == utc(23, 15)  # 8 business hours: 08:00-16:00
    # 3d = 27 business hours (9h days): Mon, Tue, Wed -> Wednesday 17:00 local.
    assert due.resolution_due == utc(25, 16)
    urgent = due_times(STANDARD, "urgent", RS.calendars, utc(21, 3))  # Saturday night
    assert urgent.first_response_due == utc(21, 4)


def test_a_customer_calendar_overrides_the_policy_calendar() -> None:
    due = due_times(STANDARD, "high", RS.calendars, utc(23, 6), "helsinki")
    assert due.calendar == "helsinki"
    assert due.first_response_due == utc(23, 10)  # Helsinki opens 08:00 = 06:00 UTC
    with pytest.raises(InvalidTicket, match="helsinki"):
        due_times(STANDARD, "high", RS.calendars, utc(23, 6), "oslo")


@pytest.mark.parametrize("name", ["Helsinki", "HELSINKI", " helsinki "])
def test_a_customer_calendar_name_matches_regardless_of_case_and_spaces(name: str) -> None:
    due = due_times(STANDARD, "high", RS.calendars, utc(23, 6), name)
    assert (due.calendar, due.first_response_due) == ("helsinki", utc(23, 10))


def test_a_customer_calendar_does_not_narrow_a_round_the_clock_target() -> None:
    urgent = due_times(STANDARD, "urgent", RS.calendars, utc(21, 3), "helsinki")  # Saturday night
    assert (urgent.calendar, urgent.first_response_due) == ("always", utc(21, 4))
    with pytest.raises(InvalidTicket, match="helsinki"):
        due_times(STANDARD, "urgent", RS.calendars, utc(21, 3), "oslo")


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("New", "running"), ("open", "running"), ("Answered", "paused"),
        ("Postponed", "paused"), ("Postponed / waiting", "paused"),
        ("waiting for customer", "paused"), ("On hold", "paused"), ("pending", "paused"),
        ("Resolved", "stopped"), ("closed", "stopped"),
    ],
)  # fmt: skip
def test_statuses_map_to_running_paused_or_stopped(status: str, state: str) -> None:
    assert status_state(status) == state


def test_an_unknown_status_lists_the_known_ones() -> None:
    with pytest.raises(InvalidTicket, match="postponed"):
        status_state("sleeping")


def test_paused_time_does_not_count_and_survives_a_priority_change() -> None:
    history = [
        StatusChange(utc(23, 8), "New", "medium"),  # Monday 09:00 local
        StatusChange(utc(23, 9), "Answered"),  # first response after 1h
        StatusChange(utc(24, 8), "Open", "high"),  # customer replied; priority raised
        StatusChange(utc(24, 10), "Postponed"),
    ]
    clock = sla_clock(history, STANDARD, RS.calendars, now=utc(25, 8))
    assert (clock.level, clock.state, clock.calendar) == ("high", "paused", "office")
    assert clock.first_response.used == timedelta(hours=1)
    assert clock.first_response.met_at == utc(23, 9)
    assert clock.first_response.breached is False
    # Running: Monday 1h + Tuesday 2h; the paused night and Wednesday morning do not count.
    assert clock.resolution.used == timedelta(hours=3)
    assert clock.resolution.remaining == timedelta(hours=6)  # high: 1d = 9 business hours
    assert clock.resolution.due is None  # paused: no due time until it runs again


def test_a_running_clock_has_a_due_time_from_the_remaining_business_time() -> None:
    history = [
        StatusChange(utc(23, 8), "New", "high"),
        StatusChange(utc(23, 10), "Postponed"),
        StatusChange(utc(24, 8), "Open"),
    ]
    clock = sla_clock(history, STANDARD, RS.calendars, now=utc(24, 9))
    assert clock.resolution.used == timedelta(hours=3)
    # 9h target, 2h used before the pause, resumed Tuesday 09:00 local -> due 16:00 local.
    assert clock.resolution.due == utc(24, 15)
    # Without the pause: 8h on Monday, 1h on Tuesday -> due 09:00 local, breached by now.
    unpaused = sla_clock(history[:1], STANDARD, RS.calendars, now=utc(24, 9))
    assert unpaused.resolution.due == utc(24, 8)
    assert unpaused.resolution.breached is True


def test_a_breached_clock_reports_when_it_was_due_and_a_negative_remainder() -> None:
    history = [StatusChange(utc(23, 8), "New", "urgent")]
    clock = sla_clock(history, STANDARD, RS.calendars, now=utc(23, 14))
    assert clock.first_response.breached is True
    assert clock.first_response.due == utc(23, 9)
    assert clock.resolution.remaining == timedelta(hours=-2)


def test_resolving_stops_the_clock_and_reopening_restarts_it() -> None:
    history = [
        StatusChange(utc(23, 8), "New", "high"),
        StatusChange(utc(23, 9), "Resolved"),
        StatusChange(utc(23, 12), "Open"),
    ]
    resolved = sla_clock(history[:2], STANDARD, RS.calendars, now=utc(24, 8))
    assert resolved.state == "stopped"
    assert resolved.resolution.met_at == utc(23, 9)
    assert resolved.resolution.used == timedelta(hours=1)
    reopened = sla_clock(history, STANDARD, RS.calendars, now=utc(23, 13))
    assert reopened.state == "running"
    assert reopened.resolution.used == timedelta(hours=2)
    assert reopened.resolution.met_at is None


def test_the_level_argument_overrides_the_history_and_bad_histories_fail() -> None:
    history = [StatusChange(utc(23, 8), "New", "low")]
    assert (
        sla_clock(history, STANDARD, RS.calendars, now=utc(23, 9), level="urgent").level == "urgent"
    )
    with pytest.raises(InvalidTicket, match="history"):
        sla_clock([], STANDARD, RS.calendars, now=utc(23, 9))
    with pytest.raises(InvalidTicket, match="time order"):
        sla_clock(
            [history[0], StatusChange(utc(22, 8), "Open")], STANDARD, RS.calendars, now=utc(23, 9)
        )
    with pytest.raises(InvalidTicket, match="priority"):
        sla_clock([StatusChange(utc(23, 8), "New")], STANDARD, RS.calendars, now=utc(23, 9))
