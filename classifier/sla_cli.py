"""`sla due` and `sla remaining`: SLA maths from the command line, plus shared CLI helpers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from classifier.decide import EARLIEST_CREATED, LATEST_CREATED, plausible
from classifier.errors import ClassifierError
from classifier.rules import RuleSet, default_rules_path, load_ruleset
from classifier.sla import due_times
from classifier.sla_clock import ClockReading, StatusChange, sla_clock

console = Console()
err = Console(stderr=True, soft_wrap=True)  # an error line is not folded inside a path

sla_app = typer.Typer(
    help="One-off SLA calculations: due times, and business time used and left.",
    no_args_is_help=True,
)

RulesFile = Annotated[
    Path | None,
    typer.Option("--rules", "-r", help="Rules file (YAML). Default: the packaged sample rules."),
]
When = Annotated[
    str | None,
    typer.Option(
        help="ISO time with its offset, e.g. 2026-11-20T16:30:00+01:00 or ...Z; a time "
        "without an offset is UTC (default: now)."
    ),
]
Policy = Annotated[str | None, typer.Option(help="SLA policy (default: the file's default).")]
Calendar = Annotated[
    str | None, typer.Option(help="Use this calendar instead of the policy's (per customer).")
]


def load_or_exit(path: Path | None) -> RuleSet:
    """Load a rules file or print the validation error and exit with status 1."""
    try:
        return load_ruleset(path or default_rules_path())
    except ClassifierError as exc:
        raise fail(exc) from exc


def fail(exc: ClassifierError) -> typer.Exit:
    """Print a core error for the user; return the Exit to raise."""
    err.print(f"[red]error:[/red] {exc}", highlight=False)
    return typer.Exit(1)


def parse_when(text: str | None) -> datetime:
    """An ISO time (naive means UTC), or now."""
    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        err.print(f"[red]error:[/red] {text!r} is not an ISO time like 2026-11-20T16:30:00Z")
        raise typer.Exit(2) from exc
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if not plausible(moment):
        err.print(
            f"[red]error:[/red] {text!r} is not a plausible time; use one from "
            f"{EARLIEST_CREATED.year} to {LATEST_CREATED.year - 1}"
        )
        raise typer.Exit(2)
    return moment


def _policy(rs: RuleSet, name: str | None) -> str:
    if not rs.policies:
        err.print(
            f"[red]error:[/red] {rs.source} defines no sla_policies; add one (see "
            f"{default_rules_path().name}) to compute due times",
            highlight=False,
        )
        raise typer.Exit(1)
    chosen = name or rs.default_policy
    if chosen not in rs.policies:
        err.print(f"[red]error:[/red] policy {chosen!r} not found; use one of {list(rs.policies)}")
        raise typer.Exit(1)
    return chosen


@sla_app.command("due")
def due(
    level: Annotated[str, typer.Argument(help="Priority level (or alias), e.g. high.")],
    start: When = None,
    rules: RulesFile = None,
    policy: Policy = None,
    calendar: Calendar = None,
) -> None:
    """First-response and resolution due times for a ticket created at START.

    Example:

      ticket-priority sla due high --start 2026-12-23T16:00:00+01:00
    """
    rs = load_or_exit(rules)
    try:
        result = due_times(
            rs.policies[_policy(rs, policy)],
            rs.scale.parse(level),
            rs.calendars,
            parse_when(start),
            calendar,
        )
    except ClassifierError as exc:
        raise fail(exc) from exc
    tz = rs.calendars[result.calendar].tz
    table = Table(title=f"SLA {result.policy}/{result.level} on calendar {result.calendar}")
    table.add_column("target")
    table.add_column("due (UTC)")
    table.add_column(f"due ({tz.key})")
    for name, moment in (
        ("first response", result.first_response_due),
        ("resolution", result.resolution_due),
    ):
        table.add_row(name, moment.isoformat(), moment.astimezone(tz).isoformat())
    console.print(table)


def hours(amount: timedelta) -> str:
    """Business time as hours and minutes ("85h 30m"); negative is "overdue 66h 00m"."""
    minutes = round(abs(amount).total_seconds() / 60)
    text = f"{minutes // 60}h {minutes % 60:02d}m"
    return f"overdue {text}" if amount < timedelta(0) else text


def _moment(value: datetime | None, tz: tzinfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z") if value else "-"


def _row(name: str, r: ClockReading, clock_state: str, tz: tzinfo) -> list[str]:
    state = "BREACHED" if r.breached else "met" if r.met_at else clock_state
    return [
        name, hours(r.target), hours(r.used), hours(r.remaining), _moment(r.due, tz),
        _moment(r.met_at, tz), state,
    ]  # fmt: skip


@sla_app.command("remaining")
def remaining(
    history: Annotated[
        Path,
        typer.Argument(
            help='JSON list of {"at": ISO time, "status": "open", "priority": "high"} entries.'
        ),
    ],
    *,
    now: When = None,
    rules: RulesFile = None,
    policy: Policy = None,
    calendar: Calendar = None,
    level: Annotated[str | None, typer.Option(help="Current level (default: last given).")] = None,
) -> None:
    """Business time used and remaining, paused while waiting on the customer.

    Statuses: new/open (running), answered/postponed/pending/waiting/on hold
    (paused), resolved/closed (stopped). Time used is kept across priority
    changes.

    Example:

      ticket-priority sla remaining history.json --now 2026-11-23T10:00:00Z
    """
    rs = load_or_exit(rules)
    changes = _read_history(history)
    try:
        chosen = rs.scale.parse(level) if level else None
        changes = [
            StatusChange(c.at, c.status, rs.scale.parse(c.priority) if c.priority else None)
            for c in changes
        ]
        clock = sla_clock(
            changes, rs.policies[_policy(rs, policy)], rs.calendars,
            now=parse_when(now), level=chosen, calendar_override=calendar,
        )  # fmt: skip
    except ClassifierError as exc:
        raise fail(exc) from exc
    tz = rs.calendars[clock.calendar].tz
    table = Table(title=f"SLA {clock.policy}/{clock.level} on {clock.calendar}: {clock.state}")
    for col in ("clock", "target", "used", "remaining", f"due ({tz.key})", "met at", "state"):
        table.add_column(col, overflow="fold")
    table.add_row(*_row("first response", clock.first_response, clock.state, tz))
    table.add_row(*_row("resolution", clock.resolution, clock.state, tz))
    console.print(table)


def _read_history(path: Path) -> list[StatusChange]:
    """The status history file, or a one-line error naming the entry and what it lacks."""
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        err.print(f"[red]error:[/red] cannot read history {path}: {exc}", highlight=False)
        raise typer.Exit(1) from exc
    if not isinstance(entries, list):
        err.print(f"[red]error:[/red] {path}: expected a JSON list of status changes")
        raise typer.Exit(1)
    changes = []
    for number, entry in enumerate(entries, 1):
        try:
            at = datetime.fromisoformat(entry["at"])
            changes.append(StatusChange(at, str(entry["status"]), entry.get("priority")))
        except (KeyError, TypeError, ValueError) as exc:
            err.print(
                f'[red]error:[/red] {path}: entry {number} needs "at" (an ISO time) and '
                f'"status", e.g. {{"at": "2026-11-23T09:00:00+01:00", "status": '
                f'"open", "priority": "high"}}; got {entry!r}',
                highlight=False,
            )
            raise typer.Exit(1) from exc
    return changes
