"""Business calendars: working windows in an IANA timezone, holidays, and business-time maths.

Business time is real elapsed time inside working windows. Windows are wall-clock times in the
calendar's timezone, so on a DST day a 00:00-24:00 window lasts 23 or 25 hours and an
08:00-17:00 window is still nine real hours. All maths runs on integer microseconds since the
epoch, so `between(start, add(start, d)) == d` holds exactly.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

from classifier.errors import ClassifierError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_ZERO = timedelta(0)
_MAX_DAYS = 3 * 366 * 4  # a target that needs more calendar days than this is a config error
_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_CACHE_LIMIT = 20_000
_DUE_LIMIT = 4096  # remembered due times per calendar (a day of tickets needs a few dozen)

Window = tuple[int, int]  # minutes after local midnight, [start, end)


class CalendarError(ClassifierError):
    """A calendar definition is invalid, or a target cannot be reached on its calendar."""


def to_us(moment: datetime) -> int:
    """Microseconds since the epoch; a naive datetime is taken to be UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _US


def from_us(us: int) -> datetime:
    """The UTC datetime for microseconds since the epoch."""
    return _EPOCH + timedelta(0, 0, us)  # positional: measurably faster than the keyword


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours in one timezone, minus holidays.

    Attributes:
        name: the calendar's name in the rules file.
        timezone: IANA name, e.g. "Europe/Copenhagen".
        windows: per weekday (Monday first) the working windows in local minutes.
        holiday_regions: `holidays` codes, "DK" or "DE-BY" (country-subdivision).
        closed: extra dates the calendar is closed (company days off).
        always: True for a 24/7 calendar.
        business_day: how much business time "1d" in an SLA target means on this calendar.
    """

    name: str
    timezone: str = "UTC"
    windows: tuple[tuple[Window, ...], ...] = ((),) * 7
    holiday_regions: tuple[str, ...] = ()
    closed: frozenset[date] = frozenset()
    always: bool = False
    business_day: timedelta | None = None
    _tz: ZoneInfo = field(init=False, repr=False, compare=False)
    _holidays: tuple[Any, ...] = field(init=False, repr=False, compare=False)
    # Per local day (proleptic ordinal): working intervals in epoch microseconds, and their sum.
    _days: dict[int, tuple[tuple[Window, ...], int]] = field(init=False, repr=False, compare=False)
    _plain: bool = field(init=False, repr=False, compare=False)
    # Amounts (as passed to add_many) -> positive ones in microseconds, smallest first.
    _wanted: dict[tuple[timedelta, ...], list[tuple[int, int]]] = field(
        init=False, repr=False, compare=False
    )
    # (amounts, local day, window index) -> due times, for starts before that window opens.
    _due: dict[tuple[tuple[timedelta, ...], int, int], tuple[datetime, ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        try:
            tz = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise CalendarError(
                f"calendars.{self.name}.timezone: {self.timezone!r} is not an IANA timezone "
                "(e.g. Europe/Copenhagen, Europe/Helsinki, UTC)"
            ) from exc
        if len(self.windows) != 7:
            raise CalendarError(f"calendars.{self.name}: windows need one entry per weekday")
        if self.always:
            object.__setattr__(self, "windows", (((0, 1440),),) * 7)
        if not any(self.windows):
            raise CalendarError(f"calendars.{self.name}.hours: no working hours on any day")
        regions = []
        for code in self.holiday_regions:
            country, _, subdiv = code.partition("-")
            try:
                regions.append(holidays_lib.country_holidays(country, subdiv=subdiv or None))
            except NotImplementedError as exc:
                raise CalendarError(
                    f"calendars.{self.name}.holidays: {code!r} is not a country or region "
                    "code the `holidays` package knows (e.g. DK, FI, NL, SI, DE, DE-BY, GB)"
                ) from exc
        object.__setattr__(self, "_tz", tz)
        object.__setattr__(self, "_holidays", tuple(regions))
        object.__setattr__(self, "_days", {})
        object.__setattr__(self, "_wanted", {})
        object.__setattr__(self, "_due", {})
        plain = self.always and not self.holiday_regions and not self.closed
        object.__setattr__(self, "_plain", plain)
        if self.business_day is None:
            longest = max(sum(e - s for s, e in day) for day in self.windows)
            object.__setattr__(self, "business_day", timedelta(minutes=longest))

    @property
    def tz(self) -> ZoneInfo:
        """The calendar's timezone."""
        return self._tz

    @property
    def is_always_open(self) -> bool:
        """True for 24/7 without holidays, where business time equals elapsed time."""
        return self._plain

    def is_holiday(self, day: date) -> bool:
        """Whether the calendar is closed all day for a public holiday or an explicit date."""
        return day in self.closed or any(day in region for region in self._holidays)

    def _intervals(self, ordinal: int) -> tuple[tuple[Window, ...], int]:
        """Working intervals of one local day as (start_us, end_us) pairs and their total."""
        hit = self._days.get(ordinal)
        if hit is not None:
            return hit
        day = date.fromordinal(ordinal)
        spans: list[Window] = []
        if not self.is_holiday(day):
            for start, end in self.windows[day.weekday()]:
                s = to_us(self._local(day, start))
                e = to_us(self._local(day, end))
                if e > s:
                    spans.append((s, e))
        if len(self._days) > _CACHE_LIMIT:
            self._days.clear()
        result = (tuple(spans), sum(e - s for s, e in spans))
        self._days[ordinal] = result
        return result

    def _local(self, day: date, minute: int) -> datetime:
        if minute >= 1440:
            return datetime.combine(day + timedelta(days=1), time(0), self._tz)
        return datetime.combine(day, time(minute // 60, minute % 60), self._tz)

    def _local_day(self, us: int) -> int:
        # Whole seconds round down, so this never lands on a later day than the true one.
        return datetime.fromtimestamp(us // 1_000_000, self._tz).toordinal()

    def is_open(self, moment: datetime) -> bool:
        """Whether the moment falls inside a working window."""
        us = to_us(moment)
        day = self._local_day(us)
        days = self._days
        for d in (day, day + 1):
            hit = days.get(d)
            for s, e in (hit if hit is not None else self._intervals(d))[0]:
                if s <= us < e:
                    return True
        return False

    def add(self, start: datetime, amount: timedelta) -> datetime:
        """The moment when `amount` of business time has passed after `start` (UTC).

        A target that ends exactly at closing time is due at closing time, not next morning.

        Raises:
            CalendarError: the target needs more than about twelve years of calendar days.
        """
        return self.add_many(start, (amount,))[0]

    def add_many(self, start: datetime, amounts: tuple[timedelta, ...]) -> tuple[datetime, ...]:
        """`add` for several amounts from the same start in one walk over the calendar."""
        if self._plain and type(start) is datetime:  # not a subclass: the result is a datetime
            moment = (
                start.astimezone(UTC) if start.tzinfo is not None else start.replace(tzinfo=UTC)
            )
            return tuple(moment + a if a > _ZERO else moment for a in amounts)
        t = to_us(start)
        if self._plain:
            return tuple(from_us(t + max(a // _US, 0)) for a in amounts)
        key = amounts if type(amounts) is tuple else tuple(amounts)  # a list is not hashable
        wanted = self._wanted.get(key)
        if wanted is None:
            wanted = sorted([(a // _US, i) for i, a in enumerate(key) if a > _ZERO])
            if len(self._wanted) < _CACHE_LIMIT:
                self._wanted[key] = wanted
        # Amounts of zero or less are due at the start; every other slot is filled below.
        if len(wanted) < len(amounts):
            out = [from_us(t)] * len(amounts)
            return self._walk(t, self._local_day(t), wanted, out) if wanted else tuple(out)
        day = self._local_day(t)
        # A ticket created while the calendar is closed is due when one created at the next
        # opening would be: remember those (most tickets arrive outside working hours).
        opening = self._next_window(t, day)
        if opening is None:
            return self._walk(t, day, wanted, [start] * len(amounts))
        memo_key = (key, day, opening)
        due = self._due.get(memo_key)
        if due is None:
            due = self._walk(t, day, wanted, [start] * len(amounts))
            if len(self._due) >= _DUE_LIMIT:
                self._due.clear()
            self._due[memo_key] = due
        return due

    def _next_window(self, t: int, day: int) -> int | None:
        """Index of the first window of `day` that ends after `t`, if `t` is not inside it."""
        hit = self._days.get(day)
        spans = (hit if hit is not None else self._intervals(day))[0]
        for k, (s, e) in enumerate(spans):
            if e > t:
                return k if s >= t else None
        return len(spans)

    def _walk(
        self, t: int, day: int, wanted: list[tuple[int, int]], out: list[datetime]
    ) -> tuple[datetime, ...]:
        """Fill `out` with the moments each wanted amount (sorted) of business time is used."""
        pending = iter(wanted)
        goal, slot = next(pending)
        used = 0  # business time consumed so far
        days = self._days
        for _ in range(_MAX_DAYS):
            hit = days.get(day)
            spans, total = hit if hit is not None else self._intervals(day)
            if spans and spans[0][0] >= t and goal - used > total:
                used += total  # the whole day is used up: skip its windows
                day += 1
                continue
            for s, e in spans:
                if e <= t:
                    continue
                begin = max(s, t)
                while goal - used <= e - begin:
                    out[slot] = from_us(begin + goal - used)
                    nxt = next(pending, None)
                    if nxt is None:
                        return tuple(out)
                    goal, slot = nxt
                used += e - begin
            day += 1
        raise CalendarError(
            f"calendar {self.name!r}: {wanted[-1][0] / 3_600_000_000:,.0f} h of business time "
            f"does not fit in {_MAX_DAYS} days (12 years); check the target and the calendar's "
            "hours and holidays"
        )

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Business time inside [start, end); zero when end is not after start."""
        a, b = to_us(start), to_us(end)
        if b <= a:
            return timedelta(0)
        if self.is_always_open:
            return timedelta(microseconds=b - a)
        total = 0
        day, last = self._local_day(a), self._local_day(b) + 1
        while day <= last:
            for s, e in self._intervals(day)[0]:
                lo, hi = max(s, a), min(e, b)
                if hi > lo:
                    total += hi - lo
            day += 1
        return timedelta(microseconds=total)


def parse_windows(hours: object, where: str) -> tuple[tuple[Window, ...], ...]:
    """Parse `hours`: "24/7" or {"mon-fri": "08:00-17:00", "sat": ["09:00-12:00"]}.

    Raises:
        CalendarError: naming `where`, the day key or the window and what is allowed.
    """
    if not isinstance(hours, Mapping):
        raise CalendarError(
            f'{where}.hours: expected "24/7" or a mapping like {{mon-fri: "08:00-17:00"}}, '
            f"got {hours!r}"
        )
    per_day: list[list[Window]] = [[] for _ in DAYS]
    for key, value in hours.items():
        for day in _day_keys(str(key), where):
            values = value if isinstance(value, list) else [value]
            for item in values:
                per_day[day].append(_window(item, f"{where}.hours.{key}"))
    for day, spans in enumerate(per_day):
        spans.sort()
        for (_, end), (start, _) in itertools.pairwise(spans):
            if start < end:
                raise CalendarError(
                    f"{where}.hours: windows overlap on {DAYS[day]}; list each time only once"
                )
    return tuple(tuple(spans) for spans in per_day)


def _day_keys(key: str, where: str) -> list[int]:
    key = key.strip().lower()
    if key in ("daily", "every day", "all"):
        return list(range(7))
    days: list[int] = []
    for part in key.split(","):
        first, _, last = part.strip().partition("-")
        if first[:3] not in DAYS or (last and last[:3] not in DAYS):
            raise CalendarError(
                f"{where}.hours: {key!r} is not a day or day range; use {list(DAYS)}, "
                "ranges like mon-fri, lists like sat,sun, or daily"
            )
        a, b = DAYS.index(first[:3]), DAYS.index((last or first)[:3])
        days.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(b + 1)])
    return days


def _window(item: object, where: str) -> Window:
    match = _WINDOW.match(str(item))
    if not match:
        raise CalendarError(f'{where}: {item!r} is not a window like "08:00-17:00"')
    h1, m1, h2, m2 = map(int, match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if h1 > 23 or m1 > 59 or m2 > 59 or end > 1440 or end <= start:
        raise CalendarError(
            f"{where}: {item!r} must start before it ends within one day (00:00-24:00); "
            "split a night shift into two windows on two days"
        )
    return (start, end)


def parse_dates(values: Iterable[object], where: str) -> frozenset[date]:
    """Parse explicit closed dates (YAML dates or "YYYY-MM-DD" strings)."""
    out: set[date] = set()
    for value in values:
        if isinstance(value, datetime):
            out.add(value.date())
            continue
        if isinstance(value, date):
            out.add(value)
            continue
        try:
            out.add(date.fromisoformat(str(value)))
        except ValueError as exc:
            raise CalendarError(f"{where}: {value!r} is not a date like 2026-12-24") from exc
    return frozenset(out)


def find_calendar(calendars: Mapping[str, BusinessCalendar], name: str) -> BusinessCalendar | None:
    """The calendar called `name`, else the one whose name differs only in case or spaces.

    Customers' calendar names arrive from helpdesks as typed ("Office"), like tier values.
    """
    exact = calendars.get(name)
    if exact is not None:
        return exact
    wanted = name.strip().casefold()
    matches = [c for n, c in calendars.items() if n.strip().casefold() == wanted]
    return matches[0] if len(matches) == 1 else None
