"""Text normalisation and phrase matching for rules, in any language and script.

Normalised text is casefolded (German `ß` matches `ss`) and accent-folded (`é` -> `e`,
`ø` -> `o`, `č` -> `c`). Phrases match whole words, so `down` does not match `download`; a `*`
at the start or end of a word matches inside words, which compound-forming languages need
(`*ausfall` matches `Serverausfall`, `*katko` matches `sähkökatko`). Phrases in scripts written
without spaces (Chinese, Japanese, Thai...) match as substrings: those scripts have no word
boundaries to honour. Punctuation separates words, so `e-mail` matches `e mail` and `e-mail`.
HTML tags and entities, soft hyphens and zero-width characters are seen through first
(`classifier/plain_text.py`): `security&nbsp;<b>breach</b>` matches `security breach`.

Matching is built for speed, because serving runs it on every request: a ticket is normalised
once (Latin-1 through a byte table, other characters run by run, both exactly as the general
algorithm folds them); a `PhraseIndex` over every phrase of a rule set then finds all phrase
words in one Aho-Corasick pass over the text with punctuation made spaces, and checks
multi-word phrases only when all of their words occur. Text that stays outside Latin-1 after
folding (other scripts) is split into words instead. Wildcard phrases compile to regexes that
never backtrack over a word they have passed, so even a 50 KB ticket of one long word is
matched in time linear in its length (the earlier regexes took seconds on such a ticket).
Combining marks count as letters there, as they do for whole-word phrases.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cache
from typing import Literal

from ahocorasick_rs import AhoCorasick, Implementation

from classifier.folding import normalise
from classifier.plain_text import plain_text, without_invisible

__all__ = [
    "Doc", "Phrase", "PhraseIndex", "PhraseMatcher", "TextAtom", "compile_phrase",
    "guess_language", "normalise", "words",
]  # fmt: skip

_UNSPACED = re.compile(
    "[\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff"
    "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)
_ASCII_SPLIT = {c: " " for c in range(128) if not (chr(c).isalnum() or chr(c) == "_")}
# The same as a bytes table: bytes.translate is several times faster than str.translate.
_ASCII_SPLIT_BYTES = bytes(32 if c in _ASCII_SPLIT else c for c in range(256))
# Latin-1 punctuation and symbols become spaces too; Latin-1 letters stay (and are not ASCII).
_LATIN1_SPLIT_BYTES = bytes(c if chr(c).isalnum() or chr(c) == "_" else 32 for c in range(256))


@cache
def _word_re() -> re.Pattern[str]:
    # \w misses spacing combining marks (Devanagari vowel signs...), which belong to words.
    ranges: list[str] = []
    start = prev = -2
    for cp in range(0x300, 0x10000):
        if unicodedata.category(chr(cp)).startswith("M"):
            if cp != prev + 1:
                if start >= 0:
                    ranges.append(f"{chr(start)}-{chr(prev)}")
                start = cp
            prev = cp
    ranges.append(f"{chr(start)}-{chr(prev)}")
    return re.compile("[\\w" + "".join(ranges) + "]+")


def words(normalised: str) -> list[str]:
    """Words of already normalised text (letters, digits, marks; anything else separates)."""
    if normalised.isascii():
        return normalised.encode("ascii").translate(_ASCII_SPLIT_BYTES).decode("ascii").split()
    return _word_re().findall(normalised)


TextAtom = tuple[str, ...] | str  # a whole-word phrase's words, or a literal some phrase needs
_ASCII_WORD = re.compile(r"\w+", re.ASCII)


class Doc:
    """A ticket's subject and body, normalised and split into words once, computed lazily.

    Parts are `text` (subject and body), `subject` and `body`.
    """

    __slots__ = ("_found", "_joined", "_list", "_norm", "_spaced", "_words", "body", "subject")

    def __init__(self, subject: str, body: str) -> None:
        """Wrap raw subject and body; nothing is computed until asked for."""
        self.subject = subject
        self.body = body
        self._norm: dict[str, str] = {}
        self._words: dict[str, frozenset[str]] = {}
        self._list: dict[str, list[str]] = {}
        self._joined: dict[str, str] = {}
        self._spaced: dict[str, str | None] = {}
        self._found: dict[tuple[int, str], frozenset[TextAtom]] = {}

    def norm(self, part: str = "text") -> str:
        """The normalised part, as a reader sees it (no HTML markup, no invisible marks)."""
        hit = self._norm.get(part)
        if hit is None:
            raw = (
                self.subject
                if part == "subject"
                else self.body
                if part == "body"
                else f"{self.subject}\n{self.body}"
            )
            hit = self._norm[part] = normalise(plain_text(raw))
        return hit

    def word_list(self, part: str = "text") -> list[str]:
        """The words of the part in order (do not modify the list)."""
        hit = self._list.get(part)
        if hit is None:
            hit = self._list[part] = words(self.norm(part))
        return hit

    def words(self, part: str = "text") -> frozenset[str]:
        """The set of words in the part."""
        hit = self._words.get(part)
        if hit is None:
            hit = self._words[part] = frozenset(self.word_list(part))
        return hit

    def joined(self, part: str = "text") -> str:
        """The part's words joined by single spaces, padded: " word word "."""
        hit = self._joined.get(part)
        if hit is None:
            hit = self._joined[part] = " " + " ".join(self.word_list(part)) + " "
        return hit

    def spaced(self, part: str = "text") -> str | None:
        """The normalised part with each non-word character a space, padded, if words are ASCII.

        "Word, word!" becomes " word  word  ".
        """
        hit = self._spaced.get(part, "")
        if hit == "":
            norm = self.norm(part)
            hit = None
            if norm.isascii():
                hit = " " + norm.encode("ascii").translate(_ASCII_SPLIT_BYTES).decode("ascii") + " "
            else:  # e.g. Spanish, where ¿ and ¡ stay: punctuation of Latin-1 is spaced too
                try:
                    spaced = norm.encode("latin-1").translate(_LATIN1_SPLIT_BYTES)
                except UnicodeEncodeError:
                    spaced = b"\xff"  # another script: split into words instead
                if spaced.isascii():
                    hit = " " + spaced.decode("ascii") + " "
            self._spaced[part] = hit
        return hit

    def found(self, index: PhraseIndex, part: str = "text") -> frozenset[TextAtom]:
        """Phrases and literals of `index` present in the part; scanned once per index and part."""
        key = (id(index), part)
        hit = self._found.get(key)
        if hit is None:
            hit = self._found[key] = index.scan(self, part)
        return hit


Kind = Literal["words", "wildcard", "substring"]


@dataclass(frozen=True)
class Phrase:
    """One phrase as written in a rules file, compiled for matching.

    Attributes:
        original: the phrase as written (reported as the reason a rule fired).
        kind: `words` (whole words), `wildcard` (`*` inside words) or `substring`.
        key: the phrase's words for `words` phrases, else the normalised phrase.
        pattern: regex over normalised text for `wildcard` phrases.
        needle: a literal that must occur for a wildcard to match (a cheap pre-check).
    """

    original: str
    kind: Kind
    key: tuple[str, ...]
    pattern: re.Pattern[str] | None = None
    needle: str = ""

    def matches(self, doc: Doc, index: PhraseIndex, part: str = "text") -> bool:
        """Whether this phrase occurs in the given part of the document."""
        if self.kind == "words":
            return self.key in doc.found(index, part)
        text = doc.norm(part)
        if self.kind == "substring":
            return self.key[0] in text
        return self.needle in text and self.pattern is not None and bool(self.pattern.search(text))


def compile_phrase(phrase: str) -> Phrase:
    """Compile one phrase; raises ValueError naming the problem if it cannot match anything."""
    norm = normalise(without_invisible(phrase)).strip()
    if _UNSPACED.search(norm):
        return Phrase(phrase, "substring", (norm,))
    if "*" not in norm:
        key = tuple(words(norm))
        if not key:
            raise ValueError(f"phrase {phrase!r} has no letters or digits")
        return Phrase(phrase, "words", key)
    pieces = _wildcard_pieces(norm)
    if not pieces:
        raise ValueError(f"phrase {phrase!r} has no letters or digits")
    pattern = re.compile(_wildcard_regex(pieces))
    return Phrase(phrase, "wildcard", (norm,), pattern, max((w for w, _, _ in pieces), key=len))


# One word of a wildcard phrase: its letters, whether it starts a word of the text (no `*`
# before it) and whether it ends one (no `*` after it).
_Piece = tuple[str, bool, bool]


def _wildcard_pieces(norm: str) -> list[_Piece]:
    """The words of a normalised wildcard phrase, each matched within one word of the text.

    Consecutive pieces match consecutive words of the text. Punctuation inside a phrase word
    separates words too (`*e-mail` is `*e` then `mail`), and a lone `*` adds nothing.
    """
    pieces: list[_Piece] = []
    split = [(word, words(word)) for word in norm.split()]
    split = [(word, letters) for word, letters in split if letters]
    for k, (word, letters) in enumerate(split):
        last_word = k == len(split) - 1
        open_end = word.endswith("*") or (last_word and norm.endswith("*"))
        for i, piece in enumerate(letters):
            starts = i > 0 or not word.startswith("*")
            ends = i < len(letters) - 1 or not open_end
            pieces.append((piece, starts, ends))
    return pieces


@cache
def _letter_classes() -> tuple[str, str]:
    """A letter (word character or combining mark) and a non-letter, as regex classes."""
    letter = _word_re().pattern[:-1]
    return letter, "[^" + letter[1:]


def _wildcard_regex(pieces: list[_Piece]) -> str:
    """A regex for the pieces that runs in time linear in the text's length.

    Each piece consumes its whole word and the separators after it are consumed
    possessively, so the regex never tries another split of a word it has passed; the
    only search inside a word (for a piece with `*` before it) is in an atomic group. A
    search starts at a word's start, except a first piece with `*` before it and none
    after (or alone): that one starts where its letters are and needs no scan.
    """
    letter, other = _letter_classes()
    parts: list[str] = []
    for i, (letters, starts, ends) in enumerate(pieces):
        alone_or_suffix = i == 0 and not starts and (ends or len(pieces) == 1)
        lead = "" if starts or alone_or_suffix else f"{letter}*?"
        if i == 0 and not alone_or_suffix:
            lead = f"(?<!{letter})" + lead
        last = i == len(pieces) - 1
        tail = f"(?!{letter})" if ends else "" if last else f"{letter}*+"
        body = lead + re.escape(letters) + tail
        parts.append(f"(?>{body})" if not starts and not alone_or_suffix else body)
    return f"{other}++".join(parts)


class PhraseIndex:
    """All phrases of a rule set, so one pass over a ticket's text finds them all.

    `scan` reports whole-word phrases (by their words) and, for wildcard and substring
    phrases, the literal every match contains (`Phrase.needle` / the phrase itself), so rules
    can be skipped when none of their phrases can match. Normalised ASCII text (nearly every
    ticket in Latin-script languages) is searched without splitting it into words:
    punctuation becomes spaces and one Aho-Corasick automaton finds every phrase word as
    " word " and every literal in a single pass. Other text is split into words.
    """

    def __init__(self, phrases: Iterable[Phrase]) -> None:
        """Index the phrases' words and literals."""
        phrases = list(phrases)
        keys = {p.key for p in phrases if p.kind == "words"}
        self._literals = frozenset(p.needle if p.kind == "wildcard" else p.key[0]
                                   for p in phrases if p.kind != "words")  # fmt: skip
        self._single = frozenset(k[0] for k in keys if len(k) == 1)
        multi: dict[str, list[tuple[tuple[str, ...], frozenset[str], str, re.Pattern[str]]]] = {}
        for key in sorted(keys):
            if len(key) > 1:
                # On spaced text (see `Doc.spaced`) the words are adjacent when only spaces
                # separate them.
                spaced = re.compile(" " + " +".join(map(re.escape, key)) + " ")
                multi.setdefault(key[0], []).append(
                    (key, frozenset(key), f" {' '.join(key)} ", spaced)
                )
        self._multi = multi
        self._multi_first = frozenset(multi)
        self._firsts = self._single | self._multi_first
        # Every word any phrase uses: intersecting a ticket's word list with this is cheaper
        # than building the ticket's word set, and still tells which phrase words occur.
        self._vocab = self._firsts.union(*(needed for m in multi.values() for _, needed, _, _ in m))
        self._word_of = {f" {w} ": w for w in sorted(self._vocab)}
        self._multi_first_spaced = frozenset(f" {w} " for w in self._multi_first)
        # Literals of word characters occur in the spaced text exactly as in the normalised
        # text, so the automaton finds them too; other ASCII literals are looked up directly
        # (non-ASCII ones never occur in ASCII text).
        ascii_words = sorted(x for x in self._literals if _ASCII_WORD.fullmatch(x))
        self._odd_literals = tuple(
            x for x in sorted(self._literals) if x.isascii() and x not in ascii_words
        )
        patterns = [*self._word_of, *ascii_words]
        # What each pattern found means: a single-word phrase, or a literal.
        self._atom_of: dict[str, TextAtom] = {f" {w} ": (w,) for w in self._single}
        self._atom_of.update((x, x) for x in ascii_words)
        # A DFA is the fastest of the automata for a vocabulary of a few hundred words.
        self._automaton = (
            AhoCorasick(patterns, store_patterns=True, implementation=Implementation.DFA)
            if patterns
            else None
        )

    def scan(self, doc: Doc, part: str = "text") -> frozenset[TextAtom]:
        """Every indexed phrase (its words) and literal that occurs in the part."""
        automaton = self._automaton
        if automaton is None:
            return _NOTHING
        spaced = doc.spaced(part)
        if spaced is None:
            norm = doc.norm(part)
            found: set[TextAtom] = {x for x in self._literals if x in norm}
            return self._with_phrases(
                doc, part, None, found, self._vocab.intersection(doc.word_list(part))
            )
        hits = set(automaton.find_matches_as_strings(spaced, overlapping=True))
        found = {self._atom_of[h] for h in hits if h in self._atom_of}
        if self._odd_literals:
            norm = doc.norm(part)
            found.update(x for x in self._odd_literals if x in norm)
        if not hits.isdisjoint(self._multi_first_spaced):
            word_of = self._word_of
            present = {word_of[h] for h in hits if h in word_of}
            return self._with_phrases(doc, part, spaced, found, present)
        return frozenset(found) if found else _NOTHING

    def _with_phrases(
        self,
        doc: Doc,
        part: str,
        spaced: str | None,
        found: set[TextAtom],
        present: AbstractSet[str],
    ) -> frozenset[TextAtom]:
        """`found` plus the phrases whose words are all `present` and adjacent in the part."""
        found.update((w,) for w in present & self._single)
        for first in present & self._multi_first:
            for key, needed, needle, pattern in self._multi[first]:
                if needed <= present and (
                    pattern.search(spaced) is not None
                    if spaced is not None
                    else needle in doc.joined(part)
                ):
                    found.add(key)
        return frozenset(found) if found else _NOTHING


_NOTHING: frozenset[TextAtom] = frozenset()


class PhraseMatcher:
    """A standalone matcher for a list of phrases (the rule engine shares one index instead)."""

    def __init__(self, phrases: Iterable[str]) -> None:
        """Compile the phrases; raises ValueError for a phrase without letters or digits."""
        self.phrases = tuple(compile_phrase(p) for p in phrases)
        self.index = PhraseIndex(self.phrases)

    def search(self, text: str | Doc, part: str = "text") -> str | None:
        """The first phrase (in list order) found in the text, as written, or None."""
        doc = text if isinstance(text, Doc) else Doc("", text)
        for phrase in self.phrases:
            if phrase.matches(doc, self.index, part):
                return phrase.original
        return None


# Frequent function words per language: enough to tell the helpdesk languages apart in a
# ticket of a sentence or more; ties go to the language listed first.
def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS: dict[str, frozenset[str]] = {
    "en": _wordset("the and is are was have has with this that for you not please our"),
    "de": _wordset("der die das und ist nicht ich wir sie mit bitte haben auf ein eine zu"),
    "da": _wordset("og ikke jeg vi det er har med til af en et pa som venligst kan"),
    "fi": _wordset("ja ei on se ole etta mutta kun han me te ovat oli voi kanssa"),
    "nl": _wordset("de het een en is niet ik wij we met voor zijn dat van op graag"),
    "sl": _wordset("in je ni da se na za sem smo z pri kot lahko prosim tudi"),
    "sv": _wordset("och inte jag vi det ar har med till av som kan ett pa"),
    "fr": _wordset("le la les et est pas je nous avec pour une des que sur"),
    "es": _wordset("el la los y es no yo con para una que por las del"),
}


def guess_language(present: Iterable[str], minimum: int = 2) -> str | None:
    """The language whose function words occur most among `present` words, or None.

    Args:
        present: words of normalised text (accents folded, so "på" is "pa").
        minimum: how many distinct function words must occur before guessing at all.
    """
    seen = present if isinstance(present, frozenset) else frozenset(present)
    best, best_count = None, minimum - 1
    for lang, words_ in STOPWORDS.items():
        count = len(words_ & seen)
        if count > best_count:
            best, best_count = lang, count
    return best
