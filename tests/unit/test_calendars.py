"""Business calendars: working windows, holidays, DST, and due-time arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from classifier.calendars import BusinessCalendar, CalendarError, parse_windows
from classifier.sla import parse_duration

CPH = ZoneInfo("Europe/Copenhagen")
HEL = ZoneInfo("Europe/Helsinki")


def office(**kw: object) -> BusinessCalendar:
    """Copenhagen, Mon-Thu 08:00-12:00 + 12:30-17:00, Fri 08:00-15:30, Danish holidays."""
    hours = {"mon-thu": ["08:00-12:00", "12:30-17:00"], "fri": "08:00-15:30"}
    return BusinessCalendar(
        "office",
        "Europe/Copenhagen",
        parse_windows(hours, "office"),
        ("DK",),
        **kw,  # type: ignore[arg-type]
    )


def local(tz: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=tz)  # type: ignore[misc]


def test_windows_parse_day_ranges_lists_and_split_days() -> None:
    windows = parse_windows({"mon-wed": "08:00-17:00", "thu,fri": ["08:00-12:00", "13:00-16:00"],
                             "sun": "10:00-24:00"}, "x")  # fmt: skip
    assert windows[0] == ((480, 1020),)
    assert windows[3] == ((480, 720), (780, 960))
    assert windows[5] == ()
    assert windows[6] == ((600, 1440),)
    assert parse_windows({"fri-mon": "09:00-10:00"}, "x")[6] == ((540, 600),)


def test_adding_business_time_skips_lunch_nights_and_weekends() -> None:
    cal = office()
    start = local(CPH, 2026, 11, 19, 11, 0)  # Thursday 11:00
    assert cal.add(start, timedelta(hours=1)) == local(CPH, 2026, 11, 19, 12, 0)
    assert cal.add(start, timedelta(hours=2)) == local(CPH, 2026, 11, 19, 13, 30)
    # Thursday: 5.5h left; Friday 7.5h; so 14h lands Monday 09:00.
    assert cal.add(start, timedelta(hours=14)) == local(CPH, 2026, 11, 23, 9, 0)


def test_a_target_ending_at_closing_time_is_due_at_closing_time() -> None:
    cal = office()
    assert cal.add(local(CPH, 2026, 11, 20, 14, 30), timedelta(hours=1)) == local(
        CPH, 2026, 11, 20, 15, 30
    )


def test_tickets_created_outside_hours_start_counting_at_the_next_opening() -> None:
    cal = office()
    saturday = local(CPH, 2026, 11, 21, 23, 0)
    assert cal.add(saturday, timedelta(minutes=30)) == local(CPH, 2026, 11, 23, 8, 30)
    assert cal.is_open(local(CPH, 2026, 11, 23, 8, 0))
    assert not cal.is_open(local(CPH, 2026, 11, 23, 12, 15))
    assert not cal.is_open(saturday)


def test_danish_christmas_and_explicit_closed_days_are_skipped() -> None:
    cal = office(closed=frozenset({date(2026, 12, 23)}))
    assert cal.is_holiday(date(2026, 12, 25))  # Juledag, from the holidays package
    assert cal.is_holiday(date(2026, 12, 23))  # explicit closed date
    start = local(CPH, 2026, 12, 22, 16, 0)  # Tuesday, one hour before closing
    # 22nd: 1h; 23rd closed; Christmas Eve (24th) is no public holiday in DK: open from 08:00.
    assert cal.add(start, timedelta(hours=2)) == local(CPH, 2026, 12, 24, 9, 0)
    # Christmas Day (Fri 25th), weekend, then Monday 28th.
    assert cal.add(start, timedelta(hours=1 + 8.5 + 1)) == local(CPH, 2026, 12, 28, 9, 0)


def test_business_time_between_counts_only_open_time() -> None:
    cal = office()
    a = local(CPH, 2026, 11, 20, 15, 0)  # Friday 15:00
    b = local(CPH, 2026, 11, 23, 9, 0)  # Monday 09:00
    assert cal.between(a, b) == timedelta(hours=1, minutes=30)
    assert cal.between(b, a) == timedelta(0)


def test_windows_are_wall_clock_times_across_the_spring_dst_change() -> None:
    # Europe/Helsinki springs forward on Sunday 2026-03-29 at 03:00 -> 04:00.
    cal = BusinessCalendar("hel", "Europe/Helsinki", parse_windows({"daily": "00:00-24:00"}, "h"))
    day = date(2026, 3, 29)
    start = local(HEL, 2026, 3, 29, 0, 0)
    end = local(HEL, 2026, 3, 30, 0, 0)
    assert cal.between(start, end) == timedelta(hours=23)
    assert cal.is_holiday(day) is False
    # 08:00-17:00 is nine real hours on the DST day as on any other day.
    nine = BusinessCalendar("hel9", "Europe/Helsinki", parse_windows({"daily": "08:00-17:00"}, "h"))
    assert nine.add(local(HEL, 2026, 3, 29, 8, 0), timedelta(hours=9)) == local(
        HEL, 2026, 3, 29, 17, 0
    )


def test_the_autumn_dst_day_has_twenty_five_hours_around_the_clock() -> None:
    # Europe/Copenhagen falls back on Sunday 2026-10-25 at 03:00 -> 02:00.
    cal = BusinessCalendar("cph", "Europe/Copenhagen", parse_windows({"sun": "00:00-24:00"}, "c"))
    start = local(CPH, 2026, 10, 25, 0, 0)
    assert cal.between(start, start + timedelta(days=2)) == timedelta(hours=25)
    assert cal.add(start, timedelta(hours=25)) == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)


def test_a_247_calendar_adds_plain_elapsed_time() -> None:
    always = BusinessCalendar("always", always=True)
    start = datetime(2026, 3, 28, 22, 0, tzinfo=UTC)
    assert always.add(start, timedelta(hours=7)) == start + timedelta(hours=7)
    assert always.business_day == timedelta(hours=24)
    naive = datetime(2026, 1, 1, 12, 0)
    assert always.add(naive, timedelta(hours=1)) == datetime(2026, 1, 1, 13, 0, tzinfo=UTC)


def test_a_day_in_a_target_is_one_business_day_of_the_calendar() -> None:
    cal = office()
    assert cal.business_day == timedelta(hours=8, minutes=30)
    assert parse_duration("1d", "x").on(cal) == timedelta(hours=8, minutes=30)
    assert parse_duration("2d4h", "x").on(cal) == timedelta(hours=21)
    assert parse_duration("90m", "x").on(cal) == timedelta(minutes=90)
    custom = office(business_day=timedelta(hours=8))
    assert parse_duration("1.5d", "x").on(custom) == timedelta(hours=12)


@pytest.mark.parametrize("text", ["soon", "4", "h4", "-1h", "", "1w"])
def test_bad_durations_are_rejected_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(CalendarError, match="2d4h"):
        parse_duration(text, "where")


def test_add_many_matches_separate_additions() -> None:
    cal = office()
    start = local(CPH, 2026, 11, 20, 14, 0)
    amounts = (timedelta(hours=30), timedelta(0), timedelta(hours=1))
    assert cal.add_many(start, amounts) == tuple(cal.add(start, a) for a in amounts)
