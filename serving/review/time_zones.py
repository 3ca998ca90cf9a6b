"""The agent's time zone: which calendar day the review page's date fields mean.

An agent in Helsinki at 00:30 local time is already in the next day while UTC is not; a
received-day filter or an export "since" date read as a UTC day showed them yesterday's
tickets. The browser knows its IANA zone (`Intl.DateTimeFormat().resolvedOptions().timeZone`);
review.js puts it in each form's hidden `tz` field. Without JavaScript the field says UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from serving.storage.store import day_start

FIELD = "tz"
DEFAULT = "UTC"
MAX_NAME = 64  # the longest IANA name is 32 characters


@dataclass(frozen=True)
class AgentZone:
    """The zone the page reads dates in: `name` is an IANA name ("UTC" by default).

    `problem` says why the zone asked for was not used (unknown name), else None.
    """

    name: str = DEFAULT
    problem: str | None = None

    @property
    def iana(self) -> str | None:
        """The name for `QueueFilters.time_zone` and `day_start` (None for UTC)."""
        return None if self.name == DEFAULT else self.name

    def day_start(self, day: date) -> datetime:
        """The moment `day` begins in this zone, in UTC."""
        return day_start(day, self.iana)


def agent_zone(value: str | None) -> AgentZone:
    """The zone a form or query string names (field `tz`); UTC when missing or unknown.

    An unknown name gives UTC with `problem` saying so: the queue shows it and reads its dates
    as UTC days, the export refuses to guess.
    """
    name = (value or "").strip()
    if not name or name == DEFAULT:
        return AgentZone()
    if len(name) <= MAX_NAME:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass  # ValueError: a path-like name ("../x"), refused by zoneinfo itself
        else:
            return AgentZone(name)
    return AgentZone(
        problem=f"The time zone \u201c{name[:MAX_NAME]}\u201d (field \u201c{FIELD}\u201d) is "
        "unknown; use an IANA name such as Europe/Copenhagen."
    )
