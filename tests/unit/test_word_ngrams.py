"""WordNgrams finds exactly the word n-grams sklearn's analyzer finds, by token number."""

from __future__ import annotations

import re

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from classifier.word_ngrams import SKLEARN_WORD_PATTERN, WordNgrams, fast_tokenizer

DOCS = [
    "Produktionen er nede! Hele systemet er nede, vi kan ikke arbejde.",
    "Tuotanto on alhaalla – koko järjestelmä on alhaalla.",
    "De server ligt plat; niemand kan inloggen. Dringend!",
    "Strežnik ne deluje, prijava ni mogoča (napaka 500).",
    "Der Server ist ausgefallen, die Anmeldung schlägt fehl: Fehler 500.",
    "Production is down, nobody can log in. a b c x_y 12 345",
    "",
    "nede",
    "ÆØÅ æøå straße STRASSE",
]


def _counts(vectorizer: TfidfVectorizer, docs: list[str]) -> np.ndarray:
    ngrams = WordNgrams.from_fitted(vectorizer)
    assert ngrams is not None
    rows, cols = ngrams.pairs(docs)
    matrix = sp.coo_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(len(docs), len(vectorizer.vocabulary_))
    )
    return np.asarray(matrix.toarray())


def _sklearn_counts(vectorizer: TfidfVectorizer, docs: list[str]) -> np.ndarray:
    analyze = vectorizer.build_analyzer()
    counts = np.zeros((len(docs), len(vectorizer.vocabulary_)))
    for row, doc in enumerate(docs):
        for term in analyze(doc):
            column = vectorizer.vocabulary_.get(term)
            if column is not None:
                counts[row, column] += 1
    return counts


@pytest.mark.parametrize("ngram_range", [(1, 1), (1, 2)])
def test_every_vocabulary_ngram_is_counted_like_sklearn(ngram_range: tuple[int, int]) -> None:
    vectorizer = TfidfVectorizer(ngram_range=ngram_range).fit(DOCS)
    expected = _sklearn_counts(vectorizer, DOCS)
    assert expected.sum() > 50
    np.testing.assert_array_equal(_counts(vectorizer, DOCS), expected)


def test_bigrams_whose_words_were_cut_from_the_vocabulary_are_still_found() -> None:
    docs = ["er nede", "er oppe", "det er her", "nede nu", "systemet er nede"]
    # max_df drops the frequent unigram "er"; the bigrams with it stay.
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), max_df=0.5).fit(docs)
    assert "er" not in vectorizer.vocabulary_
    assert "er nede" in vectorizer.vocabulary_
    np.testing.assert_array_equal(_counts(vectorizer, docs), _sklearn_counts(vectorizer, docs))


def test_no_bigram_spans_two_documents() -> None:
    vectorizer = TfidfVectorizer(ngram_range=(1, 2)).fit(["alpha beta"])
    counts = _counts(vectorizer, ["xx alpha", "beta yy"])
    assert counts[:, vectorizer.vocabulary_["alpha beta"]].tolist() == [0, 0]


def test_analyzers_this_cannot_reproduce_are_refused() -> None:
    assert WordNgrams.from_fitted(TfidfVectorizer(analyzer="char_wb").fit(DOCS)) is None
    assert WordNgrams.from_fitted(TfidfVectorizer(stop_words=["er"]).fit(DOCS)) is None
    assert WordNgrams.from_fitted(TfidfVectorizer(strip_accents="unicode").fit(DOCS)) is None
    assert WordNgrams.from_fitted(TfidfVectorizer(ngram_range=(1, 3)).fit(DOCS)) is None
    assert WordNgrams.from_fitted(TfidfVectorizer(token_pattern=r"\S+").fit(DOCS)) is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_the_cheaper_regex_finds_the_same_tokens_as_sklearns(text: str) -> None:
    vectorizer = TfidfVectorizer()
    assert vectorizer.token_pattern == SKLEARN_WORD_PATTERN
    assert fast_tokenizer(vectorizer)(text) == re.compile(SKLEARN_WORD_PATTERN).findall(text)
