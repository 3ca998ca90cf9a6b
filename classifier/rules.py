"""Rule sets: loading and validating a rules file (YAML) into an immutable `RuleSet`.

A file is validated completely before anything is returned: unknown keys, fact names, levels,
calendars, policies and bad regexes raise `RuleConfigError` naming the file, the rule id, the
field and the allowed values. A broken file never half-loads.

Top-level keys: `levels`, `aliases`, `default_level`, `calendars`, `business_calendar`,
`sla_policies`, `default_policy`, `custom_values`, `rules` (and an optional `version: 1`). See
`sample_rules.yaml` and `decide.py` for the semantics of the actions.
"""

from __future__ import annotations

import codecs
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from classifier.calendars import BusinessCalendar, CalendarError, parse_dates, parse_windows
from classifier.conditions import Always, Condition, Facts
from classifier.decision import FiredRule
from classifier.errors import RuleConfigError, UnknownLevel
from classifier.gates import Atom, FactAtom, FactGate, fact_gates, required_atoms
from classifier.levels import DEFAULT_ALIASES, DEFAULT_LEVELS, PriorityScale
from classifier.rule_syntax import (
    Actions,
    Context,
    parse_custom_values,
    parse_then,
    parse_when,
)
from classifier.sla import SlaPolicy, SlaTarget, parse_duration
from classifier.text import Phrase, PhraseIndex
from classifier.yaml_files import YamlError, load_yaml

TOP_KEYS = (
    "version", "levels", "aliases", "default_level", "calendars", "business_calendar",
    "sla_policies", "default_policy", "custom_values", "rules",
)  # fmt: skip
SUPPORTED_VERSIONS = (1,)
RULE_KEYS = ("id", "description", "enabled", "when", "then")
CALENDAR_KEYS = ("timezone", "hours", "holidays", "closed", "business_day")
TARGET_KEYS = ("first_response", "resolution", "calendar")
IMPLICIT_CALENDAR = "always"
_CHECK_START = datetime(2026, 1, 1, tzinfo=UTC)  # targets are checked to be reachable from here


@dataclass(frozen=True)
class Rule:
    """One rule: an id, a condition, the actions to take when it holds."""

    id: str
    when: Condition
    then: Actions
    description: str = ""
    gate: frozenset[Atom] | None = field(default=None, compare=False)
    # FiredRule objects by reason: most reasons repeat ("customer.vip = True"), so decide()
    # reuses the immutable record instead of building it again (bounded, see decide.py).
    fired_cache: dict[str, FiredRule] = field(default_factory=dict, compare=False, repr=False)


# What decide() needs of a fired rule, unpacked once at load time: the rule, its `set` level,
# its floor and ceiling as ranks (-1 / a large number when absent), policy, require_review,
# tags and stop.
Step = tuple[Rule, str | None, int, int, str | None, bool, tuple[str, ...], bool]
NO_CEILING = 1 << 30


def _step(rule: Rule, rank: Mapping[str, int]) -> Step:
    then = rule.then
    floor = rank[then.at_least] if then.at_least is not None else -1
    ceiling = rank[then.at_most] if then.at_most is not None else NO_CEILING
    return (
        rule, then.set, floor, ceiling, then.policy, then.require_review,
        then.tags, then.stop,
    )  # fmt: skip


@dataclass(frozen=True)
class RuleSet:
    """A validated rules file, ready for `decide()`.

    Attributes:
        scale: the priority levels.
        sha256: hash of the file's bytes (or of the parsed data), for audit trails.
        source: the file path or "<memory>".
        rules: enabled rules in file order.
        policies: SLA policies by name, in file order.
        calendars: business calendars by name.
        default_policy: the policy used when no rule chooses one ("" when there are none).
        business_calendar: calendar for `business_hours: true/false` conditions.
        index: every whole-word phrase of every rule, for a single pass over ticket text.
    """

    scale: PriorityScale
    sha256: str
    source: str
    rules: tuple[Rule, ...]
    policies: Mapping[str, SlaPolicy]
    calendars: Mapping[str, BusinessCalendar]
    default_policy: str
    business_calendar: str | None = None
    index: PhraseIndex = field(default_factory=lambda: PhraseIndex(()), compare=False)
    disabled: tuple[str, ...] = ()
    plan: tuple[Step, ...] = field(init=False, repr=False, compare=False)
    tests: tuple[Callable[[Facts], str | None], ...] = field(init=False, repr=False, compare=False)
    ungated_order: tuple[int, ...] = field(init=False, repr=False, compare=False)
    rank: Mapping[str, int] = field(init=False, repr=False, compare=False)
    ungated: frozenset[int] = field(init=False, repr=False, compare=False)
    gated_by: Mapping[Atom, frozenset[int]] = field(init=False, repr=False, compare=False)
    fact_gates: tuple[FactGate, ...] = field(init=False, repr=False, compare=False)
    text_gated: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # decide() runs only the rules that can fire: those without a gate, plus those with a
        # gate atom present in the ticket (found through `gated_by`, atom -> rules; see gates.py).
        rank = {name: i for i, name in enumerate(self.scale.levels)}
        object.__setattr__(self, "plan", tuple(_step(r, rank) for r in self.rules))
        object.__setattr__(self, "tests", tuple(r.when.compile() for r in self.rules))
        object.__setattr__(self, "rank", rank)
        ungated = frozenset(i for i, r in enumerate(self.rules) if r.gate is None)
        gated_by: dict[Atom, set[int]] = {}
        for i, rule in enumerate(self.rules):
            for key in rule.gate or ():
                gated_by.setdefault(key, set()).add(i)
        frozen = {k: frozenset(v) for k, v in gated_by.items()}
        object.__setattr__(self, "ungated", ungated)
        object.__setattr__(self, "ungated_order", tuple(sorted(ungated)))
        object.__setattr__(self, "gated_by", frozen)
        object.__setattr__(self, "fact_gates", fact_gates(frozen))
        text_gated = any(not isinstance(k, FactAtom) for k in frozen)
        object.__setattr__(self, "text_gated", text_gated)


def unreachable_rules(rs: RuleSet) -> list[str]:
    """Warnings for rules that can never run: they come after a rule that always fires and stops.

    Such a file is valid (a catch-all `stop` may be meant as a kill switch), so `rules check`
    warns instead of refusing it.
    """
    for number, rule in enumerate(rs.rules):
        later = [r.id for r in rs.rules[number + 1 :]]
        if isinstance(rule.when, Always) and rule.then.stop and later:
            return [
                f"rules {later} never run: {rule.id!r} has no `when` (it fires on every "
                "ticket) and stops"
            ]
    return []


def default_rules_path() -> Path:
    """The packaged sample rules file (`classifier/sample_rules.yaml`)."""
    return Path(__file__).with_name("sample_rules.yaml")


def load_ruleset(path: Path | str) -> RuleSet:
    """Read, validate and compile a YAML rules file.

    Raises:
        RuleConfigError: the file is missing, not YAML, or invalid (the message names the
            file, rule id, field and allowed values).
    """
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise RuleConfigError(f"{source}: cannot read rules file: {exc.strerror}") from exc
    _require_unicode(raw, source)
    try:
        data = load_yaml(raw)
    except YamlError as exc:
        raise RuleConfigError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(data, Mapping):
        raise RuleConfigError(f"{source}: expected a mapping with keys {list(TOP_KEYS)}")
    return _build(data, source, hashlib.sha256(raw).hexdigest())


def _require_unicode(raw: bytes, source: str) -> None:
    """A rules file is UTF-8 (or UTF-16 with its byte-order mark, which YAML reads too)."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise RuleConfigError(
            f"{source}: line {line} is not UTF-8 (byte {raw[exc.start]:02x}); save the rules "
            "file as UTF-8 so phrases in every language read the same"
        ) from exc


def parse_ruleset(data: Mapping[str, Any], source: str = "<memory>") -> RuleSet:
    """Validate and compile rules given as already-parsed data (same shape as the YAML)."""
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    return _build(data, source, digest)


def _build(data: Mapping[str, Any], source: str, digest: str) -> RuleSet:
    unknown = [k for k in data if k not in TOP_KEYS]
    if unknown:
        raise RuleConfigError(f"{source}: {unknown[0]}: unknown key; allowed: {list(TOP_KEYS)}")
    version = data.get("version", 1)
    if isinstance(version, bool) or version not in SUPPORTED_VERSIONS:
        raise RuleConfigError(
            f"{source}: version: {version!r} is not supported; this release reads version 1"
        )
    scale = _scale(data, source)
    calendars = _calendars(data.get("calendars") or {}, source)
    business = data.get("business_calendar")
    if business is not None and business not in calendars:
        raise RuleConfigError(
            f"{source}: business_calendar: {business!r} is not defined; use {sorted(calendars)}"
        )
    if business is None:
        business = next((n for n, c in calendars.items() if not c.always), None)
    ctx = Context(
        source, scale, calendars, business, tuple(data.get("sla_policies") or {}),
        parse_custom_values(data.get("custom_values"), source),
    )  # fmt: skip
    policies = _policies(data.get("sla_policies") or {}, ctx)
    if any(t.calendar == IMPLICIT_CALENDAR for p in policies.values() for t in p.targets.values()):
        calendars.setdefault(IMPLICIT_CALENDAR, _implicit_calendar())
    default_policy = data.get("default_policy", next(iter(policies), ""))
    if policies and default_policy not in policies:
        raise RuleConfigError(
            f"{source}: default_policy: {default_policy!r} is not a policy; use {list(policies)}"
        )
    rules, disabled = _rules(data.get("rules") or [], ctx)
    phrases: list[Phrase] = []
    for rule in rules:
        _collect_phrases(rule.when, phrases)
    return RuleSet(
        scale, digest, source, rules, policies, calendars, str(default_policy), business,
        PhraseIndex(phrases), disabled,
    )  # fmt: skip


def _implicit_calendar() -> BusinessCalendar:
    """The 24/7 calendar a target may name (`calendar: always`) without defining it."""
    return BusinessCalendar(IMPLICIT_CALENDAR, always=True)


def _collect_phrases(cond: Condition, out: list[Phrase]) -> None:
    phrases = getattr(cond, "phrases", None)
    if phrases is not None:
        out.extend(phrases)
    for child in getattr(cond, "children", ()):
        _collect_phrases(child, out)
    child = getattr(cond, "child", None)
    if child is not None:
        _collect_phrases(child, out)


def _scale(data: Mapping[str, Any], source: str) -> PriorityScale:
    levels = data.get("levels")
    aliases = data.get("aliases")
    if aliases is not None and not isinstance(aliases, Mapping):
        raise RuleConfigError(f"{source}: aliases: expected a mapping alias -> level")
    if levels is not None and (not isinstance(levels, list) or not all(map(bool, levels))):
        raise RuleConfigError(f"{source}: levels: expected a list of 3 to 5 names, lowest first")
    names = tuple(str(v) for v in levels) if levels else DEFAULT_LEVELS
    merged = dict(DEFAULT_ALIASES) if names == DEFAULT_LEVELS else {}
    merged.update({str(k): str(v) for k, v in (aliases or {}).items()})
    try:
        scale = PriorityScale.from_names(names, merged, None)
    except UnknownLevel as exc:
        raise RuleConfigError(f"{source}: {exc}") from exc
    default = data.get("default_level")
    if default is None:
        medium = names == DEFAULT_LEVELS
        return PriorityScale(scale.levels, scale.aliases, "medium") if medium else scale
    try:
        return PriorityScale(scale.levels, scale.aliases, scale.parse(str(default)))
    except UnknownLevel as exc:
        raise RuleConfigError(f"{source}: default_level: {exc}") from exc


def _calendars(node: object, source: str) -> dict[str, BusinessCalendar]:
    if not isinstance(node, Mapping):
        raise RuleConfigError(f"{source}: calendars: expected a mapping name -> calendar")
    out: dict[str, BusinessCalendar] = {}
    for name, spec in node.items():
        where = f"calendars.{name}"
        try:
            out[str(name)] = _calendar(str(name), spec, where)
        except CalendarError as exc:
            raise RuleConfigError(f"{source}: {exc}") from exc
    return out


def _calendar(name: str, spec: object, where: str) -> BusinessCalendar:
    if not isinstance(spec, Mapping):
        raise CalendarError(f"{where}: expected a mapping with {list(CALENDAR_KEYS)}")
    unknown = [k for k in spec if k not in CALENDAR_KEYS]
    if unknown:
        raise CalendarError(f"{where}.{unknown[0]}: unknown key; allowed: {list(CALENDAR_KEYS)}")
    hours = spec.get("hours")
    always = isinstance(hours, str) and hours.strip().lower() in ("24/7", "always")
    windows = ((),) * 7 if always else parse_windows(hours, where)
    regions = spec.get("holidays") or []
    regions = [regions] if isinstance(regions, str) else regions
    if not isinstance(regions, list):
        raise CalendarError(f"{where}.holidays: expected a country code like DK or a list")
    closed = spec.get("closed") or []
    if not isinstance(closed, list):
        raise CalendarError(f"{where}.closed: expected a list of dates like 2026-12-24")
    day = spec.get("business_day")
    length = parse_duration(day, f"{where}.business_day").rest if day is not None else None
    if length is not None and not timedelta(0) < length <= timedelta(hours=24):
        raise CalendarError(f"{where}.business_day: {day!r} must be more than 0h and at most 24h")
    return BusinessCalendar(
        name, str(spec.get("timezone", "UTC")), windows, tuple(str(r).upper() for r in regions),
        parse_dates(closed, f"{where}.closed"), always, length,
    )  # fmt: skip


def _policies(node: object, ctx: Context) -> dict[str, SlaPolicy]:
    if not isinstance(node, Mapping):
        raise ctx.fail("sla_policies", "expected a mapping name -> {level: targets}")
    default_calendar = next(iter(ctx.calendars), IMPLICIT_CALENDAR)
    out: dict[str, SlaPolicy] = {}
    for name, levels in node.items():
        where = f"sla_policies.{name}"
        if not isinstance(levels, Mapping):
            raise ctx.fail(
                where, f"expected a mapping level -> targets for {list(ctx.scale.levels)}"
            )
        targets: dict[str, SlaTarget] = {}
        for label, spec in levels.items():
            place = f"{where}.{label}"
            level = ctx.level(label, place)
            if level in targets:
                raise ctx.fail(
                    place, f"{label!r} means level {level!r}, which already has targets in "
                    "this policy; keep one of the two",
                )  # fmt: skip
            targets[level] = _target(spec, place, ctx, default_calendar)
        missing = [lv for lv in ctx.scale.levels if lv not in targets]
        if missing:
            raise ctx.fail(where, f"no targets for levels {missing}; every level needs targets")
        out[str(name)] = SlaPolicy(str(name), targets)
    return out


def _target(spec: object, place: str, ctx: Context, default_calendar: str) -> SlaTarget:
    """One level's targets, checked against its calendar: reachable and in a sensible order."""
    if not isinstance(spec, Mapping) or not {"first_response", "resolution"} <= set(spec):
        raise ctx.fail(place, "expected {first_response: 4h, resolution: 1d, calendar: NAME}")
    unknown = [k for k in spec if k not in TARGET_KEYS]
    if unknown:
        raise ctx.fail(f"{place}.{unknown[0]}", f"unknown key; allowed: {list(TARGET_KEYS)}")
    name = str(spec.get("calendar", default_calendar))
    calendar = ctx.calendars.get(name)
    if name == IMPLICIT_CALENDAR and calendar is None:
        calendar = _implicit_calendar()
    if calendar is None:
        raise ctx.fail(f"{place}.calendar", f"{name!r} is not defined; use {sorted(ctx.calendars)}")
    try:
        target = SlaTarget(
            parse_duration(spec["first_response"], f"{place}.first_response"),
            parse_duration(spec["resolution"], f"{place}.resolution"),
            name,
        )
    except CalendarError as exc:  # the message names the field
        raise RuleConfigError(f"{ctx.source}: {exc}") from exc
    first, resolution = target.on(calendar)
    try:
        calendar.add(_CHECK_START, resolution)  # fails when the calendar cannot reach it
    except CalendarError as exc:
        raise ctx.fail(f"{place}.resolution", str(exc)) from exc
    if first > resolution:
        raise ctx.fail(
            place, f"first_response {target.first_response.text} is longer than resolution "
            f"{target.resolution.text}; a ticket is answered before it is resolved",
        )  # fmt: skip
    return target


def _rules(node: object, ctx: Context) -> tuple[tuple[Rule, ...], tuple[str, ...]]:
    if not isinstance(node, list):
        raise ctx.fail("rules", "expected a list of rules, each {id, when, then}")
    rules: list[Rule] = []
    disabled: list[str] = []
    seen: set[str] = set()
    for i, item in enumerate(node):
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str | int):
            raise ctx.fail(f"rules[{i}]", "every rule needs an `id` and `then`")
        rule_id = str(item["id"])
        where = f"rule {rule_id!r}"
        if rule_id in seen:
            raise ctx.fail(where, "duplicate rule id; ids must be unique")
        seen.add(rule_id)
        unknown = [k for k in item if k not in RULE_KEYS]
        if unknown:
            raise ctx.fail(f"{where}: {unknown[0]}", f"unknown key; allowed: {list(RULE_KEYS)}")
        when = parse_when(item.get("when"), ctx, f"{where}: when")
        then = parse_then(item.get("then"), ctx, f"{where}: then")
        rule = Rule(rule_id, when, then, str(item.get("description", "")), required_atoms(when))
        enabled = item.get("enabled", True)
        if not isinstance(enabled, bool):
            raise ctx.fail(f"{where}: enabled", f"expected true or false, got {enabled!r}")
        if not enabled:
            disabled.append(rule_id)
        else:
            rules.append(rule)
    return tuple(rules), tuple(disabled)
