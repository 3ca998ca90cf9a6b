"""Rule gates: facts at least one of which holds whenever a rule's condition holds.

decide() evaluates a rule only when it has no gate, or when one of its gate's atoms is present
in the ticket; the rest cannot fire and are skipped without calling them. Atoms are found for
all rules at once:

- text atoms (`classifier.text.TextAtom`): a whole-word phrase's words, or a literal every
  match of a wildcard or substring phrase contains, found by one scan of the ticket's text;
- `FactAtom`s: a categorical value (`channel = phone`), a yes/no value, a numeric comparison
  (`customer.open_tickets >= 12`) or a tag, looked up once per fact and ticket
  (`FactGate`), remembered per value because values repeat (tiers, counts).

A gate is a necessary condition only, so skipping is exact: the rules that run are tested as
before and produce the same reasons.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field

from classifier.conditions import (
    OPS,
    AllCond,
    AnyCond,
    BoolCond,
    Condition,
    Facts,
    InCond,
    LanguageCond,
    NumCond,
    PhraseCond,
    TagsCond,
)

Atom = Hashable
_NONE: frozenset[int] = frozenset()
_CACHE_LIMIT = 1024  # values remembered per fact
_OP_OF = dict(OPS.values())


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


class FactGate:
    """The rules gated by the atoms of one fact of one kind that hold for a ticket."""

    __slots__ = ("_cache", "_get", "_kind", "_rules", "_tests", "fact")

    def __init__(self, atoms: Iterable[FactAtom], gated_by: Mapping[Atom, frozenset[int]]) -> None:
        """Index the atoms (all of one kind and fact) and the rules each gates."""
        atoms = list(atoms)
        self.fact = atoms[0].fact
        self._kind = atoms[0].kind
        self._get = atoms[0].get
        # "in"/"tag": value -> rules; "bool": True/False -> rules; "num": comparisons.
        self._rules: dict[Hashable, frozenset[int]] = {a.value: gated_by[a] for a in atoms}
        self._tests = tuple(
            (_OP_OF[a.value[0]], a.value[1], gated_by[a])  # type: ignore[index]
            for a in atoms
            if a.kind == "num"
        )
        self._cache: dict[object, frozenset[int]] = {}

    def rules(self, facts: Facts) -> frozenset[int]:
        """Indexes of the rules gated by an atom of this fact that holds for the ticket."""
        kind = self._kind
        if kind == "tag":
            hits = [self._rules.get(t.casefold(), _NONE) for t in facts.ticket.tags]
            return _NONE.union(*hits) if hits else _NONE
        value = self._get(facts) if self._get is not None else None
        if value is None:
            return _NONE
        if kind == "bool":
            return self._rules.get(bool(value), _NONE)
        if kind == "in":
            key: object = value if type(value) is str else str(value)
        elif type(value) in (int, float):
            key = value  # equal numbers compare alike, so they share an entry
        else:
            return _NONE  # bools and text never compare
        hit = self._cache.get(key)
        if hit is None:
            hit = self._compute(key)
            if len(self._cache) < _CACHE_LIMIT:
                self._cache[key] = hit
        return hit

    def _compute(self, key: object) -> frozenset[int]:
        if self._kind == "in":
            text = str(key)
            return self._rules.get(text, _NONE) | self._rules.get(text.casefold(), _NONE)
        hits = [rules for op, threshold, rules in self._tests if op(key, threshold)]  # type: ignore[arg-type]
        return _NONE.union(*hits) if hits else _NONE


def fact_gates(gated_by: Mapping[Atom, frozenset[int]]) -> tuple[FactGate, ...]:
    """One `FactGate` per fact and kind among the atoms of `gated_by`."""
    groups: dict[tuple[str, str], list[FactAtom]] = {}
    for atom in gated_by:
        if isinstance(atom, FactAtom):
            groups.setdefault((atom.kind, atom.fact), []).append(atom)
    return tuple(FactGate(atoms, gated_by) for _, atoms in sorted(groups.items()))
