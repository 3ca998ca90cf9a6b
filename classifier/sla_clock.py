"""Pause and resume: business time used and remaining from a ticket's status history.

The SLA clock runs while a ticket is New or Open, pauses while it waits on the customer
(Answered, Postponed, Pending, Waiting, On hold) and stops when it is Resolved or Closed.
Time used is summed over the running stretches, so it survives priority changes: a ticket
that moves from high to urgent keeps the business time it has already used and is measured
against the urgent target (helpdesks that restart the clock on a priority change lose the
paused periods, which is the bug this avoids).

The first-response clock is met by the first Answered (or Resolved) status.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from classifier.calendars import BusinessCalendar
from classifier.errors import InvalidTicket
from classifier.sla import SlaPolicy, resolve_calendar

RUNNING = frozenset({"new", "open", "reopened", "in_progress"})
PAUSED = frozenset(
    {"answered", "postponed", "pending", "waiting", "waiting_for_customer", "on_hold"}
)
STOPPED = frozenset({"resolved", "closed", "solved"})
ANSWERED = frozenset({"answered"}) | STOPPED
State = Literal["running", "paused", "stopped"]


@dataclass(frozen=True)
class StatusChange:
    """One entry of a ticket's history: from `at`, the ticket had `status` (and `priority`)."""

    at: datetime
    status: str
    priority: str | None = None


@dataclass(frozen=True)
class ClockReading:
    """Where one SLA clock stands.

    Attributes:
        target: the business time allowed for the current level.
        used: business time used so far (running stretches only).
        remaining: target - used; negative when breached.
        due: when the target is (or was) reached if the clock keeps running; None while
            paused or after it stopped without reaching the target.
        met_at: when the clock stopped (first response given / ticket resolved), if it did.
        breached: used exceeded the target.
    """

    target: timedelta
    used: timedelta
    remaining: timedelta
    due: datetime | None
    met_at: datetime | None
    breached: bool


@dataclass(frozen=True)
class SlaClock:
    """Both SLA clocks of a ticket at `now`."""

    policy: str
    level: str
    calendar: str
    state: State
    first_response: ClockReading
    resolution: ClockReading


def status_state(status: str) -> State:
    """Classify a helpdesk status (any case; spaces, hyphens and slashes allowed).

    Raises:
        InvalidTicket: the status is not one the clock knows, listing the known ones.
    """
    key = status.strip().lower().replace("-", "_").replace(" ", "_")
    for part in [key, *key.replace("/", "_").split("_")]:
        if part in RUNNING:
            return "running"
        if part in PAUSED:
            return "paused"
        if part in STOPPED:
            return "stopped"
    known = sorted(RUNNING | PAUSED | STOPPED)
    raise InvalidTicket("status", f"{status!r} is not a known status; use one of {known}")


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def sla_clock(
    history: Sequence[StatusChange],
    policy: SlaPolicy,
    calendars: Mapping[str, BusinessCalendar],
    *,
    now: datetime,
    level: str | None = None,
    calendar_override: str | None = None,
) -> SlaClock:
    """Business time used and remaining on both clocks, from a status history.

    Args:
        history: status changes in time order; the first is the ticket's creation.
        policy: the SLA policy the ticket is on.
        calendars: the rule set's calendars.
        now: the moment to evaluate at.
        level: the current priority; defaults to the last priority given in the history.
        calendar_override: a customer's own calendar name.

    Raises:
        InvalidTicket: empty or unordered history, unknown status, or no priority.
    """
    if not history:
        raise InvalidTicket("history", "needs at least one status change (the creation)")
    changes = sorted(history, key=lambda c: _utc(c.at))
    if [c.at for c in changes] != [c.at for c in history]:
        raise InvalidTicket("history", "status changes must be in time order")
    current = level or next((c.priority for c in reversed(changes) if c.priority), None)
    if current is None:
        raise InvalidTicket(
            "priority", "no status change gives a priority; add one (e.g. to the first "
            "entry) or pass the current level",
        )  # fmt: skip
    if current not in policy.targets:
        raise InvalidTicket(
            "priority", f"{current!r} has no targets in policy {policy.name!r}; "
            f"use one of {list(policy.targets)}",
        )  # fmt: skip
    target = policy.targets[current]
    calendar = resolve_calendar(calendars, target, calendar_override)
    now = _utc(now)
    # Running stretches [start, end) and when each clock stopped.
    stretches: list[tuple[datetime, datetime]] = []
    answered_at: datetime | None = None
    resolved_at: datetime | None = None
    state: State = "running"
    for i, change in enumerate(changes):
        state = status_state(change.status)
        start = _utc(change.at)
        end = _utc(changes[i + 1].at) if i + 1 < len(changes) else now
        if answered_at is None and change.status.strip().lower() in ANSWERED:
            answered_at = start
        if state == "stopped":
            resolved_at = start
        elif resolved_at is not None and state == "running":
            resolved_at = None  # reopened
        if state == "running" and end > start:
            stretches.append((start, min(end, now)))
    first = _reading(target.first_response.on(calendar), stretches, calendar, answered_at, state)
    resolution = _reading(target.resolution.on(calendar), stretches, calendar, resolved_at, state)
    return SlaClock(policy.name, current, calendar.name, state, first, resolution)


def _reading(
    target: timedelta,
    stretches: list[tuple[datetime, datetime]],
    calendar: BusinessCalendar,
    met_at: datetime | None,
    state: State,
) -> ClockReading:
    used = timedelta(0)
    due: datetime | None = None
    for start, end in stretches:
        if met_at is not None and start >= met_at:
            break
        stop = min(end, met_at) if met_at is not None else end
        part = calendar.between(start, stop)
        if due is None and used + part >= target:
            due = calendar.add(start, target - used)
        used += part
    if due is None and met_at is None and state == "running" and stretches:
        last_start, _ = stretches[-1]
        before = used - calendar.between(*stretches[-1])
        due = calendar.add(last_start, target - before)
    return ClockReading(target, used, target - used, due, met_at, used > target)
