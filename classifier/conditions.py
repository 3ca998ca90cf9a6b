"""Rule conditions: small objects that test one fact of a ticket and say why they matched.

Every condition's `test(facts)` returns the reason it holds (the matched phrase, the value
that met the threshold) or None. Facts are read lazily from `Facts`, so a ticket's text is
normalised and tokenised at most once per decision, however many rules look at it.

This module holds the facts, the base class and the combinators (all, any, not); the
leaf conditions live in `text_conditions` (phrases, regex, tags) and
`attribute_conditions` (categories, flags, numbers, the model's view, business hours).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from classifier.decision import ModelOutput
from classifier.schema import Ticket
from classifier.text import Doc, PhraseIndex, TextAtom, guess_language

Test = Callable[["Facts"], str | None]


class Facts:
    """What conditions may look at for one decision, computed on first use."""

    __slots__ = ("_doc", "_found", "_language", "created", "index", "model", "ticket")

    def __init__(
        self, ticket: Ticket, model: ModelOutput | None, index: PhraseIndex, created: datetime
    ) -> None:
        """Wrap a ticket, the model's output (None when absent) and the rule set's index."""
        self.ticket = ticket
        self.model = model
        self.index = index
        self.created = created
        self._doc: Doc | None = None
        self._language: str | None = ""
        self._found: frozenset[TextAtom] | None = None

    def found(self, part: str = "text") -> frozenset[TextAtom]:
        """Phrases (and literals) of the rule set's index present in a part of the text."""
        if part == "text":
            hit = self._found
            if hit is None:
                hit = self._found = self.doc.found(self.index)
            return hit
        return self.doc.found(self.index, part)

    @property
    def language(self) -> str | None:
        """The ticket's language as given, else detected from its function words."""
        if self._language == "":
            given = self.ticket.language
            self._language = given if given else guess_language(self.doc.words())
        return self._language

    @property
    def doc(self) -> Doc:
        """The ticket's normalised, tokenised text."""
        if self._doc is None:
            self._doc = Doc(self.ticket.subject, self.ticket.body)
        return self._doc


class Condition:
    """Base class: `test` returns a reason string when the condition holds, else None."""

    cost = 1  # cheap conditions run first inside `all`/`any`

    def test(self, facts: Facts) -> str | None:  # pragma: no cover - abstract
        """The reason this condition holds for these facts, or None."""
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - abstract
        """A short human description, used in `not` reasons and `rules explain`."""
        raise NotImplementedError

    def compile(self) -> Test:
        """A function equivalent to `test`, built once at load time for decide()'s hot loop."""
        return self.test


@dataclass(frozen=True)
class Always(Condition):
    """A rule without `when`: it always fires."""

    def test(self, facts: Facts) -> str | None:
        """Always holds."""
        return "always"

    def describe(self) -> str:
        """Describe."""
        return "always"


@dataclass(frozen=True)
class AllCond(Condition):
    """Every child holds; reasons are joined with "and"."""

    children: tuple[Condition, ...]

    @property
    def cost(self) -> int:  # type: ignore[override]
        """Sum of the children's costs."""
        return sum(c.cost for c in self.children)

    def test(self, facts: Facts) -> str | None:
        """All reasons, or None at the first child that fails."""
        reasons: list[str] = []
        for child in self.children:
            reason = child.test(facts)
            if reason is None:
                return None
            reasons.append(reason)
        return " and ".join(reasons)

    def compile(self) -> Test:
        """The children's compiled tests, chained."""
        kids = tuple(c.compile() for c in self.children)
        if len(kids) == 2:  # the common case, without a loop
            a, b = kids

            def test2(facts: Facts) -> str | None:
                first = a(facts)
                if first is None:
                    return None
                second = b(facts)
                return None if second is None else f"{first} and {second}"

            return test2

        def test(facts: Facts) -> str | None:
            reasons: list[str] = []
            for kid in kids:
                reason = kid(facts)
                if reason is None:
                    return None
                reasons.append(reason)
            return " and ".join(reasons)

        return test

    def describe(self) -> str:
        """Describe."""
        return " and ".join(_wrap(c) for c in self.children)


@dataclass(frozen=True)
class AnyCond(Condition):
    """At least one child holds; the first that does gives the reason."""

    children: tuple[Condition, ...]

    @property
    def cost(self) -> int:  # type: ignore[override]
        """Sum of the children's costs."""
        return sum(c.cost for c in self.children)

    def test(self, facts: Facts) -> str | None:
        """The first child's reason."""
        for child in self.children:
            reason = child.test(facts)
            if reason is not None:
                return reason
        return None

    def compile(self) -> Test:
        """The children's compiled tests, first holding one wins."""
        kids = tuple(c.compile() for c in self.children)
        if len(kids) == 2:  # the common case, without a loop
            a, b = kids

            def test2(facts: Facts) -> str | None:
                reason = a(facts)
                return b(facts) if reason is None else reason

            return test2

        def test(facts: Facts) -> str | None:
            for kid in kids:
                reason = kid(facts)
                if reason is not None:
                    return reason
            return None

        return test

    def describe(self) -> str:
        """Describe."""
        return " or ".join(_wrap(c) for c in self.children)


@dataclass(frozen=True)
class NotCond(Condition):
    """The child does not hold."""

    child: Condition

    @property
    def cost(self) -> int:  # type: ignore[override]
        """The child's cost."""
        return self.child.cost

    def test(self, facts: Facts) -> str | None:
        """E.g. "not (customer.tier in ['free'])"."""
        return f"not ({self.child.describe()})" if self.child.test(facts) is None else None

    def compile(self) -> Test:
        """The child's compiled test, negated; the reason is the same every time."""
        kid, reason = self.child.compile(), f"not ({self.child.describe()})"

        def test(facts: Facts) -> str | None:
            return reason if kid(facts) is None else None

        return test

    def describe(self) -> str:
        """Describe."""
        return f"not ({self.child.describe()})"


def _wrap(cond: Condition) -> str:
    text = cond.describe()
    return f"({text})" if isinstance(cond, AllCond | AnyCond) else text


def cheapest_first(children: Sequence[Condition]) -> tuple[Condition, ...]:
    """Children ordered by cost (stable), so expensive text tests run only when needed."""
    return tuple(sorted(children, key=lambda c: c.cost))
