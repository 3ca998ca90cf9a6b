"""Fast paths of SLA maths and Decision assembly give what the general code gives."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.calendars import BusinessCalendar, from_us, to_us
from classifier.decision import Decision, FiredRule, SlaDue
from classifier.sla import frozen_builder

ALWAYS = BusinessCalendar("always", always=True)
ZONES = [UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))]


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.none()
    ),
    st.sampled_from([None, *ZONES]),
    st.lists(st.timedeltas(min_value=timedelta(days=-2), max_value=timedelta(days=40)), max_size=3),
)
def test_a_24_7_calendar_adds_exactly_the_elapsed_time(
    naive: datetime, zone: timezone | None, amounts: list[timedelta]
) -> None:
    start = naive if zone is None else naive.replace(tzinfo=zone)
    got = ALWAYS.add_many(start, tuple(amounts))
    expected = tuple(
        from_us(to_us(start) + max(a // timedelta(microseconds=1), 0)) for a in amounts
    )
    assert got == expected
    assert all(d.tzinfo is UTC and type(d) is datetime for d in got)


def test_frozen_builder_gives_the_same_decision_as_the_constructor() -> None:
    values = {
        "priority": "high", "source": "rule", "rule_id": "vip", "model": None,
        "rules_fired": (FiredRule("vip", "customer.vip = True", ("at_least high",)),),
        "sla": SlaDue("standard", "high", datetime(2026, 1, 5, tzinfo=UTC),
                      datetime(2026, 1, 6, tzinfo=UTC), "office"),
        "review_required": True, "tags_added": ("x",), "degraded": None,
        "shadow_model_priority": None,
    }  # fmt: skip
    fast = frozen_builder(Decision)(dict(values))
    assert fast == Decision(**values)  # type: ignore[arg-type]
    assert hash(fast) == hash(Decision(**values))  # type: ignore[arg-type]
    assert repr(fast) == repr(Decision(**values))  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.priority = "low"  # type: ignore[misc]


def test_frozen_builder_calls_the_constructor_when_fields_are_left_out_or_unknown() -> None:
    short = frozen_builder(Decision)({"priority": "low", "source": "default", "rule_id": None,
                                    "model": None})  # fmt: skip
    assert short == Decision("low", "default", None, None)
    with pytest.raises(TypeError):
        frozen_builder(SlaDue)({"policy": "p"})


def test_frozen_builder_calls_the_constructor_of_a_class_with_post_init() -> None:
    @dataclasses.dataclass(frozen=True)
    class Checked:
        value: int

        def __post_init__(self) -> None:
            if self.value < 0:
                raise ValueError("value: must not be negative")

    assert frozen_builder(Checked)({"value": 1}) == Checked(1)
    with pytest.raises(ValueError, match="negative"):
        frozen_builder(Checked)({"value": -1})


def _office() -> BusinessCalendar:
    windows = (((480, 720), (750, 1020)),) * 4 + (((480, 930),), (), ())
    closed = frozenset({date(2026, 3, 30), date(2026, 10, 26)})
    return BusinessCalendar("office", "Europe/Copenhagen", windows, (), closed)


WARM = _office()
TARGETS = [
    (timedelta(hours=8), timedelta(days=3)),
    (timedelta(minutes=30), timedelta(hours=4)),
    (timedelta(hours=1), timedelta(0), timedelta(hours=-1)),
]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.datetimes(min_value=datetime(2026, 3, 20), max_value=datetime(2026, 11, 5),
                     timezones=st.just(UTC)).map(lambda d: d.replace(second=0, microsecond=0)),
        min_size=1, max_size=8,
    ),
    st.sampled_from(TARGETS),
)  # fmt: skip
def test_due_times_remembered_for_closed_hours_equal_a_fresh_walk(
    starts: list[datetime], amounts: tuple[timedelta, ...]
) -> None:
    for start in starts:
        for moment in (start, start.replace(hour=6), start.replace(hour=12, minute=10)):
            assert WARM.add_many(moment, amounts) == _office().add_many(moment, amounts)
