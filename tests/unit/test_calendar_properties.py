"""Property tests for calendar maths, including DST days in Copenhagen and Helsinki."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.calendars import BusinessCalendar, parse_windows

CALENDARS = {
    "cph-office": BusinessCalendar(
        "cph-office",
        "Europe/Copenhagen",
        parse_windows({"mon-thu": ["08:00-12:00", "12:30-17:00"], "fri": "08:00-15:30"}, "c"),
        ("DK",),
    ),
    "hel-office": BusinessCalendar(
        "hel-office", "Europe/Helsinki", parse_windows({"mon-fri": "08:00-16:00"}, "h"), ("FI",)
    ),
    # Windows touching the DST switch hours (02:00-04:00 local) every day.
    "cph-nights": BusinessCalendar(
        "cph-nights",
        "Europe/Copenhagen",
        parse_windows({"daily": ["00:00-03:30", "20:00-24:00"]}, "n"),
    ),
    "hel-always": BusinessCalendar(
        "hel-always", "Europe/Helsinki", parse_windows({"daily": "00:00-24:00"}, "a"), ("FI",)
    ),
    "utc-247": BusinessCalendar("utc-247", always=True),
}

# DST switch days: spring forward and fall back in 2026 and 2027 (same dates in both zones).
DST_DAYS = [date(2026, 3, 29), date(2026, 10, 25), date(2027, 3, 28), date(2027, 10, 31)]

calendars = st.sampled_from(sorted(CALENDARS)).map(CALENDARS.__getitem__)
anytime = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
near_dst = st.builds(
    lambda day, minutes: (
        datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(minutes=minutes - 24 * 60)
    ),
    st.sampled_from(DST_DAYS),
    st.integers(0, 3 * 24 * 60),
)
starts = st.one_of(anytime, near_dst)
targets = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=12)).map(
    lambda d: timedelta(microseconds=d // timedelta(microseconds=1))
)


@settings(max_examples=120, deadline=None)
@given(calendars, starts, targets)
def test_due_is_never_before_start(
    cal: BusinessCalendar, start: datetime, target: timedelta
) -> None:
    assert cal.add(start, target) >= start


@settings(max_examples=120, deadline=None)
@given(calendars, starts, targets)
def test_business_time_between_start_and_due_equals_the_target(
    cal: BusinessCalendar, start: datetime, target: timedelta
) -> None:
    due = cal.add(start, target)
    assert cal.between(start, due) == target


@settings(max_examples=60, deadline=None)
@given(calendars, starts, targets, st.dates(date(2025, 1, 1), date(2029, 1, 31)))
def test_adding_a_holiday_never_makes_a_due_time_earlier(
    cal: BusinessCalendar, start: datetime, target: timedelta, holiday: date
) -> None:
    closed = BusinessCalendar(
        cal.name, cal.timezone, cal.windows, cal.holiday_regions, cal.closed | {holiday},
        cal.always, cal.business_day,
    )  # fmt: skip
    assert closed.add(start, target) >= cal.add(start, target)


@settings(max_examples=60, deadline=None)
@given(calendars, near_dst, targets, targets)
def test_business_time_is_additive_across_dst_days(
    cal: BusinessCalendar, start: datetime, first: timedelta, second: timedelta
) -> None:
    middle = cal.add(start, first)
    assert cal.add(middle, second) == cal.add(start, first + second)


@settings(max_examples=60, deadline=None)
@given(calendars, starts, targets)
def test_due_times_fall_inside_or_at_the_end_of_an_open_window(
    cal: BusinessCalendar, start: datetime, target: timedelta
) -> None:
    due = cal.add(start, target)
    if target > timedelta(0):
        assert cal.is_open(due - timedelta(microseconds=1))
