"""Rule conditions on the ticket's words: phrases, regular expressions and tags."""

from __future__ import annotations

from dataclasses import dataclass

from classifier.conditions import Condition, Facts, Test
from classifier.rule_regex import RuleRegex
from classifier.text import Phrase


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
    """A regular expression (case-insensitive, RE2) finds a match in the raw subject/body."""

    part: str
    pattern: RuleRegex
    cost = 5

    def test(self, facts: Facts) -> str | None:
        """The matched text, e.g. "body regex matched 'ERR-503'"."""
        t = facts.ticket
        raw = t.subject if self.part == "subject" else t.body if self.part == "body" else t.text
        found = self.pattern.search(raw)
        return None if found is None else f"{self.part} regex matched {found!r}"

    def compile(self) -> Test:
        """`test` with its lookups bound once."""
        search, part, prefix = self.pattern.search, self.part, f"{self.part} regex matched "

        def test(facts: Facts) -> str | None:
            t = facts.ticket
            found = search(t.subject if part == "subject" else t.body if part == "body" else t.text)
            return None if found is None else prefix + repr(found)

        return test

    def describe(self) -> str:
        """Describe."""
        return f"{self.part} regex /{self.pattern.source}/"


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
