"""char_wb n-gram lookup for many documents at once, by integer key instead of string slice.

sklearn's char_wb analyzer pads every whitespace-separated word with one space each side and
slices out each n-gram as a new Python string, then the vocabulary is probed once per slice: a
thousand-character ticket costs about four thousand slices and lookups. Here the characters of
the vocabulary are numbered 1..A (anything else gets a reserved number no vocabulary term
holds), an n-gram of at most `max_n` characters is the integer of its numbers written in
`bits`-wide digits, and all n-grams of a batch are built by shifts and found with one
`np.searchsorted` in the sorted vocabulary keys. The (row, column) multiset is exactly the
analyzer's plus vocabulary lookup (tests/unit/test_char_ngrams.py checks it, also on
arbitrary Unicode).

Why no per-word bookkeeping is needed: the padded words are laid end to end, so a window that
spans two words holds the two adjacent padding spaces, i.e. a space that is neither its first
nor its last character. No n-gram of one padded word looks like that, so such terms are left
out of the key table and spanning windows can never match. sklearn's quirk for a padded word
shorter than `min_n` (emitted once, whole) is a window that starts and ends with a space; only
a whole padded word has that shape, so those terms are kept and the short windows looked up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import TfidfVectorizer

Pairs = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]

# Key bits available in an int64 (the sign bit stays clear).
_KEY_BITS = 63
_NONE = np.zeros(0, dtype=np.int64)


def _producible(term: str) -> bool:
    # Whether char_wb can emit `term`: a substring of " " + word + " " for a non-empty word
    # without whitespace. Anything else never matches, in sklearn or here (see module doc).
    if not term or term == "  ":
        return False
    core = term[1:] if term[0] == " " else term
    core = core[:-1] if core and core[-1] == " " else core
    return not any(c.isspace() for c in core)


def _padded(words: list[str]) -> str:
    # The padded words end to end: " w1  w2  w3 " (empty for no words).
    return f" {'  '.join(words)} " if words else ""


@dataclass(frozen=True)
class CharNgrams:
    """A fitted char_wb vocabulary keyed by integers, for exact batch lookup.

    Attributes:
        preprocess: the vectorizer's own preprocessor (lowercase, strip_accents).
        min_n: the smallest n-gram length the vectorizer emits (normally).
        max_n: the largest n-gram length.
        shortest: the smallest window length to look up (< min_n only for sklearn's
            whole short word, which is at least 3 characters: a space, a character, a space).
        bits: width of one character number in a key.
        char_ids: per code point up to the largest in the vocabulary, its number (1..A),
            or the reserved number A + 1 for characters no vocabulary term holds.
        keys: sorted keys of the vocabulary terms char_wb can emit.
        columns: the column of each key in `keys`.
    """

    preprocess: Callable[[str], str]
    min_n: int
    max_n: int
    shortest: int
    bits: int
    char_ids: npt.NDArray[np.int64]
    keys: npt.NDArray[np.int64]
    columns: npt.NDArray[np.int64]

    @classmethod
    def from_fitted(cls, vectorizer: TfidfVectorizer) -> CharNgrams | None:
        """Read a fitted char_wb vectorizer; None when this lookup cannot reproduce it.

        Args:
            vectorizer: a fitted TfidfVectorizer (or CountVectorizer).

        Returns:
            The lookup, or None unless the analyzer is "char_wb" on "content" input with
            sklearn's own preprocessing and tokenizing (any lowercase/strip_accents), and
            every vocabulary n-gram fits a 63-bit key.
        """
        plain = (
            vectorizer.analyzer == "char_wb"
            and vectorizer.input == "content"
            and vectorizer.preprocessor is None
            and vectorizer.tokenizer is None
        )
        vocabulary = getattr(vectorizer, "vocabulary_", None)
        if not plain or vocabulary is None:
            return None
        min_n, max_n = (int(n) for n in vectorizer.ngram_range)
        # A whole short padded word is at least " x " (3 characters).
        shortest = min(min_n, 3) if min_n > 1 else 1
        terms: list[tuple[str, int]] = []
        for term, column in vocabulary.items():
            text = str(term)
            if not _producible(text) or len(text) > max_n:
                continue
            if len(text) < min_n and not (len(text) >= 3 and text[0] == text[-1] == " "):
                continue  # shorter than min_n and not a whole padded word: never emitted
            terms.append((text, int(column)))
        alphabet = sorted({ord(c) for text, _ in terms for c in text})
        bits = max(1, (len(alphabet) + 1).bit_length())  # numbers 1..A + 1 fit
        if max_n * bits > _KEY_BITS:
            return None
        unknown = len(alphabet) + 1
        char_ids = np.full((alphabet[-1] if alphabet else 0) + 2, unknown, dtype=np.int64)
        char_ids[np.asarray(alphabet, dtype=np.int64)] = np.arange(1, unknown, dtype=np.int64)
        keys = np.fromiter(
            (_key(text, char_ids, bits) for text, _ in terms), dtype=np.int64, count=len(terms)
        )
        order = np.argsort(keys, kind="stable")
        return cls(
            preprocess=vectorizer.build_preprocessor(),
            min_n=min_n,
            max_n=max_n,
            shortest=shortest,
            bits=bits,
            char_ids=char_ids,
            keys=keys[order],
            columns=np.asarray([c for _, c in terms], dtype=np.int64)[order],
        )

    def columns_of(self, document: str) -> npt.NDArray[np.int64]:
        """The column of every vocabulary n-gram occurrence in one document (any order)."""
        _, columns = self._lookup(_padded(self.preprocess(document).split()))
        return columns

    def pairs(self, documents: Sequence[str]) -> Pairs:
        """(row, column) of every vocabulary n-gram occurrence, one entry per occurrence.

        Args:
            documents: raw documents, as the vectorizer's `transform` receives them.

        Returns:
            Row numbers and columns (int64), the same multiset per row as sklearn's
            analyzer followed by the vocabulary lookup; order is unspecified.
        """
        texts = [_padded(self.preprocess(doc).split()) for doc in documents]
        starts, columns = self._lookup("".join(texts))
        if not len(columns):
            return _NONE, _NONE
        ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)))
        # A matching window lies inside one document: its start tells the row.
        return np.searchsorted(ends, starts, side="right").astype(np.int64), columns

    def _lookup(self, text: str) -> Pairs:
        # (start position, column) of every window of `text` that is a vocabulary key.
        if not text or not len(self.keys):
            return _NONE, _NONE
        # surrogatepass: a lone surrogate is one code point here as in `str` (never a key).
        points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        ids = self.char_ids[np.minimum(points, len(self.char_ids) - 1)]
        starts: list[npt.NDArray[np.int64]] = []
        columns: list[npt.NDArray[np.int64]] = []
        key = ids
        for n in range(1, min(self.max_n, len(ids)) + 1):
            if n > 1:
                key = (key[:-1] << self.bits) | ids[n - 1 :]
            if n < self.shortest:
                continue
            at = np.searchsorted(self.keys, key)
            np.minimum(at, len(self.keys) - 1, out=at)
            hit = np.flatnonzero(self.keys[at] == key)
            starts.append(hit)
            columns.append(self.columns[at[hit]])
        if not starts:
            return _NONE, _NONE
        return np.concatenate(starts), np.concatenate(columns)


def _key(text: str, char_ids: npt.NDArray[np.int64], bits: int) -> int:
    key = 0
    for c in text:
        key = (key << bits) | int(char_ids[ord(c)])
    return key

