"""Word uni- and bigram lookup for many documents at once, by token number instead of string.

sklearn's word analyzer builds every bigram as a new string ("a b") and looks it up in the
vocabulary. Here each token is looked up once as a number; a bigram is then the integer
`first * tokens + second`, found for the whole batch with one `np.searchsorted`. The result is
the same (row, column) list as the analyzer plus vocabulary lookup, at about two thirds of the
cost for a batch of 1,000 tickets (tests/unit/test_word_ngrams.py checks both agree).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import TfidfVectorizer

SKLEARN_WORD_PATTERN = r"(?u)\b\w\w+\b"
# The same tokens: a run of word characters always starts and ends at a word boundary, so the
# \b assertions never reject a match of \w\w+ (and the scan never starts inside a run of two
# or more). About 20% cheaper per document.
_TOKENS = re.compile(r"\w\w+")

Pairs = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]


def numbered_tokens(
    documents: Sequence[str], split: Callable[[str], list[str]], numbers: Mapping[str, int]
) -> Pairs:
    """(row, number) of every token `split` finds, in order; -1 for a token `numbers` lacks.

    One pass over all tokens of the batch (a C-level map of `numbers.get`), not one per document.
    """
    tokens: list[str] = []
    lengths: list[int] = []
    for doc in documents:
        found = split(doc)
        tokens.extend(found)
        lengths.append(len(found))
    ids = np.fromiter(map(numbers.get, tokens, repeat(-1)), dtype=np.int64, count=len(tokens))
    return np.repeat(np.arange(len(documents), dtype=np.int64), lengths), ids


def fast_tokenizer(vectorizer: TfidfVectorizer) -> Callable[[str], list[str]]:
    """The vectorizer's tokenizer, with an equivalent cheaper regex for sklearn's default."""
    if vectorizer.tokenizer is None and vectorizer.token_pattern == SKLEARN_WORD_PATTERN:
        return _TOKENS.findall
    tokenize: Callable[[str], list[str]] = vectorizer.build_tokenizer()
    return tokenize


@dataclass(frozen=True)
class WordNgrams:
    """A fitted word (1, 1) or (1, 2) gram vocabulary keyed by token numbers.

    Attributes:
        tokenize: document -> tokens (lowercased first when `lowercase`).
        lowercase: whether documents are lowercased before tokenizing.
        token_ids: every token that occurs in a vocabulary entry -> its number.
        unigram_columns: per token number, its column, or -1 if only part of bigrams.
        bigram_keys: sorted `first * len(token_ids) + second` of every vocabulary bigram.
        bigram_columns: the column of each key in `bigram_keys`.
    """

    tokenize: Callable[[str], list[str]]
    lowercase: bool
    token_ids: Mapping[str, int]
    unigram_columns: npt.NDArray[np.int64]
    bigram_keys: npt.NDArray[np.int64]
    bigram_columns: npt.NDArray[np.int64]

    @classmethod
    def from_fitted(cls, vectorizer: TfidfVectorizer) -> WordNgrams | None:
        """Read a fitted plain word vectorizer; None when its analyzer does more than this."""
        plain = (
            vectorizer.analyzer == "word"
            and vectorizer.input == "content"
            and vectorizer.preprocessor is None
            and vectorizer.tokenizer is None
            and vectorizer.token_pattern == SKLEARN_WORD_PATTERN  # tokens hold no spaces
            and vectorizer.stop_words is None
            and vectorizer.strip_accents is None
            and tuple(vectorizer.ngram_range) in ((1, 1), (1, 2))
        )
        if not plain:
            return None
        token_ids: dict[str, int] = {}
        parts_of: list[tuple[list[str], int]] = []
        for term, column in vectorizer.vocabulary_.items():
            parts = str(term).split(" ")
            if len(parts) > 2:
                return None
            for part in parts:
                token_ids.setdefault(part, len(token_ids))
            parts_of.append((parts, int(column)))
        count = len(token_ids)
        unigrams = np.full(count, -1, dtype=np.int64)
        keys: list[int] = []
        columns: list[int] = []
        for parts, column in parts_of:
            if len(parts) == 1:
                unigrams[token_ids[parts[0]]] = column
            else:
                keys.append(token_ids[parts[0]] * count + token_ids[parts[1]])
                columns.append(column)
        order = np.argsort(np.asarray(keys, dtype=np.int64), kind="stable")
        return cls(
            tokenize=fast_tokenizer(vectorizer),
            lowercase=bool(vectorizer.lowercase),
            token_ids=token_ids,
            unigram_columns=unigrams,
            bigram_keys=np.asarray(keys, dtype=np.int64)[order],
            bigram_columns=np.asarray(columns, dtype=np.int64)[order],
        )

    def pairs(self, documents: Sequence[str]) -> Pairs:
        """(row, column) of every vocabulary n-gram occurrence, one entry per occurrence."""
        tokenize = self.tokenize
        split = (lambda doc: tokenize(doc.lower())) if self.lowercase else tokenize
        row_of, ids = numbered_tokens(documents, split, self.token_ids)
        known = ids >= 0
        columns = self.unigram_columns[ids[known]]
        found_unigram = columns >= 0
        rows = [row_of[known][found_unigram]]
        cols = [columns[found_unigram]]
        if len(self.bigram_keys) and len(ids) > 1:
            first, second = ids[:-1], ids[1:]
            # Only neighbours in the same document, both tokens known to the vocabulary.
            valid = (row_of[:-1] == row_of[1:]) & (first >= 0) & (second >= 0)
            keys = first[valid] * len(self.token_ids) + second[valid]
            at = np.searchsorted(self.bigram_keys, keys)
            at[at >= len(self.bigram_keys)] = 0
            hit = self.bigram_keys[at] == keys
            rows.append(row_of[:-1][valid][hit])
            cols.append(self.bigram_columns[at[hit]])
        return np.concatenate(rows), np.concatenate(cols)
