"""SLA policies: first-response and resolution targets per level, each on a business calendar.

Targets are written like `30m`, `4h`, `1d`, `2d4h`. On a calendar, `1d` means one business day
(the calendar's `business_day`, by default its longest working day, e.g. 9h for 08:00-17:00);
on a 24/7 calendar it is 24 hours. Hours and minutes are always business hours and minutes.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from classifier.calendars import BusinessCalendar, CalendarError, find_calendar
from classifier.decision import SlaDue
from classifier.errors import InvalidTicket

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([dhm])")
_DURATION_FULL = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*[dhm]\s*)+$")


@dataclass(frozen=True)
class Duration:
    """A target length: business days plus business hours/minutes.

    Attributes:
        days: business days (scaled by the calendar's `business_day`).
        rest: hours and minutes of business time.
        text: the duration as written, for messages and summaries.
    """

    days: float
    rest: timedelta
    text: str

    def on(self, calendar: BusinessCalendar) -> timedelta:
        """The business time this duration means on a calendar."""
        if not self.days:
            return self.rest
        day = calendar.business_day or timedelta(hours=24)
        return day * self.days + self.rest


def parse_duration(text: object, where: str) -> Duration:
    """Parse "30m", "4h", "1d", "2d4h" (days, hours, minutes; decimals allowed).

    Raises:
        CalendarError: naming `where` and the accepted forms.
    """
    raw = str(text)
    if not _DURATION_FULL.match(raw.lower()) or isinstance(text, bool):
        raise CalendarError(
            f"{where}: {text!r} is not a duration; write e.g. 30m, 4h, 1d or 2d4h "
            "(d = business days, h = hours, m = minutes)"
        )
    days, rest = 0.0, timedelta(0)
    for number, unit in _DURATION.findall(raw.lower()):
        value = float(number)
        if unit == "d":
            days += value
        elif unit == "h":
            rest += timedelta(hours=value)
        else:
            rest += timedelta(minutes=value)
    return Duration(days, rest, raw.strip())


@dataclass(frozen=True)
class SlaTarget:
    """First-response and resolution targets for one level of one policy."""

    first_response: Duration
    resolution: Duration
    calendar: str
    _on: dict[str, tuple[timedelta, timedelta]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def on(self, calendar: BusinessCalendar) -> tuple[timedelta, timedelta]:
        """(first response, resolution) as business time on a calendar, memoised per calendar."""
        hit = self._on.get(calendar.name)
        if hit is None:
            hit = (self.first_response.on(calendar), self.resolution.on(calendar))
            self._on[calendar.name] = hit
        return hit


@dataclass(frozen=True)
class SlaPolicy:
    """Targets for every level of the scale.

    Attributes:
        name: the policy's name in the rules file.
        targets: level name -> target.
    """

    name: str
    targets: Mapping[str, SlaTarget]


def resolve_calendar(
    calendars: Mapping[str, BusinessCalendar], target: SlaTarget, override: str | None
) -> BusinessCalendar:
    """The calendar a target runs on: the customer's own calendar if given, else the target's.

    A 24/7 target stays 24/7: a customer's office hours say when business-hours targets run,
    they do not stretch a round-the-clock promise (an urgent breach at 3 a.m. on a Sunday is
    due in minutes, not on Monday morning).

    Raises:
        InvalidTicket: the customer names a calendar the rule set does not define.
    """
    own = calendars[target.calendar]
    if override is None:
        return own
    found = find_calendar(calendars, override)
    if found is None:
        raise InvalidTicket(
            "customer.calendar",
            f"{override!r} is not a calendar in the rules file; use one of {sorted(calendars)}",
        )
    return own if own.always else found


def due_times(
    policy: SlaPolicy,
    level: str,
    calendars: Mapping[str, BusinessCalendar],
    start: datetime,
    calendar_override: str | None = None,
) -> SlaDue:
    """First-response and resolution due times for a ticket created at `start`.

    Args:
        policy: the chosen SLA policy.
        level: the final priority level.
        calendars: the rule set's calendars by name.
        start: when the clock starts (ticket creation); naive means UTC.
        calendar_override: a customer's own calendar name, replacing the policy's calendar
            unless that is 24/7.

    Returns:
        The due times in UTC.
    """
    target = policy.targets[level]
    calendar = resolve_calendar(calendars, target, calendar_override)
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    first, resolution = calendar.add_many(start, target.on(calendar))
    return _new_sla_due(
        {
            "policy": policy.name,
            "level": level,
            "first_response_due": first,
            "resolution_due": resolution,
            "calendar": calendar.name,
        },
    )


_T = TypeVar("_T")


def frozen_builder(cls: type[_T]) -> Callable[[dict[str, Any]], _T]:
    """A function doing `cls(**values)` for a plain frozen dataclass, without a setattr per field.

    A frozen dataclass's `__init__` sets each field through `object.__setattr__`, which costs
    more than the rest of assembling a Decision. When `values` names every field of a
    dataclass without `__post_init__`, slots or non-init fields, it becomes the instance's
    `__dict__` in one step (so pass a new dict); anything else is simply `cls(**values)`.
    """
    count = _plain_field_count(cls)
    new, set_attribute = object.__new__, object.__setattr__

    def build(values: dict[str, Any]) -> _T:
        if count != len(values):
            return cls(**values)
        instance: _T = new(cls)
        set_attribute(instance, "__dict__", values)
        return instance

    return build


def _plain_field_count(cls: type) -> int | None:
    """How many fields a plain dataclass has; None for anything else."""
    if (
        not dataclasses.is_dataclass(cls)
        or hasattr(cls, "__post_init__")
        or "__slots__" in vars(cls)
        or any(not f.init for f in dataclasses.fields(cls))
    ):
        return None
    return len(dataclasses.fields(cls))


_new_sla_due = frozen_builder(SlaDue)

__all__ = [
    "CalendarError",
    "Duration",
    "SlaPolicy",
    "SlaTarget",
    "due_times",
    "frozen_builder",
    "parse_duration",
    "resolve_calendar",
]
