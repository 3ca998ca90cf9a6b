"""Rules and SLA commands: `rules check`, `rules explain`, `sla due`, `sla remaining`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import msgspec
import typer
from rich.markup import escape
from rich.table import Table

from classifier.decision import ModelOutput
from classifier.errors import ClassifierError, InvalidTicket
from classifier.rules import unreachable_rules
from classifier.schema import Ticket
from classifier.sla_cli import When, console, err, fail, load_or_exit, parse_when, sla_app

rules_app = typer.Typer(
    help="Validate SLA rule files and explain what they do to a ticket.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Attach the `rules` and `sla` command groups to the root CLI."""
    app.add_typer(rules_app, name="rules")
    app.add_typer(sla_app, name="sla")


@rules_app.command("check")
def check(
    file: Annotated[Path, typer.Argument(help="Rules file to validate.", exists=False)],
) -> None:
    """Validate a rules file; summarise its levels, calendars, policies and rules.

    Exits with status 1 and a message naming the rule and field when the file is
    invalid.

    Example:

      ticket-priority rules check classifier/sample_rules.yaml
    """
    rs = load_or_exit(file)
    console.print(f"[green]OK[/green] {rs.source}  sha256 {rs.sha256[:12]}")
    console.print(f"levels: {' < '.join(rs.scale.levels)} (default {rs.scale.default})")
    cal = Table(title="calendars")
    for col in ("name", "timezone", "hours", "holidays"):
        cal.add_column(col)
    for c in rs.calendars.values():
        hours = "24/7" if c.always else f"{c.business_day} per business day"
        cal.add_row(c.name, c.timezone, hours, ", ".join(c.holiday_regions) or "-")
    console.print(cal)
    pol = Table(title=f"SLA policies (default {rs.default_policy or '-'})")
    for col in ("policy", "level", "first response", "resolution", "calendar"):
        pol.add_column(col)
    for p in rs.policies.values():
        for level, t in p.targets.items():
            pol.add_row(p.name, level, t.first_response.text, t.resolution.text, t.calendar)
    console.print(pol)
    table = Table(title=f"{len(rs.rules)} rules, in evaluation order")
    for col in ("id", "when", "then"):
        table.add_column(col, overflow="fold")
    for r in rs.rules:
        table.add_row(escape(r.id), escape(r.when.describe()), ", ".join(r.then.labels) or "-")
    console.print(table)
    if rs.disabled:
        console.print(f"disabled: {', '.join(rs.disabled)}")
    for warning in unreachable_rules(rs):
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False)


def ticket_from_json(data: Mapping[str, Any]) -> tuple[Ticket, ModelOutput | None]:
    """Build a Ticket (and an optional model output under "model") from plain JSON data.

    Fields are type-checked like the API's: "affected_users": "many" is an error, not ignored.

    Raises:
        InvalidTicket: a field has the wrong type; the message names it, e.g. `$.affected_users`.
    """
    if not isinstance(data, Mapping):
        raise InvalidTicket(
            "ticket", f'expected a JSON object like {{"subject": "...", "body": "..."}}, '
            f"got {type(data).__name__}",
        )  # fmt: skip
    fields = {k: v for k, v in data.items() if k != "model"}
    customer = fields.get("customer")
    if isinstance(customer, Mapping) and "id" in customer and "customer_id" not in customer:
        fields["customer"] = {"customer_id": customer["id"]} | {
            k: v for k, v in customer.items() if k != "id"
        }
    try:
        ticket = msgspec.convert(fields, Ticket)
    except msgspec.ValidationError as exc:
        raise InvalidTicket("ticket", f"{exc}") from exc
    m = data.get("model")
    model = None
    if m:
        try:
            confidence = float(m.get("confidence", 1.0))
            model = ModelOutput(
                str(m["priority"]), dict(m.get("probabilities", {})), confidence, "json", "json"
            )
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise InvalidTicket(
                "model", 'expected {"priority": "low", "confidence": 0.4}, got ' + repr(m)
            ) from exc
    return ticket, model


@rules_app.command("explain")
def explain(
    file: Annotated[Path, typer.Argument(help="Rules file.")],
    ticket: Annotated[Path, typer.Option("--ticket", "-t", help="Ticket JSON file.")],
    now: When = None,
) -> None:
    """Every rule, whether it fired for the ticket and why; then decision and SLA.

    The ticket JSON has the plain schema fields (subject, body, language,
    channel, tags, customer {tier, vip, monthly_value, ..., calendar},
    stated_urgency, affected_users, created_at) and optionally "model":
    {"priority": "low", "confidence": 0.4}.

    Example:

      ticket-priority rules explain classifier/sample_rules.yaml --ticket t.json
    """
    from classifier.decide import decide, trace_rules

    rs = load_or_exit(file)
    try:
        data = json.loads(ticket.read_bytes())  # bytes: UTF-8, -16 or -32 are recognised
        tk, model = ticket_from_json(data)
        moment = parse_when(now)
        traces = list(trace_rules(tk, model, rs, now=moment))
        decision = decide(tk, model, rs, now=moment)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        err.print(f"[red]error:[/red] cannot read {ticket}: {exc}", highlight=False)
        raise typer.Exit(1) from exc
    except ClassifierError as exc:
        raise fail(exc) from exc
    table = Table(title=f"rules in {rs.source}")
    for col in ("#", "rule", "fired", "why", "then"):
        table.add_column(col, overflow="fold")
    for i, tr in enumerate(traces, 1):
        mark = "[green]yes[/green]" if tr.fired else "[dim]skipped[/dim]" if tr.skipped else "no"
        then = ", ".join(tr.rule.then.labels) if tr.fired else ""
        table.add_row(str(i), escape(tr.rule.id), mark, escape(tr.reason), escape(then))
    console.print(table)
    model_text = f"{model.priority} ({model.confidence:.2f})" if model else "none"
    console.print(
        f"model: {model_text}  ->  [bold]{decision.priority}[/bold] from {decision.source}"
        + (f" ({decision.rule_id})" if decision.rule_id else "")
        + ("  [yellow]review required[/yellow]" if decision.review_required else "")
    )
    if decision.tags_added:
        console.print(f"tags added: {', '.join(decision.tags_added)}")
    if decision.sla:
        s = decision.sla
        console.print(
            f"SLA {s.policy}/{s.level} on {s.calendar}: first response due "
            f"{s.first_response_due.isoformat()}, resolution due {s.resolution_due.isoformat()}"
        )
