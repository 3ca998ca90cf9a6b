"""Rule conditions on ticket attributes: categories, flags, numbers, the model, the clock."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from classifier.calendars import BusinessCalendar, find_calendar
from classifier.conditions import Condition, Facts, Test
from classifier.folding import normalise

_NUMBERS = (int, float)


def fold(text: str) -> str:
    """Casefolded and accent-folded like phrases: "KRITIC\u030cNO" and "kritično" are "kriticno"."""
    return normalise(text)


_REASONS_LIMIT = 512  # reasons remembered per compiled numeric condition


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
        values = self.values
        if text in values or text.casefold() in values:
            return f"{self.fact} = {value!r}"
        if not text.isascii() and fold(text) in values:  # decomposed accents
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
            if not text.isascii() and fold(text) in values:  # decomposed accents
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


def _shown_below(value: float, threshold: float) -> str:
    """`value` with two decimals, or as many more as it takes to still read below `threshold`."""
    for digits in range(2, 8):
        shown = f"{value:.{digits}f}"
        if float(shown) < threshold:
            return shown
    return repr(value)


@dataclass(frozen=True)
class ConfidenceBelow(Condition):
    """The model's confidence is below a threshold; never matches without a model."""

    threshold: float

    def test(self, facts: Facts) -> str | None:
        """E.g. "model.confidence = 0.41 < 0.5"; 0.497 stays "0.497", not "0.50 < 0.5"."""
        model = facts.model
        if model is not None and model.confidence < self.threshold:
            shown = _shown_below(model.confidence, self.threshold)
            return f"model.confidence = {shown} < {self.threshold:g}"
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
            calendar = find_calendar(self.follow_customer, own) or calendar
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
                    calendar = find_calendar(follow, own) or default
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
