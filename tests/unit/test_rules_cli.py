"""The `rules` and `sla` commands, through typer's CliRunner on a small app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from classifier.cli import register
from classifier.rules import default_rules_path
from tests.rules_fixtures import BASE

runner = CliRunner()


@pytest.fixture
def app() -> typer.Typer:
    root = typer.Typer()
    register(root)
    return root


@pytest.fixture
def rules_file(tmp_path: Path) -> Path:
    data = {
        **BASE,
        "rules": [
            {"id": "vip", "when": {"customer.vip": True}, "then": {"at_least": "high"}},
            {"id": "breach", "when": {"text_matches": {"da": ["sikkerhedsbrud"]}},
             "then": {"at_least": "urgent", "tags": ["security"]}},
            {"id": "unsure", "when": {"model.confidence_below": 0.5},
             "then": {"require_review": True}},
        ],
    }  # fmt: skip
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_rules_check_summarises_a_valid_file(app: typer.Typer, rules_file: Path) -> None:
    result = runner.invoke(app, ["rules", "check", str(rules_file)])
    assert result.exit_code == 0, result.output
    for text in ("OK", "low < medium < high < urgent", "standard", "office", "vip", "breach"):
        assert text in result.output


def test_rules_check_accepts_the_packaged_sample(app: typer.Typer) -> None:
    result = runner.invoke(app, ["rules", "check", str(default_rules_path())])
    assert result.exit_code == 0, result.output
    assert "security-breach" in result.output


def test_rules_check_fails_with_the_rule_and_field(app: typer.Typer, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - id: x\n    when: {customer.vipp: true}\n    then: {set: low}\n")
    result = runner.invoke(app, ["rules", "check", str(bad)])
    assert result.exit_code == 1
    assert "rule 'x'" in result.output
    assert "customer.vipp" in result.output


def test_rules_explain_shows_each_rule_the_decision_and_sla(
    app: typer.Typer, rules_file: Path, tmp_path: Path
) -> None:
    ticket = {
        "subject": "Sikkerhedsbrud",
        "body": "Vi har opdaget et sikkerhedsbrud",
        "customer": {"tier": "premium", "vip": False},
        "created_at": "2026-11-20T10:00:00+01:00",
        "model": {"priority": "low", "confidence": 0.9},
    }
    path = tmp_path / "ticket.json"
    path.write_text(json.dumps(ticket), encoding="utf-8")
    result = runner.invoke(app, ["rules", "explain", str(rules_file), "--ticket", str(path)])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "'sikkerhedsbrud'" in out  # the matched phrase is the reason
    assert "no match" in out
    assert "urgent from rule (breach)" in out
    assert "tags added: security" in out
    assert "first response due 2026-11-20T10:00:00+00:00" in out


def test_rules_explain_reports_an_unreadable_ticket(
    app: typer.Typer, rules_file: Path, tmp_path: Path
) -> None:
    path = tmp_path / "ticket.json"
    path.write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, ["rules", "explain", str(rules_file), "--ticket", str(path)])
    assert result.exit_code == 1
    assert "cannot read" in result.output


@pytest.mark.parametrize(
    ("ticket", "message"),
    [
        ({"affected_users": "many"}, "`int | null`, got `str` - at `$.affected_users`"),
        ({"customer": {"vip": "yes"}}, "`bool | null`, got `str` - at `$.customer.vip`"),
        ({"body": "x", "created_at": "yesterday"}, "at `$.created_at`"),
        ({"body": "x", "model": {"confidence": 0.4}}, 'model: expected {"priority": "low"'),
    ],
)  # fmt: skip
def test_rules_explain_names_a_field_of_the_wrong_type(
    app: typer.Typer, rules_file: Path, tmp_path: Path, ticket: dict[str, object], message: str
) -> None:
    path = tmp_path / "ticket.json"
    path.write_text(json.dumps(ticket), encoding="utf-8")
    result = runner.invoke(app, ["rules", "explain", str(rules_file), "--ticket", str(path)])
    assert result.exit_code != 0
    assert message in " ".join(result.output.split())


def test_rules_explain_reads_a_utf16_ticket_with_a_customer_id(
    app: typer.Typer, rules_file: Path, tmp_path: Path
) -> None:
    ticket = {"body": "Vi har opdaget et sikkerhedsbrud", "customer": {"id": "C-1", "vip": True}}
    path = tmp_path / "ticket.json"
    path.write_text(json.dumps(ticket, ensure_ascii=False), encoding="utf-16")
    result = runner.invoke(app, ["rules", "explain", str(rules_file), "--ticket", str(path)])
    assert result.exit_code == 0, result.output
    assert "urgent from rule (breach)" in " ".join(result.output.split())


def test_sla_due_prints_utc_and_local_due_times(app: typer.Typer, rules_file: Path) -> None:
    args = [
        "sla",
        "due",
        "high",
        "--start",
        "2026-11-20T16:30:00+01:00",
        "--rules",
        str(rules_file),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    # Friday 16:30 Copenhagen: 30 minutes left, then 3.5h from Monday 08:00.
    assert "2026-11-23T11:30:00+01:00" in result.output
    assert "2026-11-23T10:30:00+00:00" in result.output


def test_sla_due_rejects_an_unknown_level(app: typer.Typer, rules_file: Path) -> None:
    result = runner.invoke(app, ["sla", "due", "asap", "--rules", str(rules_file)])
    assert result.exit_code == 1
    assert "'asap' is not a priority level" in " ".join(result.output.split())


def test_sla_due_refuses_a_start_near_the_year_9999(app: typer.Typer, rules_file: Path) -> None:
    args = ["sla", "due", "high", "--start", "9999-12-31T00:00:00Z", "--rules", str(rules_file)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "is not a plausible time; use one from 1900 to 2999" in " ".join(result.output.split())


def test_sla_remaining_reads_a_status_history(
    app: typer.Typer, rules_file: Path, tmp_path: Path
) -> None:
    history = [
        {"at": "2026-11-23T09:00:00+01:00", "status": "New", "priority": "medium"},
        {"at": "2026-11-23T10:00:00+01:00", "status": "Answered"},
        {"at": "2026-11-24T09:00:00+01:00", "status": "Open", "priority": "high"},
        {"at": "2026-11-24T11:00:00+01:00", "status": "Postponed"},
    ]
    path = tmp_path / "history.json"
    path.write_text(json.dumps(history), encoding="utf-8")
    args = ["sla", "remaining", str(path), "--now", "2026-11-25T09:00:00+01:00"]
    result = runner.invoke(app, [*args, "--rules", str(rules_file)])
    assert result.exit_code == 0, result.output
    assert "paused" in result.output
    assert "3h 00m" in result.output  # business time used on the resolution clock
    assert "6h 00m" in result.output  # remaining of the 9h high target


def test_sla_remaining_shows_overdue_time_in_hours_and_whole_due_times(
    app: typer.Typer, rules_file: Path, tmp_path: Path
) -> None:
    # Raised to urgent (24/7 calendar, 1h/4h targets): from Friday 15:00 to Monday 14:00 the
    # clock ran 66h and 1h (paused 09:00-13:00), 67h used: 66h and 63h overdue.
    history = [
        {"at": "2026-11-20T15:00:00+01:00", "status": "new", "priority": "high"},
        {"at": "2026-11-23T09:00:00+01:00", "status": "pending"},
        {"at": "2026-11-23T13:00:00+01:00", "status": "open", "priority": "urgent"},
    ]
    path = tmp_path / "history.json"
    path.write_text(json.dumps(history), encoding="utf-8")
    args = ["sla", "remaining", str(path), "--now", "2026-11-23T14:00:00+01:00", "--rules"]
    result = runner.invoke(app, [*args, str(rules_file)], terminal_width=80)
    assert result.exit_code == 0, result.output
    assert "overdue" in result.output
    assert "67h 00m" in result.output
    assert "66h 00m" in result.output
    assert "63h 00m" in result.output
    assert "days," not in result.output
    assert "…" not in result.output


@pytest.mark.parametrize(
    ("history", "fragment"),
    [
        ([{"status": "open", "priority": "high"}], 'entry 1 needs "at" (an ISO time) and "status"'),
        ([{"at": "2026-11-23T09:00:00Z", "status": "open"}], "no status change gives a priority"),
        ({"at": "x"}, "expected a JSON list of status changes"),
    ],
)
def test_sla_remaining_names_what_a_history_lacks(
    app: typer.Typer, rules_file: Path, tmp_path: Path, history: object, fragment: str
) -> None:
    path = tmp_path / "history.json"
    path.write_text(json.dumps(history), encoding="utf-8")
    result = runner.invoke(app, ["sla", "remaining", str(path), "--rules", str(rules_file)])
    assert result.exit_code == 1
    assert fragment in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_check_warns_about_rules_after_a_catch_all_stop(app: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    rules = [
        {"id": "everything-low", "then": {"set": "low", "stop": True}},
        {"id": "vip", "when": {"customer.vip": True}, "then": {"at_least": "high"}},
    ]
    path.write_text(yaml.safe_dump({**BASE, "rules": rules}), encoding="utf-8")
    result = runner.invoke(app, ["rules", "check", str(path)])
    assert result.exit_code == 0
    assert "warning: rules ['vip'] never run: 'everything-low' has no `when`" in " ".join(
        result.output.split()
    )
    sample = runner.invoke(app, ["rules", "check", str(default_rules_path())])
    assert "warning" not in sample.output


def test_explain_refuses_a_ticket_that_is_not_an_object(
    app: typer.Typer, rules_file: Path, tmp_path: Path
) -> None:
    ticket = tmp_path / "t.json"
    ticket.write_text("[1, 2]", encoding="utf-8")
    result = runner.invoke(app, ["rules", "explain", str(rules_file), "--ticket", str(ticket)])
    assert result.exit_code == 1
    assert "expected a JSON object like" in " ".join(result.output.split())
    assert "got list" in result.output


def test_sla_due_without_policies_says_to_add_one(app: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("rules: []\n", encoding="utf-8")
    result = runner.invoke(app, ["sla", "due", "high", "--rules", str(path)])
    assert result.exit_code == 1
    assert "defines no sla_policies; add one" in " ".join(result.output.split())


def test_help_texts_carry_examples(app: typer.Typer) -> None:
    for command in (["rules", "check"], ["rules", "explain"], ["sla", "due"], ["sla", "remaining"]):
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0
        assert "Example" in result.output


def test_rules_check_refuses_a_regex_re2_cannot_run_with_the_fix(
    app: typer.Typer, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "rules:\n  - id: repeat\n    when: {body_regex: '(err)-\\1'}\n    then: {set: low}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["rules", "check", str(bad)])
    assert result.exit_code == 1
    output = " ".join(result.output.split())  # rich wraps long lines
    for text in ("rule 'repeat'", "body_regex", "backreference", "match the repeated text"):
        assert text in output, output
