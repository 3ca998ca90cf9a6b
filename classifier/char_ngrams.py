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

import functools
import sys
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import TfidfVectorizer

Pairs = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]

# Key bits available in an int64 (the sign bit stays clear).
_KEY_BITS = 63
_NONE = np.zeros(0, dtype=np.int64)
# Characters per lookup in a batch (a few hundred KB of window keys).
_CHUNK = 1 << 14


def _producible(term: str) -> bool:
    # Whether char_wb can emit `term`: a substring of " " + word + " " for a non-empty word
    # without whitespace. Anything else never matches, in sklearn or here (see module doc).
    if not term or term == "  ":
        return False
    core = term[1:] if term[0] == " " else term
    core = core[:-1] if core and core[-1] == " " else core
    return not core or core.split() == [core]  # i.e. no whitespace in it


@functools.cache
def _combining() -> npt.NDArray[np.bool_]:
    # Per code point up to the last combining one (plus one False): has it a non-zero
    # canonical combining class? Scanned once per process (~0.1 s), from Python's own tables.
    marks = [p for p in range(sys.maxunicode + 1) if unicodedata.combining(chr(p))]
    table = np.zeros(marks[-1] + 2, dtype=np.bool_)
    table[marks] = True
    return table


def _strip_accents_unicode(text: str) -> str:
    # sklearn's strip_accents_unicode (NFKD, then drop combining characters; ASCII text has
    # none) with the dropping done in numpy: a Python loop over the characters cost more
    # than all of the n-gram lookup.
    if text.isascii():
        return text
    points = np.frombuffer(
        unicodedata.normalize("NFKD", text).encode("utf-32-le", "surrogatepass"), np.uint32
    )
    table = _combining()
    kept = points[~table[np.minimum(points, len(table) - 1)]]
    return kept.tobytes().decode("utf-32-le", "surrogatepass")


def _preprocessor(vectorizer: TfidfVectorizer) -> Callable[[str], str]:
    # The vectorizer's preprocessing (lowercase, then accents), with the faster equivalent of
    # strip_accents="unicode"; any other setting uses sklearn's own.
    if vectorizer.strip_accents != "unicode":
        preprocess: Callable[[str], str] = vectorizer.build_preprocessor()
        return preprocess
    _combining()  # built now, not in the first request
    if vectorizer.lowercase:
        return lambda doc: _strip_accents_unicode(doc.lower())
    return _strip_accents_unicode


def _padded(words: list[str]) -> str:
    # The padded words end to end: " w1  w2  w3 " (empty for no words).
    return f" {'  '.join(words)} " if words else ""


@dataclass(frozen=True)
class CharNgrams:
    """A fitted char_wb vocabulary keyed by integers, for exact batch lookup.

    Attributes:
        preprocess: the vectorizer's preprocessing (lowercase, strip_accents).
        min_n: the smallest n-gram length the vectorizer emits (normally).
        max_n: the largest n-gram length.
        shortest: the smallest window length to look up (< min_n only for sklearn's
            whole short word, which is at least 3 characters: a space, a character, a space).
        bits: width of one character number in a key.
        char_ids: per code point up to the largest in the vocabulary, its number (1..A),
            or the reserved number A + 1 for characters no vocabulary term holds.
        table: key -> column of every vocabulary term char_wb can emit.
    """

    preprocess: Callable[[str], str]
    min_n: int
    max_n: int
    shortest: int
    bits: int
    char_ids: npt.NDArray[np.int64]
    table: IntTable

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
        alphabet = sorted(map(ord, set("".join(text for text, _ in terms))))
        bits = max(1, (len(alphabet) + 1).bit_length())  # numbers 1..A + 1 fit
        if max_n * bits > _KEY_BITS:
            return None
        unknown = len(alphabet) + 1
        char_ids = np.full((alphabet[-1] if alphabet else 0) + 2, unknown, dtype=np.int64)
        char_ids[np.asarray(alphabet, dtype=np.int64)] = np.arange(1, unknown, dtype=np.int64)
        keys = _keys([text for text, _ in terms], char_ids, bits)
        table = IntTable.build(keys, np.asarray([c for _, c in terms], dtype=np.int64))
        return cls(
            preprocess=_preprocessor(vectorizer),
            min_n=min_n,
            max_n=max_n,
            shortest=shortest,
            bits=bits,
            char_ids=char_ids,
            table=table,
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
        rows: list[npt.NDArray[np.int64]] = []
        columns: list[npt.NDArray[np.int64]] = []
        first = 0
        while first < len(texts):
            # Documents in chunks of about _CHUNK characters: the arrays of one chunk stay in
            # cache, which halves the cost of a large batch.
            last, size = first, 0
            while last < len(texts) and (size < _CHUNK or last == first):
                size += len(texts[last])
                last += 1
            starts, found = self._lookup("".join(texts[first:last]))
            if len(found):
                lengths = np.fromiter(map(len, texts[first:last]), np.int64, last - first)
                # A matching window lies inside one document: its start tells the row.
                row_of = np.repeat(np.arange(first, last, dtype=np.int64), lengths)
                rows.append(row_of[starts])
                columns.append(found)
            first = last
        if not rows:
            return _NONE, _NONE
        return np.concatenate(rows), np.concatenate(columns)

    def _lookup(self, text: str) -> Pairs:
        # (start position, column) of every window of `text` that is a vocabulary key.
        if not text:
            return _NONE, _NONE
        # surrogatepass: a lone surrogate is one code point here as in `str` (never a key).
        points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        size = len(points)
        # Windows running past the end read the unknown number, so they never match.
        ids = np.empty(size + self.max_n - 1, dtype=np.int64)
        self.char_ids.take(points, out=ids[:size], mode="clip")  # beyond the table: unknown
        ids[size:] = self.char_ids[-1]
        # Row j holds the keys of all windows of length shortest + j, one per start position.
        windows = np.empty((self.max_n - self.shortest + 1, size), dtype=np.int64)
        if self.shortest == 1:
            windows[0] = ids[:size]
        key = ids[:size]
        for n in range(2, self.max_n + 1):
            if n < self.shortest:
                key = (key << self.bits) | ids[n - 1 : n - 1 + size]
                continue
            row = windows[n - self.shortest]
            np.left_shift(key, self.bits, out=row)
            np.bitwise_or(row, ids[n - 1 : n - 1 + size], out=row)
            key = row
        found, columns = self.table.find(windows.reshape(-1))
        return found % size, columns


@dataclass(frozen=True)
class IntTable:
    """A hash table from positive int64 keys to columns, looked up for many keys in numpy.

    A binary search over tens of thousands of keys costs ~17 scattered reads per n-gram. Here
    each key gets the slot its hash names if it is the first to want it; the few that collide
    go to a small sorted overflow list. A lookup reads one slot, and only queries whose slot
    holds another key also search the overflow: no probing loop, no Python per key.

    Attributes:
        keys: the slots (0 = empty); the size is a power of two, at least twice the keys.
        columns: the column stored with each slot's key.
        shift: 64 minus the number of slot bits (the hash takes the high bits).
        overflow_keys: sorted keys that lost their slot to another key.
        overflow_columns: the column of each overflow key.
    """

    keys: npt.NDArray[np.int64]
    columns: npt.NDArray[np.int64]
    shift: int
    overflow_keys: npt.NDArray[np.int64]
    overflow_columns: npt.NDArray[np.int64]

    @classmethod
    def build(cls, keys: npt.NDArray[np.int64], columns: npt.NDArray[np.int64]) -> IntTable:
        """A table holding the distinct positive `keys` with their `columns`."""
        slot_bits = max(2, (2 * len(keys)).bit_length())
        table = np.zeros(1 << slot_bits, dtype=np.int64)
        values = np.zeros(1 << slot_bits, dtype=np.int64)
        shift = 64 - slot_bits
        slots = _hash(keys, shift)
        taken, first = np.unique(slots, return_index=True)
        table[taken] = keys[first]
        values[taken] = columns[first]
        left = np.ones(len(keys), dtype=bool)
        left[first] = False
        order = np.argsort(keys[left])
        return cls(table, values, shift, keys[left][order], columns[left][order])

    def find(self, queries: npt.NDArray[np.int64]) -> Pairs:
        """(position in `queries`, column) of every query that is a key (any order)."""
        slots = _hash(queries, self.shift)
        held = self.keys.take(slots)
        missed = held != queries
        hit = np.flatnonzero(~missed)
        positions = [hit]
        columns = [self.columns.take(slots.take(hit))]
        if len(self.overflow_keys):
            # An empty slot means: not a key. Another key in it: maybe in the overflow.
            missed &= held != 0
            other = np.flatnonzero(missed)
            wanted = queries.take(other)
            at = np.searchsorted(self.overflow_keys, wanted)
            np.minimum(at, len(self.overflow_keys) - 1, out=at)
            found = np.flatnonzero(self.overflow_keys.take(at) == wanted)
            positions.append(other.take(found))
            columns.append(self.overflow_columns.take(at.take(found)))
        return np.concatenate(positions), np.concatenate(columns)


def _hash(keys: npt.NDArray[np.int64], shift: int) -> npt.NDArray[np.int64]:
    # Fibonacci hashing: the high bits of key * 2^64 / golden ratio (wrapping uint64).
    product = keys.view(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    product >>= np.uint64(shift)
    return product.view(np.int64)


def _keys(texts: list[str], char_ids: npt.NDArray[np.int64], bits: int) -> npt.NDArray[np.int64]:
    # The key of every text, a whole vocabulary at once: its characters' numbers as digits.
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    joined = "".join(texts).encode("utf-32-le", "surrogatepass")
    ids = char_ids[np.frombuffer(joined, dtype=np.uint32).astype(np.int64)]
    starts = np.cumsum(lengths) - lengths
    keys = np.zeros(len(texts), dtype=np.int64)
    for position in range(int(lengths.max(initial=0))):
        longer = lengths > position
        keys[longer] = (keys[longer] << bits) | ids[starts[longer] + position]
    return keys
