"""Parsing `when` and `then` blocks of a rules file into condition and action objects.

Fact names are code: every key a `when` block may use is listed here, and anything else fails
when the file is loaded, with the allowed names in the message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from operator import attrgetter
from typing import Any

from classifier.attribute_conditions import (
    OPS,
    BoolCond,
    BusinessHoursCond,
    ConfidenceBelow,
    InCond,
    LanguageCond,
    ModelLevelCond,
    NumCond,
    fold,
)
from classifier.calendars import BusinessCalendar
from classifier.conditions import (
    AllCond,
    Always,
    AnyCond,
    Condition,
    Facts,
    NotCond,
    cheapest_first,
)
from classifier.errors import RuleConfigError, UnknownLevel
from classifier.folding import spelled_out
from classifier.levels import PriorityScale
from classifier.rule_regex import RuleRegex, RuleRegexError, compile_rule_regex
from classifier.schema import CHANNELS, TIERS
from classifier.text import Phrase, compile_phrase
from classifier.text_conditions import PhraseCond, RegexCond, TagsCond

Getter = Callable[[Facts], object]

# attrgetter: the same lookups as `lambda f: f.ticket.channel`, done in C (decide() runs them
# on every ticket).
CATEGORY_FACTS: dict[str, Getter] = {
    "channel": attrgetter("ticket.channel"),
    "language": attrgetter("language"),
    "stated_urgency": attrgetter("ticket.stated_urgency"),
    "customer.tier": attrgetter("ticket.customer.tier"),
    "customer.id": attrgetter("ticket.customer.customer_id"),
}
KNOWN_VALUES: dict[str, tuple[str, ...]] = {"channel": CHANNELS, "customer.tier": TIERS}
BOOL_FACTS: dict[str, Getter] = {"customer.vip": attrgetter("ticket.customer.vip")}
NUMERIC_FACTS: dict[str, Getter] = {
    "affected_users": attrgetter("ticket.affected_users"),
    "customer.monthly_value": attrgetter("ticket.customer.monthly_value"),
    "customer.open_tickets": attrgetter("ticket.customer.open_tickets"),
    "customer.account_age_days": attrgetter("ticket.customer.account_age_days"),
    "customer.tickets_last_90d": attrgetter("ticket.customer.tickets_last_90d"),
}
PHRASE_KEYS = {"text_matches": "text", "subject_matches": "subject", "body_matches": "body"}
REGEX_KEYS = {"regex": "text", "subject_regex": "subject", "body_regex": "body"}
OTHER_KEYS = (
    "all", "any", "not", "tags", "tags_all", "model.priority", "model.confidence_below",
    "business_hours",
)  # fmt: skip
FACT_NAMES: tuple[str, ...] = (
    *sorted([*CATEGORY_FACTS, *BOOL_FACTS, *NUMERIC_FACTS, *PHRASE_KEYS, *REGEX_KEYS, *OTHER_KEYS]),
    "extra.<column>",
)
ACTION_KEYS = ("set", "at_least", "at_most", "policy", "require_review", "tags", "stop")


@dataclass(frozen=True)
class Context:
    """What parsing needs besides the YAML: the scale, calendars, and where we are."""

    source: str
    scale: PriorityScale
    calendars: Mapping[str, BusinessCalendar]
    business_calendar: str | None
    policies: tuple[str, ...]
    custom_values: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def fail(self, where: str, problem: str) -> RuleConfigError:
        """An error naming the file, the place (rule id and field) and the problem."""
        return RuleConfigError(f"{self.source}: {where}: {problem}")

    def level(self, value: object, where: str) -> str:
        """A configured level name for a label or alias, or an error listing the levels."""
        try:
            return self.scale.parse(str(value))
        except UnknownLevel as exc:
            raise self.fail(where, str(exc)) from exc


def parse_when(node: object, ctx: Context, where: str) -> Condition:
    """Parse a `when` block: a mapping of fact -> test, all of which must hold."""
    if node is None or node == "always":
        return Always()
    if not isinstance(node, Mapping) or not node:
        raise ctx.fail(
            where, "expected a mapping of fact names to tests, e.g. {customer.vip: true}"
        )
    parts = [_parse_fact(str(key), value, ctx, f"{where}.{key}") for key, value in node.items()]
    return parts[0] if len(parts) == 1 else AllCond(cheapest_first(parts))


def _parse_fact(key: str, value: Any, ctx: Context, where: str) -> Condition:  # noqa: PLR0911, PLR0912
    if key in ("all", "any"):
        if not isinstance(value, list) or not value:
            raise ctx.fail(where, f"`{key}` takes a non-empty list of condition mappings")
        kids = cheapest_first(
            [parse_when(item, ctx, f"{where}[{i}]") for i, item in enumerate(value)]
        )
        return AllCond(kids) if key == "all" else AnyCond(kids)
    if key == "not":
        return NotCond(parse_when(value, ctx, where))
    if key in PHRASE_KEYS:
        return PhraseCond(PHRASE_KEYS[key], _phrases(value, ctx, where))
    if key in REGEX_KEYS:
        return RegexCond(REGEX_KEYS[key], _regex(value, ctx, where))
    if key in ("tags", "tags_all"):
        values = _strings(value, ctx, where)
        return TagsCond(frozenset(v.casefold() for v in values), key == "tags_all")
    if key in CATEGORY_FACTS:
        values = _strings(value, ctx, where)
        _check_known(key, values, ctx, where)
        kind = LanguageCond if key == "language" else InCond
        return kind(key, CATEGORY_FACTS[key], frozenset(fold(v) for v in values))
    if key in BOOL_FACTS:
        return BoolCond(key, BOOL_FACTS[key], _bool(value, ctx, where))
    if key in NUMERIC_FACTS:
        return _numeric(key, NUMERIC_FACTS[key], value, ctx, where)
    if key.startswith("extra.") and len(key) > len("extra."):
        return _extra(key, value, ctx, where)
    if key == "model.priority":
        return _model_priority(value, ctx, where)
    if key == "model.confidence_below":
        number = _number(value, ctx, where)
        if not 0 < number <= 1:
            raise ctx.fail(where, f"{value!r} must be a probability in (0, 1]")
        return ConfidenceBelow(number)
    if key == "business_hours":
        return _business_hours(value, ctx, where)
    raise ctx.fail(where, f"unknown fact {key!r}; allowed: {list(FACT_NAMES)}")


def _check_known(key: str, values: list[str], ctx: Context, where: str) -> None:
    """Built-in tiers and channels, or ones the file declares: catches typos like 'enterprice'."""
    known = KNOWN_VALUES.get(key)
    if known is None:
        return
    custom = ctx.custom_values.get(key, frozenset())
    for v in values:
        if v.casefold() not in known and fold(v) not in custom:
            raise ctx.fail(
                where,
                f"{v!r} is not a known value; use one of {[*known, *sorted(custom)]}, or "
                f"declare your own under custom_values: {{{key}: [{v}]}}",
            )


def parse_custom_values(node: object, source: str) -> dict[str, frozenset[str]]:
    """The `custom_values` block: a helpdesk's own tiers and channels, {customer.tier: [gold]}."""
    if node is None:
        return {}
    where = f"{source}: custom_values"
    if not isinstance(node, Mapping):
        raise RuleConfigError(f"{where}: expected a mapping, e.g. {{customer.tier: [gold]}}")
    out: dict[str, frozenset[str]] = {}
    for key, values in node.items():
        if key not in KNOWN_VALUES:
            raise RuleConfigError(
                f"{where}.{key}: only {list(KNOWN_VALUES)} have a fixed list to extend"
            )
        items = values if isinstance(values, list) else [values]
        if not items or not all(isinstance(v, str) and v.strip() for v in items):
            raise RuleConfigError(f"{where}.{key}: expected a list of names, e.g. [gold, silver]")
        out[str(key)] = frozenset(fold(v) for v in items)
    return out


def _phrases(value: Any, ctx: Context, where: str) -> tuple[Phrase, ...]:
    # Phrases may be one list, or lists per language: {da: [...], fi: [...]}.
    items: list[tuple[str, str]] = []
    if isinstance(value, Mapping):
        for lang, phrases in value.items():
            items += [(f"{where}.{lang}", p) for p in _strings(phrases, ctx, f"{where}.{lang}")]
    else:
        items = [(where, p) for p in _strings(value, ctx, where)]
    out = []
    for place, phrase in items:
        try:
            out.append(compile_phrase(phrase))
        except ValueError as exc:
            raise ctx.fail(place, str(exc)) from exc
        variant = spelled_out(phrase)
        if variant is not None:  # reported as the phrase the rule names
            out.append(replace(compile_phrase(variant), original=phrase))
    return tuple(out)


def _regex(value: Any, ctx: Context, where: str) -> RuleRegex:
    if not isinstance(value, str) or not value:
        raise ctx.fail(where, "expected one regular expression as a string")
    try:
        return compile_rule_regex(value)
    except RuleRegexError as exc:
        raise ctx.fail(where, f"bad regular expression {value!r}: {exc}") from exc


def _strings(value: Any, ctx: Context, where: str) -> list[str]:
    values = value if isinstance(value, list) else [value]
    if (
        not values
        or not all(isinstance(v, str | int | float) for v in values)
        or any(isinstance(v, bool) for v in values)
    ):
        raise ctx.fail(where, f"expected a value or a non-empty list of values, got {value!r}")
    return [str(v) for v in values]


def _bool(value: Any, ctx: Context, where: str) -> bool:
    if not isinstance(value, bool):
        raise ctx.fail(where, f"expected true or false, got {value!r}")
    return value


def _number(value: Any, ctx: Context, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ctx.fail(where, f"expected a number, got {value!r}")
    return float(value)


def _numeric(key: str, get: Getter, value: Any, ctx: Context, where: str) -> Condition:
    if not isinstance(value, Mapping):
        symbol, op = OPS["=="]
        return NumCond(key, get, symbol, op, _number(value, ctx, where))
    parts: list[Condition] = []
    for op_name, threshold in value.items():
        if op_name == "between":
            if not isinstance(threshold, list) or len(threshold) != 2:
                raise ctx.fail(f"{where}.between", "expected [low, high]")
            low, high = (_number(t, ctx, f"{where}.between") for t in threshold)
            parts += [NumCond(key, get, *OPS[">="], low), NumCond(key, get, *OPS["<="], high)]
            continue
        if op_name not in OPS:
            allowed = [*OPS, "between"]
            raise ctx.fail(where, f"unknown comparison {op_name!r}; allowed: {allowed}")
        symbol, op = OPS[str(op_name)]
        parts.append(NumCond(key, get, symbol, op, _number(threshold, ctx, f"{where}.{op_name}")))
    if not parts:
        raise ctx.fail(where, "expected at least one comparison, e.g. {'>=': 1000}")
    _check_satisfiable(parts, ctx, where)
    return parts[0] if len(parts) == 1 else AllCond(tuple(parts))


def _check_satisfiable(parts: list[Condition], ctx: Context, where: str) -> None:
    """Comparisons that no number can pass together ({'>': 10, '<': 5}) are a mistake."""
    comparisons = [p for p in parts if isinstance(p, NumCond)]
    low = max((c for c in comparisons if c.symbol in (">", ">=", "=")),
              key=lambda c: (c.threshold, c.symbol != ">="), default=None)  # fmt: skip
    high = min((c for c in comparisons if c.symbol in ("<", "<=", "=")),
               key=lambda c: (c.threshold, c.symbol == "<="), default=None)  # fmt: skip
    if low is None or high is None:
        return
    strict = low.symbol == ">" or high.symbol == "<"
    if low.threshold > high.threshold or (low.threshold == high.threshold and strict):
        raise ctx.fail(
            where,
            f"no number is {low.symbol} {low.threshold:g} and {high.symbol} "
            f"{high.threshold:g}, so this condition can never hold",
        )


def _extra(key: str, value: Any, ctx: Context, where: str) -> Condition:
    name = key[len("extra.") :]

    def get(f: Facts) -> object:
        return f.ticket.extra.get(name)

    if isinstance(value, bool):
        return BoolCond(key, get, value)
    if isinstance(value, Mapping | int | float):
        return _numeric(key, get, value, ctx, where)
    return InCond(key, get, frozenset(fold(v) for v in _strings(value, ctx, where)))


def _model_priority(value: Any, ctx: Context, where: str) -> Condition:
    levels = ctx.scale.levels
    if isinstance(value, Mapping):
        chosen = set(levels)
        for op_name, level in value.items():
            if op_name not in ("at_least", "at_most", ">=", "<="):
                raise ctx.fail(where, f"unknown comparison {op_name!r}; allowed: at_least, at_most")
            i = ctx.scale.index(ctx.level(level, f"{where}.{op_name}"))
            keep = levels[i:] if op_name in ("at_least", ">=") else levels[: i + 1]
            chosen &= set(keep)
        label = " and ".join(f"{k} {v}" for k, v in value.items())
        return ModelLevelCond(frozenset(chosen), label)
    names = [ctx.level(v, where) for v in _strings(value, ctx, where)]
    return ModelLevelCond(frozenset(names), f"in {names}")


def _business_hours(value: Any, ctx: Context, where: str) -> Condition:
    if isinstance(value, bool):
        name, inside, follow = ctx.business_calendar, value, True
    elif isinstance(value, Mapping) and set(value) <= {"calendar", "inside"}:
        name, inside, follow = (
            value.get("calendar"),
            _bool(value.get("inside", True), ctx, where),
            False,
        )
    else:
        raise ctx.fail(where, "expected true/false or {calendar: NAME, inside: true/false}")
    if name is None or name not in ctx.calendars:
        raise ctx.fail(
            where,
            f"calendar {name!r} is not defined; name one of {sorted(ctx.calendars)}",
        )
    return BusinessHoursCond(ctx.calendars[str(name)], inside, ctx.calendars if follow else None)


@dataclass(frozen=True)
class Actions:
    """What a fired rule does. `labels` reads like ("at_least urgent", "require_review")."""

    set: str | None = None
    at_least: str | None = None
    at_most: str | None = None
    policy: str | None = None
    require_review: bool = False
    tags: tuple[str, ...] = ()
    stop: bool = False
    labels: tuple[str, ...] = ()


def parse_then(node: object, ctx: Context, where: str) -> Actions:
    """Parse a `then` block; impossible combinations fail here, not at decision time."""
    if not isinstance(node, Mapping) or not node:
        raise ctx.fail(where, f"expected a mapping with some of {list(ACTION_KEYS)}")
    unknown = [k for k in node if k not in ACTION_KEYS]
    if unknown:
        raise ctx.fail(f"{where}.{unknown[0]}", f"unknown action; allowed: {list(ACTION_KEYS)}")
    lv = {
        k: ctx.level(node[k], f"{where}.{k}") for k in ("set", "at_least", "at_most") if k in node
    }
    if "set" in lv and len(lv) > 1:
        raise ctx.fail(where, "`set` cannot be combined with `at_least`/`at_most` in one rule")
    if (
        "at_least" in lv
        and "at_most" in lv
        and ctx.scale.index(lv["at_least"]) > ctx.scale.index(lv["at_most"])
    ):
        raise ctx.fail(where, f"at_least {lv['at_least']} is above at_most {lv['at_most']}")
    policy = node.get("policy")
    if policy is not None and policy not in ctx.policies:
        raise ctx.fail(
            f"{where}.policy", f"{policy!r} is not a policy; use one of {list(ctx.policies)}"
        )
    review = _bool(node.get("require_review", False), ctx, f"{where}.require_review")
    tags = tuple(_strings(node["tags"], ctx, f"{where}.tags")) if "tags" in node else ()
    stop = _bool(node.get("stop", False), ctx, f"{where}.stop")
    labels = [f"{k} {v}" for k, v in lv.items()]
    labels += [f"policy {policy}"] if policy else []
    labels += ["require_review"] if review else []
    labels += [f"tag {t}" for t in tags]
    labels += ["stop"] if stop else []
    return Actions(
        lv.get("set"), lv.get("at_least"), lv.get("at_most"), policy, review, tags, stop,
        tuple(labels),
    )  # fmt: skip
