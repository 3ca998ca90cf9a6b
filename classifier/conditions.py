"""Rule conditions: small objects that test one fact of a ticket and say why they matched.

Every condition's `test(facts)` returns the reason it holds (the matched phrase, the value
that met the threshold) or None. Facts are read lazily from `Facts`, so a ticket's text is
normalised and tokenised at most once per decision, however many rules look at it.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from classifier.calendars import BusinessCalendar
from classifier.decision import ModelOutput
from classifier.schema import Ticket
from classifier.text import Doc, Phrase, PhraseIndex, TextAtom, guess_language

Test = Callable[["Facts"], str | None]
_NUMBERS = (int, float)
_REASONS_LIMIT = 512  # reasons remembered per compiled numeric condition


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
class PhraseCond(Condition):
    """Any of the phrases occurs in `part` (text, subject or body)."""

    part: str
    phrases: tuple[Phrase, ...]
    cost = 3

    def __post_init__(self) -> None:
        # For whole-word phrases: key -> (position in the list, reason), first listed wins.
        first: dict[tuple[str, ...], tuple[int, str]] = {}
        for i, p in enumerate(self.phrases):
            if p.kind == "words":
                first.setdefault(p.key, (i, f"{self.part} matches {p.original!r}"))
        object.__setattr__(self, "_first", first)
        object.__setattr__(self, "_keys", frozenset(first))
        others = tuple((p, f"{self.part} matches {p.original!r}") for p in self.phrases
                       if p.kind != "words")  # fmt: skip
        object.__setattr__(self, "_others", others)

    def test(self, facts: Facts) -> str | None:
        """The first listed phrase found, e.g. "text matches 'nedbrud'"."""
        doc, index = facts.doc, facts.index
        keys: frozenset[tuple[str, ...]] = self._keys  # type: ignore[attr-defined]
        if keys:
            hits = keys.intersection(doc.found(index, self.part))
            if hits:
                first = self._first  # type: ignore[attr-defined]
                return min(first[k] for k in hits)[1]  # type: ignore[no-any-return]
        for phrase, reason in self._others:  # type: ignore[attr-defined]
            if phrase.matches(doc, index, self.part):
                return reason  # type: ignore[no-any-return]
        return None

    def compile(self) -> Test:
        """`test` with its lookups bound once."""
        keys: frozenset[tuple[str, ...]] = self._keys  # type: ignore[attr-defined]
        first: dict[tuple[str, ...], tuple[int, str]] = self._first  # type: ignore[attr-defined]
        others: tuple[tuple[Phrase, str], ...] = self._others  # type: ignore[attr-defined]
        part = self.part

        def test(facts: Facts) -> str | None:
            if keys:
                hits = keys.intersection(facts.found(part))
                if hits:
                    return min([first[k] for k in hits])[1]
            for phrase, reason in others:
                if phrase.matches(facts.doc, facts.index, part):
                    return reason
            return None

        return test

    def describe(self) -> str:
        """Describe."""
        shown = ", ".join(repr(p.original) for p in self.phrases[:4])
        more = ", ..." if len(self.phrases) > 4 else ""
        return f"{self.part} matches any of [{shown}{more}]"


@dataclass(frozen=True)
class RegexCond(Condition):
    """A regular expression (case-insensitive) finds a match in the raw subject/body."""

    part: str
    pattern: re.Pattern[str]
    cost = 5

    def test(self, facts: Facts) -> str | None:
        """The matched text, e.g. "body regex matched 'ERR-503'"."""
        t = facts.ticket
        raw = t.subject if self.part == "subject" else t.body if self.part == "body" else t.text
        match = self.pattern.search(raw)
        return f"{self.part} regex matched {match.group(0)!r}" if match else None

    def compile(self) -> Test:
        """`test` with its lookups bound once."""
        search, part, prefix = self.pattern.search, self.part, f"{self.part} regex matched "

        def test(facts: Facts) -> str | None:
            t = facts.ticket
            match = search(t.subject if part == "subject" else t.body if part == "body" else t.text)
            return None if match is None else prefix + repr(match.group(0))

        return test

    def describe(self) -> str:
        """Describe."""
        return f"{self.part} regex /{self.pattern.pattern}/"


@dataclass(frozen=True)
class TagsCond(Condition):
    """The ticket carries any (or all) of the tags, case-insensitively."""

    tags: frozenset[str]
    require_all: bool = False

    def test(self, facts: Facts) -> str | None:
        """The matching tags."""
        have = {t.casefold() for t in facts.ticket.tags}
        hit = have & self.tags
        if (self.require_all and hit == self.tags) or (not self.require_all and hit):
            return f"tags include {sorted(hit)}"
        return None

    def compile(self) -> Test:
        """`test`, answering at once for the many tickets without tags."""
        test = self.test

        def compiled(facts: Facts) -> str | None:
            return test(facts) if facts.ticket.tags else None

        return compiled

    def describe(self) -> str:
        """Describe."""
        return f"tags {'all' if self.require_all else 'any'} of {sorted(self.tags)}"


@dataclass(frozen=True)
class InCond(Condition):
    """A categorical fact (tier, channel, language...) is one of the values."""

    fact: str
    get: Callable[[Facts], object]
    values: frozenset[str]

    def test(self, facts: Facts) -> str | None:
        """E.g. "customer.tier = 'enterprise'"."""
        value = self.get(facts)
        if value is None:
            return None
        text = value if type(value) is str else str(value)
        if text in self.values or text.casefold() in self.values:
            return f"{self.fact} = {value!r}"
        return None

    def compile(self) -> Test:
        """`test` with its lookups bound once."""
        get, values, fact = self.get, self.values, self.fact

        def test(facts: Facts) -> str | None:
            value = get(facts)
            if value is None:
                return None
            text = value if type(value) is str else str(value)
            if text in values or text.casefold() in values:
                return f"{fact} = {value!r}"
            return None

        return test

    def describe(self) -> str:
        """Describe."""
        return f"{self.fact} in {sorted(self.values)}"


@dataclass(frozen=True)
class LanguageCond(InCond):
    """The ticket's language (given, or detected when not given) is one of the values."""

    cost = 2

    def test(self, facts: Facts) -> str | None:
        """E.g. "language = 'da' (detected)"."""
        reason = super().test(facts)
        if reason is not None and not facts.ticket.language:
            return reason + " (detected)"
        return reason

    def compile(self) -> Test:
        """The plain `test` (InCond's compiled form would drop "(detected)")."""
        return self.test


@dataclass(frozen=True)
class BoolCond(Condition):
    """A yes/no fact (customer.vip) has the given value; unknown never matches."""

    fact: str
    get: Callable[[Facts], object]
    value: bool

    def test(self, facts: Facts) -> str | None:
        """E.g. "customer.vip = True"."""
        got = self.get(facts)
        return f"{self.fact} = {got}" if got is not None and bool(got) is self.value else None

    def compile(self) -> Test:
        """`test` with its lookups bound once."""
        get, value, fact = self.get, self.value, self.fact

        def test(facts: Facts) -> str | None:
            got = get(facts)
            return f"{fact} = {got}" if got is not None and bool(got) is value else None

        return test

    def describe(self) -> str:
        """Describe."""
        return f"{self.fact} is {self.value}"


OPS: dict[str, tuple[str, Callable[[float, float], bool]]] = {
    ">": (">", operator.gt), "gt": (">", operator.gt),
    ">=": (">=", operator.ge), "gte": (">=", operator.ge), "at_least": (">=", operator.ge),
    "<": ("<", operator.lt), "lt": ("<", operator.lt),
    "<=": ("<=", operator.le), "lte": ("<=", operator.le), "at_most": ("<=", operator.le),
    "==": ("=", operator.eq), "eq": ("=", operator.eq),
    "!=": ("!=", operator.ne), "ne": ("!=", operator.ne),
}  # fmt: skip


@dataclass(frozen=True)
class NumCond(Condition):
    """A numeric fact compares to a threshold; a missing value never matches."""

    fact: str
    get: Callable[[Facts], object]
    symbol: str
    op: Callable[[float, float], bool]
    threshold: float

    def test(self, facts: Facts) -> str | None:
        """E.g. "customer.monthly_value = 1500 >= 1000"."""
        value = self.get(facts)
        if type(value) not in (int, float):  # None, bools and text never compare
            return None
        if self.op(value, self.threshold):  # type: ignore[arg-type]
            return f"{self.fact} = {value:g} {self.symbol} {self.threshold:g}"
        return None

    def compile(self) -> Test:
        """`test` with its lookups bound once and reasons for whole numbers remembered."""
        get, op, threshold = self.get, self.op, self.threshold
        numbers = _NUMBERS
        # The reason is f"{fact} = {value:g} {symbol} {threshold:g}"; only the value varies.
        prefix, suffix = f"{self.fact} = ", f" {self.symbol} {threshold:g}"
        # Counts (open tickets, affected users) repeat, and formatting the reason costs more
        # than the test. Only ints are kept: 0.0 == -0.0 but they format differently.
        reasons: dict[int, str] = {}

        def test(facts: Facts) -> str | None:
            value = get(facts)
            if type(value) not in numbers:  # None, bools and text never compare
                return None
            if not op(value, threshold):  # type: ignore[arg-type]
                return None
            if type(value) is not int:
                return prefix + format(value, "g") + suffix
            reason = reasons.get(value)
            if reason is None:
                reason = prefix + format(value, "g") + suffix
                if len(reasons) < _REASONS_LIMIT:
                    reasons[value] = reason
            return reason

        return test

    def describe(self) -> str:
        """Describe."""
        return f"{self.fact} {self.symbol} {self.threshold:g}"


@dataclass(frozen=True)
class ModelLevelCond(Condition):
    """The model's suggested level is one of `levels`; never matches without a model."""

    levels: frozenset[str]
    label: str

    def test(self, facts: Facts) -> str | None:
        """E.g. "model.priority = 'low'"."""
        model = facts.model
        if model is not None and model.priority in self.levels:
            return f"model.priority = {model.priority!r}"
        return None

    def describe(self) -> str:
        """Describe."""
        return f"model.priority {self.label}"


@dataclass(frozen=True)
class ConfidenceBelow(Condition):
    """The model's confidence is below a threshold; never matches without a model."""

    threshold: float

    def test(self, facts: Facts) -> str | None:
        """E.g. "model.confidence = 0.41 < 0.5"."""
        model = facts.model
        if model is not None and model.confidence < self.threshold:
            return f"model.confidence = {model.confidence:.2f} < {self.threshold:g}"
        return None

    def describe(self) -> str:
        """Describe."""
        return f"model.confidence < {self.threshold:g}"


@dataclass(frozen=True)
class BusinessHoursCond(Condition):
    """The ticket was created inside (or outside) a calendar's working hours.

    With `follow_customer`, a customer's own calendar (if the rule set defines it) is used
    instead of `calendar`.
    """

    calendar: BusinessCalendar
    inside: bool
    follow_customer: Mapping[str, BusinessCalendar] | None = None
    cost = 2

    def test(self, facts: Facts) -> str | None:
        """E.g. "created outside business hours of 'office'"."""
        calendar = self.calendar
        own = facts.ticket.customer.calendar
        if self.follow_customer is not None and own is not None:
            calendar = self.follow_customer.get(own, calendar)
        if calendar.is_open(facts.created) is self.inside:
            where = "inside" if self.inside else "outside"
            return f"created {where} business hours of {calendar.name!r}"
        return None

    def compile(self) -> Test:
        """`test` with its lookups bound once and its reasons made once per calendar."""
        default, inside, follow = self.calendar, self.inside, self.follow_customer
        where = "inside" if inside else "outside"
        reasons: dict[str, str] = {}

        def test(facts: Facts) -> str | None:
            calendar = default
            if follow is not None:
                own = facts.ticket.customer.calendar
                if own is not None:
                    calendar = follow.get(own, default)
            if calendar.is_open(facts.created) is not inside:
                return None
            reason = reasons.get(calendar.name)
            if reason is None:
                reason = reasons[calendar.name] = (
                    f"created {where} business hours of {calendar.name!r}"
                )
            return reason

        return test

    def describe(self) -> str:
        """Describe."""
        where = "inside" if self.inside else "outside"
        return f"created {where} business hours of {self.calendar.name!r}"


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
