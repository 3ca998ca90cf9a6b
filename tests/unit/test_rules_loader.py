"""Loading rules files: valid files compile; broken ones fail whole, naming what is wrong."""
# ruff: noqa: E501 - table tests keep one case per line

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from classifier.decide import decide
from classifier.errors import RuleConfigError
from classifier.rules import default_rules_path, load_ruleset, parse_ruleset
from classifier.schema import Customer
from tests.rules_fixtures import BASE, ticket


def _data(rules: list[dict[str, Any]] | None = None, **top: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data.update(top)
    data["rules"] = rules if rules is not None else []
    return data


def _rule(**fields: Any) -> dict[str, Any]:
    return {"id": "vip", "when": {"customer.vip": True}, "then": {"at_least": "high"}, **fields}


def test_the_packaged_sample_rules_load_with_six_languages_of_phrases() -> None:
    rs = load_ruleset(default_rules_path())
    assert default_rules_path().name == "sample_rules.yaml"
    assert rs.scale.levels == ("low", "medium", "high", "urgent")
    assert rs.default_policy == "standard"
    assert {"office", "always"} <= set(rs.calendars)
    assert len(rs.sha256) == 64
    text = default_rules_path().read_text(encoding="utf-8")
    for lang in ("en", "de", "da", "fi", "nl", "sl"):
        assert f"        {lang}: [" in text


def test_the_file_hash_identifies_the_exact_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(yaml.safe_dump(_data([_rule()])), encoding="utf-8")
    b.write_text(yaml.safe_dump(_data([_rule(description="changed")])), encoding="utf-8")
    assert load_ruleset(a).sha256 != load_ruleset(b).sha256
    assert load_ruleset(a).sha256 == load_ruleset(a).sha256
    assert load_ruleset(a).source == str(a)


def test_a_minimal_file_uses_the_default_scale_and_no_sla() -> None:
    rs = parse_ruleset({"rules": [_rule()]})
    assert rs.scale.levels == ("low", "medium", "high", "urgent")
    assert rs.scale.parse("P1") == "urgent"
    assert rs.policies == {}
    assert rs.default_policy == ""


def test_a_custom_scale_with_aliases_is_used_for_levels_in_rules() -> None:
    data = {
        "levels": ["P5", "P4", "P3", "P2", "P1"],
        "aliases": {"blocker": "P1"},
        "default_level": "P3",
        "rules": [{"id": "b", "when": {"tags": ["x"]}, "then": {"set": "blocker"}}],
    }
    rs = parse_ruleset(data)
    assert rs.scale.default == "P3"
    assert rs.rules[0].then.set == "P1"


def test_disabled_rules_are_validated_but_not_run() -> None:
    rs = parse_ruleset(_data([_rule(enabled=False), _rule(id="other")]))
    assert [r.id for r in rs.rules] == ["other"]
    assert rs.disabled == ("vip",)
    with pytest.raises(RuleConfigError, match="unknown fact"):
        parse_ruleset(_data([_rule(enabled=False, when={"customer.vipp": True})]))


@pytest.mark.parametrize(
    ("data", "fragments"),
    [
        (_data([_rule(when={"customer.vipp": True})]),
         ["test.yaml", "rule 'vip'", "customer.vipp", "unknown fact", "customer.vip"]),
        (_data([_rule(then={"at_least": "critical-ish"})]),
         ["rule 'vip'", "then.at_least", "'critical-ish' is not a priority level", "urgent"]),
        (_data([_rule(then={"make_it": "urgent"})]),
         ["rule 'vip'", "then.make_it", "unknown action", "at_least"]),
        (_data([_rule(when={"regex": "([unclosed"})]),
         ["rule 'vip'", "when.regex", "bad regular expression"]),
        (_data([_rule(then={"set": "low", "at_least": "high"})]),
         ["rule 'vip'", "`set` cannot be combined"]),
        (_data([_rule(then={"at_least": "urgent", "at_most": "medium"})]),
         ["rule 'vip'", "at_least urgent is above at_most medium"]),
        (_data([_rule(then={"policy": "gold"})]),
         ["then.policy", "'gold' is not a policy", "standard", "enterprise"]),
        (_data([_rule(), _rule()]), ["rule 'vip'", "duplicate rule id"]),
        (_data([_rule(whenn={"customer.vip": True})]), ["rule 'vip'", "whenn", "unknown key"]),
        (_data([{"when": {"customer.vip": True}, "then": {"set": "low"}}]), ["rules[0]", "`id`"]),
        (_data([_rule(when={"customer.tier": ["enterprice"]})]),
         ["when.customer.tier", "'enterprice' is not a known value", "enterprise"]),
        (_data([_rule(when={"customer.vip": "yes"})]), ["when.customer.vip", "true or false"]),
        (_data([_rule(when={"affected_users": {"~": 3}})]),
         ["when.affected_users", "unknown comparison '~'", ">="]),
        (_data([_rule(when={"affected_users": "many"})]), ["when.affected_users", "expected a number"]),
        (_data([_rule(when={"model.confidence_below": 3})]), ["model.confidence_below", "(0, 1]"]),
        (_data([_rule(when={"model.priority": ["hihg"]})]), ["model.priority", "'hihg'"]),
        (_data([_rule(when={"text_matches": {"da": ["...", "nedbrud"]}})]),
         ["when.text_matches.da", "no letters or digits"]),
        (_data([_rule(when={"all": {"customer.vip": True}})]), ["when.all", "non-empty list"]),
        (_data([_rule(when={"business_hours": {"calendar": "moon"}})]),
         ["business_hours", "'moon' is not defined", "office"]),
        (_data(rulez=[]), ["rulez", "unknown key", "sla_policies"]),
        (_data(levels=["only", "two"]), ["levels", "3 to 5 levels"]),
        (_data(default_level="meh"), ["default_level: ", "'meh' is not a priority level"]),
        (_data(version=2), ["version: 2 is not supported", "version 1"]),
        (_data([_rule(enabled="no")]), ["rule 'vip': enabled", "true or false, got 'no'"]),
        (_data([_rule(when={"affected_users": {">": 10, "<": 5}})]),
         ["when.affected_users", "no number is > 10 and < 5", "never hold"]),
        (_data([_rule(when={"affected_users": {">": 5, "<": 5}})]), ["no number is > 5 and < 5"]),
        (_data([_rule(when={"customer.tier": ["gold"]})]),
         ["'gold' is not a known value", "custom_values: {customer.tier: [gold]}"]),
        (_data([_rule(when={"channel": "teams"})], custom_values={"customer.tier": ["gold"]}),
         ["'teams' is not a known value", "'email'"]),
        (_data(custom_values={"language": ["xx"]}), ["custom_values.language", "'customer.tier'"]),
        (_data(custom_values={"channel": []}), ["custom_values.channel", "list of names"]),
        (_data(default_policy="gold"), ["default_policy", "'gold' is not a policy"]),
        (_data(business_calendar="moon"), ["business_calendar", "'moon'"]),
    ],
)  # fmt: skip
def test_invalid_rules_name_the_file_rule_field_and_allowed_values(
    data: dict[str, Any], fragments: list[str]
) -> None:
    with pytest.raises(RuleConfigError) as info:
        parse_ruleset(data, "test.yaml")
    message = str(info.value)
    assert message.startswith("test.yaml: ")
    for fragment in fragments:
        assert fragment in message


def _with_policy(**changes: Any) -> dict[str, Any]:
    data = _data([_rule()])
    data["sla_policies"]["standard"]["high"].update(changes)
    return data


def _with_calendar(**spec: Any) -> dict[str, Any]:
    data = _data([_rule()])
    data["calendars"]["office"] = spec
    return data


@pytest.mark.parametrize(
    ("data", "fragments"),
    [
        (_with_policy(first_response="soon"), ["sla_policies.standard.high.first_response", "'soon'", "2d4h"]),
        (_with_policy(calendar="moon"), ["sla_policies.standard.high.calendar", "'moon' is not defined"]),
        (_with_policy(escalate=True), ["sla_policies.standard.high.escalate", "unknown key"]),
        (_data(sla_policies={"p": {"urgent": {"first_response": "1h", "resolution": "2h"}}}),
         ["sla_policies.p", "no targets for levels", "low"]),
        (_with_calendar(timezone="Europe/Kopenhagen", hours="24/7"), ["calendars.office", "Europe/Kopenhagen", "IANA"]),
        (_with_calendar(hours={"mon-fry": "08:00-17:00"}), ["calendars.office.hours", "'mon-fry'", "mon-fri"]),
        (_with_calendar(hours={"mon": "17:00-08:00"}), ["calendars.office.hours.mon", "split a night shift"]),
        (_with_calendar(hours={"mon": ["08:00-12:00", "11:00-13:00"]}), ["windows overlap on mon"]),
        (_with_calendar(hours={"mon": "8 to 5"}), ["calendars.office.hours.mon", "08:00-17:00"]),
        (_with_calendar(hours="24/7", holidays="XX"), ["calendars.office", "'XX'", "DK"]),
        (_with_calendar(hours="24/7", closed=["24/12/2026"]), ["calendars.office.closed", "2026-12-24"]),
        (_with_calendar(hours="24/7", open_late=True), ["calendars.office.open_late", "unknown key"]),
        (_with_calendar(hours={}), ["calendars.office.hours", "no working hours"]),
        (_with_calendar(hours="24/7", business_day="0h"), ["calendars.office.business_day", "more than 0h"]),
        (_with_policy(first_response="2d", resolution="1h"),
         ["sla_policies.standard.high", "first_response 2d is longer than resolution 1h"]),
        (_with_policy(resolution="100000d"),
         ["sla_policies.standard.high", "calendar 'office'", "does not fit"]),
    ],
)  # fmt: skip
def test_invalid_calendars_and_policies_name_the_place_and_the_fix(
    data: dict[str, Any], fragments: list[str]
) -> None:
    with pytest.raises(RuleConfigError) as info:
        parse_ruleset(data, "test.yaml")
    for fragment in fragments:
        assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [("rules: [unclosed", "not valid YAML"), ("- just\n- a list\n", "expected a mapping")],
)
def test_unreadable_files_fail_with_the_path(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RuleConfigError, match=fragment) as info:
        load_ruleset(path)
    assert str(path) in str(info.value)
    with pytest.raises(RuleConfigError, match="cannot read"):
        load_ruleset(tmp_path / "missing.yaml")


def test_a_rules_file_in_a_windows_code_page_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    sample = default_rules_path().read_text(encoding="utf-8")
    path.write_bytes(sample.encode("cp1252", errors="replace"))
    first_bad = next(n for n, line in enumerate(sample.splitlines(), 1) if not line.isascii())
    with pytest.raises(RuleConfigError) as info:
        load_ruleset(path)
    assert str(info.value).startswith(f"{path}: line {first_bad} is not UTF-8 (byte ")
    assert "save the rules file as UTF-8" in str(info.value)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_a_byte_order_mark_is_fine(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(default_rules_path().read_text(encoding="utf-8"), encoding=encoding)
    assert load_ruleset(path).rules == load_ruleset(default_rules_path()).rules


def test_a_target_under_an_alias_cannot_replace_the_levels_own_target() -> None:
    data = _data([_rule()])
    data["sla_policies"]["standard"]["critical"] = {"first_response": "2d", "resolution": "10d"}
    with pytest.raises(RuleConfigError) as info:
        parse_ruleset(data, "test.yaml")
    assert "sla_policies.standard.critical: 'critical' means level 'urgent'" in str(info.value)


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("rules:\n  - {id: a, then: {set: high}}\nlevels: [low, medium, high, urgent]\n"
         "rules:\n  - {id: b, then: {set: low}}\n",
         ["line 4, column 1: duplicate key 'rules' (first on line 1)"]),
        ("rules:\n  - {id: a, then: {set: medium, set: urgent}}\n",
         ["line 2, column 33: duplicate key 'set'"]),
        ("calendars:\n  cph: {timezone: Europe/Copenhagen, hours: 24/7}\n"
         "  cph: {timezone: America/New_York, hours: 24/7}\nrules: []\n",
         ["line 3, column 3: duplicate key 'cph'"]),
        ("calendars:\n  cph: {timezone: UTC, hours: 24/7, closed: [2026-02-30]}\nrules: []\n",
         ["line 2, column 46: '2026-02-30' is not a real date"]),
        ("rules:\n  - id: a\n    then: {set: high\n",
         ["line 4, column 1: while parsing a flow mapping (opened on line 3), expected ',' or '}'"]),
    ],
)  # fmt: skip
def test_repeated_keys_and_impossible_dates_name_the_line(
    tmp_path: Path, text: str, fragments: list[str]
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleConfigError) as info:
        load_ruleset(path)
    assert str(info.value).startswith(f"{path}: not valid YAML: line ")
    assert "<byte string>" not in str(info.value)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_yaml_merge_keys_may_still_override_what_they_merge(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        "calendars:\n  base: &b {timezone: Europe/Copenhagen, hours: 24/7}\n"
        "  utc:\n    <<: *b\n    timezone: UTC\nrules: []\n",
        encoding="utf-8",
    )
    assert str(load_ruleset(path).calendars["utc"].timezone) == "UTC"


def test_declared_custom_tiers_and_channels_match_accent_and_case_insensitively() -> None:
    rs = parse_ruleset(
        _data(
            [
                _rule(
                    id="gold",
                    when={"customer.tier": ["Gold"], "channel": "teams"},
                    then={"set": "urgent"},
                )
            ],
            custom_values={"customer.tier": ["gold", "sølv"], "channel": ["Teams"]},
        )
    )
    gold = decide(ticket(channel="TEAMS", customer=Customer(tier="gold")), None, rs)
    free = decide(ticket(channel="teams", customer=Customer(tier="free")), None, rs)
    assert gold.priority == "urgent"
    assert [r.rule_id for r in gold.rules_fired] == ["gold"]
    assert free.priority == "medium"
    assert parse_ruleset(
        _data([_rule(when={"customer.tier": "Solv"})], custom_values={"customer.tier": ["sølv"]})
    )


def test_a_broken_rule_late_in_the_file_fails_the_whole_load() -> None:
    rules = [_rule(id=f"ok-{i}") for i in range(20)] + [_rule(id="bad", then={"set": "??"})]
    with pytest.raises(RuleConfigError, match="rule 'bad'"):
        parse_ruleset(_data(rules), "test.yaml")
