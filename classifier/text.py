"""Text normalisation and phrase matching for rules, in any language and script.

Normalised text is casefolded (so German `ß` matches `ss`), accent-folded (`é` -> `e`,
`ø` -> `o`, `č` -> `c`) and split into word tokens. Phrases are matched on whole tokens, so
`down` does not match `download`; a `*` at the start or end of a phrase matches inside words,
which is what compound-forming languages need (`*ausfall` matches `Serverausfall`,
`*katko` matches `sähkökatko`). Phrases in scripts written without spaces (Chinese, Japanese,
Thai...) are matched as substrings, because those scripts have no word boundaries to honour.

Matching is built for speed: a ticket is normalised and tokenised once, then a `PhraseIndex`
over every phrase of a rule set finds all matching phrases with a few set and dict lookups.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

# Letters that NFKD does not decompose but that users type without the accent anyway.
_FOLD = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l", "þ": "th", "ð": "d", "ı": "i"}
)
# Latin, Greek and Cyrillic accents after NFKD; marks of other scripts are part of letters.
_ACCENTS = re.compile("[\u0300-\u036f]+")
# Scripts written without spaces between words: phrases in them match as substrings.
_UNSPACED = re.compile(
    "[\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff"
    "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)
SEPARATOR = "\n"  # token between subject and body, so no phrase spans the two


@cache
def _word_re() -> re.Pattern[str]:
    # \w misses spacing combining marks (Devanagari vowel signs...), which belong to words.
    marks: list[str] = []
    start = prev = -2
    for cp in range(0x300, 0x10000):
        if unicodedata.category(chr(cp)).startswith("M"):
            if cp != prev + 1:
                if start >= 0:
                    marks.append(f"{chr(start)}-{chr(prev)}")
                start = cp
            prev = cp
    marks.append(f"{chr(start)}-{chr(prev)}")
    return re.compile("[\\w" + "".join(marks) + "]+")


def normalise(text: str) -> str:
    """Casefold and accent-fold text so phrases match regardless of case and accents.

    Args:
        text: any text, in any language or script.

    Returns:
        The folded text; ASCII stays ASCII and keeps its length.

    Example:
        >>> normalise("Varnostni INCIDENT: Straße, Škoda, høj")
        'varnostni incident: strasse, skoda, hoj'
    """
    folded = text.casefold()
    if folded.isascii():
        return folded
    return _ACCENTS.sub("", unicodedata.normalize("NFKD", folded)).translate(_FOLD)


def tokens(normalised: str) -> list[str]:
    """Word tokens of already normalised text (letters, digits, marks; punctuation splits)."""
    return _word_re().findall(normalised)


@dataclass
class Doc:
    """A ticket's subject and body, normalised and tokenised once, with lazy per-field views.

    Attributes:
        subject: raw subject.
        body: raw body.
    """

    subject: str
    body: str
    _cache: dict[str, object] = field(default_factory=dict, repr=False)

    def norm(self, part: str = "text") -> str:
        """Normalised `text` (subject + body), `subject` or `body`."""
        key = "n:" + part
        hit = self._cache.get(key)
        if hit is None:
            if part == "subject":
                hit = normalise(self.subject)
            elif part == "body":
                hit = normalise(self.body)
            else:
                hit = self.norm("subject") + SEPARATOR + self.norm("body")
            self._cache[key] = hit
        return hit  # type: ignore[return-value]

    def tokens(self, part: str = "text") -> list[str]:
        """Word tokens of `text`, `subject` or `body`; `text` has a separator token between."""
        key = "t:" + part
        hit = self._cache.get(key)
        if hit is None:
            if part == "text":
                hit = [*self.tokens("subject"), SEPARATOR, *self.tokens("body")]
            else:
                hit = tokens(self.norm(part))
            self._cache[key] = hit
        return hit  # type: ignore[return-value]

    def found(self, index: PhraseIndex, part: str = "text") -> frozenset[tuple[str, ...]]:
        """Token phrases of `index` that occur in `part`; scanned once per index and part."""
        key = f"f:{id(index)}:{part}"
        hit = self._cache.get(key)
        if hit is None:
            hit = index.scan(self.tokens(part))
            self._cache[key] = hit
        return hit  # type: ignore[return-value]


Kind = Literal["tokens", "wildcard", "substring"]


@dataclass(frozen=True)
class Phrase:
    """One phrase as written in a rules file, compiled for matching.

    Attributes:
        original: the phrase as written (reported as the reason a rule fired).
        kind: `tokens` (whole words), `wildcard` (`*` inside words) or `substring`.
        key: token tuple for `tokens` phrases, else the normalised phrase.
        pattern: compiled regex over normalised text for `wildcard` phrases.
    """

    original: str
    kind: Kind
    key: tuple[str, ...]
    pattern: re.Pattern[str] | None = None

    def matches(self, doc: Doc, index: PhraseIndex, part: str = "text") -> bool:
        """Whether this phrase occurs in the given part of the document."""
        if self.kind == "tokens":
            return self.key in doc.found(index, part)
        if self.kind == "substring":
            return self.key[0] in doc.norm(part)
        return self.pattern is not None and self.pattern.search(doc.norm(part)) is not None


def compile_phrase(phrase: str) -> Phrase:
    """Compile one phrase; raises ValueError naming the problem if it cannot match anything."""
    norm = normalise(phrase).strip()
    if _UNSPACED.search(norm):
        return Phrase(phrase, "substring", (norm,))
    if "*" in norm:
        inside = _word_re().pattern[:-1] + "*"
        words = []
        for word in norm.split():
            core = r"\W+".join(map(re.escape, tokens(word)))
            if core:
                words.append(
                    (inside if word.startswith("*") else "")
                    + core
                    + (inside if word.endswith("*") else "")
                )
        if not words:
            raise ValueError(f"phrase {phrase!r} has no letters or digits")
        body = r"\W+".join(words)
        return Phrase(phrase, "wildcard", (norm,), re.compile(rf"(?<!\w){body}(?!\w)"))
    toks = tuple(tokens(norm))
    if not toks:
        raise ValueError(f"phrase {phrase!r} has no letters or digits")
    return Phrase(phrase, "tokens", toks)


class PhraseIndex:
    """All whole-word phrases of a rule set, so one pass over a ticket's tokens finds them all."""

    def __init__(self, phrases: Iterable[Phrase]) -> None:
        """Index the `tokens` phrases; other kinds are matched directly by `Phrase.matches`."""
        keys = {p.key for p in phrases if p.kind == "tokens"}
        self._single = frozenset(k[0] for k in keys if len(k) == 1)
        multi: dict[str, list[tuple[str, ...]]] = {}
        for key in keys:
            if len(key) > 1:
                multi.setdefault(key[0], []).append(key)
        self._multi = multi
        self._firsts = self._single | frozenset(multi)

    def scan(self, toks: Sequence[str]) -> frozenset[tuple[str, ...]]:
        """Every indexed phrase that occurs in the token sequence."""
        hits = self._firsts.intersection(toks)
        if not hits:
            return frozenset()
        found: set[tuple[str, ...]] = {(t,) for t in hits if t in self._single}
        if hits - self._single or any(t in self._multi for t in hits):
            multi = self._multi
            for i, tok in enumerate(toks):
                cands = multi.get(tok)
                if cands is not None:
                    for key in cands:
                        if tuple(toks[i : i + len(key)]) == key:
                            found.add(key)
        return frozenset(found)


class PhraseMatcher:
    """A standalone matcher for a list of phrases (the rule engine shares one index instead)."""

    def __init__(self, phrases: Iterable[str]) -> None:
        """Compile the phrases; raises ValueError for a phrase without letters or digits."""
        self.phrases = tuple(compile_phrase(p) for p in phrases)
        self.index = PhraseIndex(self.phrases)

    def search(self, text: str | Doc) -> str | None:
        """The first phrase (in list order) found in the text, as written, or None."""
        doc = text if isinstance(text, Doc) else Doc("", text)
        for phrase in self.phrases:
            if phrase.matches(doc, self.index):
                return phrase.original
        return None
