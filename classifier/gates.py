"""Rule gates: facts at least one of which holds whenever a rule's condition holds.

decide() evaluates a rule only when it has no gate, or when one of its gate's atoms is present
in the ticket; the rest cannot fire and are skipped without calling them. Atoms are found for
all rules at once:

- text atoms (`classifier.text.TextAtom`): a whole-word phrase's words, or a literal every
  match of a wildcard or substring phrase contains, found by one scan of the ticket's text;
- `FactAtom`s: a categorical value (`channel = phone`), a yes/no value, a numeric comparison
  (`customer.open_tickets >= 12`) or a tag, looked up once per fact and ticket
  (a `FactGate`), remembered per value because values repeat (tiers, counts).

A gate is a necessary condition only, so skipping is exact: the rules that run are tested as
before and produce the same reasons.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field

from classifier.attribute_conditions import OPS, BoolCond, InCond, LanguageCond, NumCond, fold
from classifier.conditions import AllCond, AnyCond, Condition, Facts
from classifier.text_conditions import PhraseCond, TagsCond

Atom = Hashable
_NONE: frozenset[int] = frozenset()
_CACHE_LIMIT = 1024  # values remembered per fact
_OP_OF = dict(OPS.values())
_NUMBERS = (int, float)


@dataclass(frozen=True)
class FactAtom:
    """A test of one fact: `kind` is "in", "bool", "num" or "tag"; equal tests are one atom."""

    kind: str
    fact: str
    value: Hashable  # the value, True/False, (symbol, threshold) or the tag
    get: Callable[[Facts], object] | None = field(default=None, compare=False, repr=False)


def required_atoms(cond: Condition) -> frozenset[Atom] | None:
    """Atoms of which at least one is present whenever `cond` holds; None when unknown."""
    if isinstance(cond, PhraseCond):
        return frozenset(
            p.key if p.kind == "words" else p.needle if p.kind == "wildcard" else p.key[0]
            for p in cond.phrases
        )
    if isinstance(cond, AllCond):
        gates = [g for g in map(required_atoms, cond.children) if g is not None]
        if not gates:
            return None
        # Text atoms are rare in tickets, so a gate of phrases skips the most rules.
        return min(gates, key=lambda g: (any(isinstance(a, FactAtom) for a in g), len(g)))
    if isinstance(cond, AnyCond):
        union: set[Atom] = set()
        for child in cond.children:
            gate = required_atoms(child)
            if gate is None:
                return None
            union |= gate
        return frozenset(union)
    return _fact_atoms(cond)


def _fact_atoms(cond: Condition) -> frozenset[Atom] | None:
    # The language may need detecting from the text: not worth doing for every ticket.
    if isinstance(cond, InCond) and not isinstance(cond, LanguageCond):
        return frozenset(FactAtom("in", cond.fact, v, cond.get) for v in cond.values)
    if isinstance(cond, BoolCond):
        return frozenset({FactAtom("bool", cond.fact, cond.value, cond.get)})
    if isinstance(cond, NumCond) and cond.threshold == cond.threshold:  # NaN never gates
        return frozenset({FactAtom("num", cond.fact, (cond.symbol, cond.threshold), cond.get)})
    if isinstance(cond, TagsCond):
        return frozenset(FactAtom("tag", "tags", t) for t in cond.tags)
    return None


FactGate = Callable[[Facts], frozenset[int]]


def fact_gate(atoms: list[FactAtom], gated_by: Mapping[Atom, frozenset[int]]) -> FactGate:
    """The rules gated by those atoms (all of one kind and fact) that hold for a ticket."""
    kind, get = atoms[0].kind, atoms[0].get
    # "in"/"tag": value -> rules; "bool": True/False -> rules.
    by_value: dict[Hashable, frozenset[int]] = {a.value: gated_by[a] for a in atoms}
    lookup = by_value.get
    cache: dict[object, frozenset[int]] = {}
    if kind == "tag":

        def tag_rules(facts: Facts) -> frozenset[int]:
            tags = facts.ticket.tags
            if not tags:
                return _NONE
            return _NONE.union(*[lookup(t.casefold(), _NONE) for t in tags])

        return tag_rules
    if get is None:  # pragma: no cover - every fact atom but a tag has a getter
        raise ValueError(f"{atoms[0].fact}: a fact gate needs the fact's getter")
    if kind == "bool":

        def bool_rules(facts: Facts) -> frozenset[int]:
            value = get(facts)
            return _NONE if value is None else lookup(bool(value), _NONE)

        return bool_rules
    if kind == "in":

        def in_rules(facts: Facts) -> frozenset[int]:
            value = get(facts)
            if value is None:
                return _NONE
            text = value if type(value) is str else str(value)
            hit = cache.get(text)
            if hit is None:
                hit = lookup(text, _NONE) | lookup(text.casefold(), _NONE)
                if not text.isascii():  # decomposed accents, as InCond does
                    hit |= lookup(fold(text), _NONE)
                if len(cache) < _CACHE_LIMIT:
                    cache[text] = hit
            return hit

        return in_rules
    tests = [(_OP_OF[a.value[0]], a.value[1], gated_by[a]) for a in atoms]  # type: ignore[index]
    if len(tests) == 1:  # one comparison: cheaper than remembering (amounts rarely repeat)
        ((op, threshold, rules),) = tests

        def one_num_rule(facts: Facts) -> frozenset[int]:
            value = get(facts)
            if type(value) not in _NUMBERS:  # None, bools and text never compare
                return _NONE
            return rules if op(value, threshold) else _NONE  # type: ignore[arg-type]

        return one_num_rule

    def num_rules(facts: Facts) -> frozenset[int]:
        value = get(facts)
        if type(value) not in _NUMBERS:  # None, bools and text never compare
            return _NONE
        hit = cache.get(value)  # equal numbers compare alike, so they share an entry
        if hit is None:
            hits = [rules for op, threshold, rules in tests if op(value, threshold)]  # type: ignore[arg-type]
            hit = _NONE.union(*hits) if hits else _NONE
            if len(cache) < _CACHE_LIMIT:
                cache[value] = hit
        return hit

    return num_rules


def fact_gates(gated_by: Mapping[Atom, frozenset[int]]) -> tuple[FactGate, ...]:
    """One `FactGate` per fact and kind among the atoms of `gated_by`."""
    groups: dict[tuple[str, str], list[FactAtom]] = {}
    for atom in gated_by:
        if isinstance(atom, FactAtom):
            groups.setdefault((atom.kind, atom.fact), []).append(atom)
    return tuple(fact_gate(atoms, gated_by) for _, atoms in sorted(groups.items()))
