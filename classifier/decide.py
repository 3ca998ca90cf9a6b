"""decide(): the model's suggestion, bounded and overridden by rules, with SLA due times.

Semantics (deterministic; rules run in file order):

- The starting level is the model's suggestion, or the scale's default level when there is no
  model (source "default").
- `set` replaces the starting level; when several rules `set`, the last one in file order wins.
- `at_least` raises a floor (the highest floor wins), `at_most` lowers a ceiling (the lowest
  ceiling wins). The final level is the set/started level clamped into [floor, ceiling].
- Conflict: when a floor is above a ceiling (`at_least urgent` from one rule, `at_most high`
  from another), the floor wins, whatever the order: under-prioritising costs more than
  over-prioritising, and an `at_least` is usually a promise (security, VIP) while an
  `at_most` is a budget.
- `policy`: the last rule that chooses a policy wins; otherwise `default_policy`.
- `require_review`: true if any fired rule requires review. `tags`: added in order, once each.
- `stop`: no rules after this one are evaluated.
- The source is "rule" (with `rule_id`, the rule whose action fixed the final level) only
  when the final level differs from the starting level; otherwise "model" or "default".
- Shadow mode: the final level is what the rules alone decide (as if there were no model, so
  `model.*` conditions do not match) and `shadow_model_priority` is the model's suggestion.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from classifier.conditions import Facts
from classifier.decision import Decision, FiredRule, ModelOutput, Source
from classifier.errors import InvalidTicket
from classifier.rules import NO_CEILING, Rule, RuleSet
from classifier.schema import Ticket
from classifier.sla import due_times, frozen_builder

_new_decision = frozen_builder(Decision)
_FIRED_CACHE_LIMIT = 256  # distinct reasons remembered per rule (numeric values vary)


@dataclass(frozen=True)
class RuleTrace:
    """One rule's evaluation for `rules explain`: fired or not, and why."""

    rule: Rule
    fired: bool
    reason: str
    skipped: bool = False  # after a `stop`


# Creation times outside these years are typing errors; near the year 9999 an SLA due time
# would not even fit in a datetime.
EARLIEST_CREATED = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_CREATED = datetime(3000, 1, 1, tzinfo=UTC)


def plausible(moment: datetime) -> bool:
    """Whether a (timezone-aware) creation time lies in the years SLA clocks accept."""
    return EARLIEST_CREATED <= moment < LATEST_CREATED


def _start(ticket: Ticket, now: datetime | None) -> datetime:
    moment = ticket.created_at or now or datetime.now(UTC)
    moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    if not plausible(moment):
        raise InvalidTicket(
            "created_at",
            f"{moment.isoformat()} is not a plausible creation time; use a time from "
            f"{EARLIEST_CREATED.year} to {LATEST_CREATED.year - 1}, e.g. 2026-11-24T09:30:00Z",
        )
    return moment


def trace_rules(
    ticket: Ticket,
    model_output: ModelOutput | None,
    ruleset: RuleSet,
    *,
    now: datetime | None = None,
) -> Iterator[RuleTrace]:
    """Evaluate every rule in order, yielding whether it fired and why (for explanations)."""
    facts = Facts(ticket, model_output, ruleset.index, _start(ticket, now))
    stopped = False
    for rule in ruleset.rules:
        if stopped:
            yield RuleTrace(rule, False, "not evaluated: an earlier rule stopped evaluation", True)
            continue
        reason = rule.when.test(facts)
        if reason is None:
            yield RuleTrace(rule, False, f"no match: needs {rule.when.describe()}")
        else:
            stopped = rule.then.stop
            yield RuleTrace(rule, True, reason)


def _record(rule: Rule, reason: str) -> FiredRule:
    """A new FiredRule, remembered on the rule (reasons repeat; the cache is bounded)."""
    record = FiredRule(rule.id, reason, rule.then.labels)
    if len(rule.fired_cache) < _FIRED_CACHE_LIMIT:
        rule.fired_cache[reason] = record
    return record


def _clamp(
    ruleset: RuleSet,
    start: tuple[str, str | None],
    floor_by: tuple[int, str],
    ceiling_by: tuple[int, str],
) -> tuple[str, str | None]:
    """The level clamped into [floor, ceiling] (ranks) and the rule that fixed it.

    A floor beats a lower ceiling.
    """
    (level, level_rule), (floor, floor_rule), (ceiling, ceiling_rule) = start, floor_by, ceiling_by
    rank, names = ruleset.rank, ruleset.scale.levels
    if ceiling != NO_CEILING and rank[level] > ceiling:
        level, level_rule = names[ceiling], ceiling_rule
    if floor >= 0 and rank[level] < floor:
        level, level_rule = names[floor], floor_rule
    return level, level_rule


def _candidates(facts: Facts, ruleset: RuleSet) -> Iterable[int]:
    """Indexes of the rules that can fire, in file order (gates.py tells which cannot)."""
    gated_by = ruleset.gated_by
    if not gated_by:
        return range(len(ruleset.plan))
    gates = [gated_by[k] for k in facts.found() if k in gated_by] if ruleset.text_gated else []
    for gate in ruleset.fact_gates:
        rules = gate(facts)
        if rules:
            gates.append(rules)
    return sorted(ruleset.ungated.union(*gates)) if gates else ruleset.ungated_order


_Result = tuple[str, str | None, str | None, bool, list[str], list[FiredRule]]


def _run_rules(facts: Facts, ruleset: RuleSet, start_level: str) -> _Result:
    """Run the rules that can fire, in file order, and clamp the level (module docstring)."""
    plan, tests = ruleset.plan, ruleset.tests
    # The fired rules' effects, kept in locals (see the module docstring for the semantics).
    # Floors and ceilings are ranks; -1 and NO_CEILING mean "none yet".
    level, level_rule = start_level, None
    floor, floor_rule = -1, ""
    ceiling, ceiling_rule = NO_CEILING, ""
    policy: str | None = None
    review = False
    tags: list[str] = []
    fired: list[FiredRule] = []
    for i in _candidates(facts, ruleset):
        reason = tests[i](facts)
        if reason is None:
            continue
        rule, set_level, at_least, at_most, chosen_policy, wants_review, add, stop = plan[i]
        record = rule.fired_cache.get(reason)
        fired.append(record if record is not None else _record(rule, reason))
        if set_level is not None:
            level, level_rule = set_level, rule.id
        if at_least > floor:
            floor, floor_rule = at_least, rule.id
        if at_most < ceiling:
            ceiling, ceiling_rule = at_most, rule.id
        if chosen_policy is not None:
            policy = chosen_policy
        if wants_review:
            review = True
        for tag in add:
            if tag not in tags:
                tags.append(tag)
        if stop:
            break
    level, level_rule = _clamp(
        ruleset, (level, level_rule), (floor, floor_rule), (ceiling, ceiling_rule)
    )
    return level, level_rule, policy, review, tags, fired


def decide(
    ticket: Ticket,
    model_output: ModelOutput | None,
    ruleset: RuleSet,
    *,
    now: datetime | None = None,
    degraded: str | None = None,
    shadow: bool = False,
) -> Decision:
    """Combine the model's suggestion with the rules and the SLA policy into a Decision.

    Args:
        ticket: the ticket at creation time.
        model_output: the model's view, or None when no model is available.
        ruleset: a loaded rule set.
        now: the clock for tickets without `created_at` (defaults to the current time).
        degraded: why the model was not used, copied into the Decision.
        shadow: decide from rules alone and report the model's suggestion on the side.

    Returns:
        The Decision, with every fired rule and its reason and the SLA due times.

    Raises:
        InvalidTicket: the customer names a calendar the rule set does not define, or
            created_at is before 1900 or after 2999.
    """
    scale = ruleset.scale
    model = None if shadow else model_output
    if model is not None:
        start_level = model.priority
        if start_level not in scale.levels:
            start_level = scale.parse(start_level)
    else:
        start_level = scale.default
    created = _start(ticket, now)
    facts = Facts(ticket, model, ruleset.index, created)
    level, level_rule, policy, review, tags, fired = _run_rules(facts, ruleset, start_level)

    source: Source
    if level != start_level:
        source, rule_id = "rule", level_rule
    else:
        source, rule_id = ("model" if model is not None else "default"), None

    sla = None
    chosen = policy or ruleset.default_policy
    if chosen:
        sla = due_times(
            ruleset.policies[chosen], level, ruleset.calendars, created, ticket.customer.calendar
        )
    return _new_decision(
        {
            "priority": level,
            "source": source,
            "rule_id": rule_id,
            "model": model_output,
            "rules_fired": tuple(fired),
            "sla": sla,
            "review_required": review,
            "tags_added": tuple(tags),
            "degraded": degraded,
            "shadow_model_priority": model_output.priority if shadow and model_output else None,
        },
    )
