"""CharNgrams finds exactly the char_wb n-grams sklearn's analyzer finds, by integer key."""

from __future__ import annotations

import functools
from collections import Counter
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer, strip_accents_unicode

from classifier import char_ngrams
from classifier.char_ngrams import CharNgrams, IntTable
from classifier.fastpath import FastFeatures, _TextBlock
from classifier.features import FeatureSpec, to_frame
from training.feature_steps import build_features

DOCS = [
    "Produktionen er nede! Hele systemet er nede, vi kan ikke arbejde. Æble, ø og å.",
    "Tuotanto on alhaalla – koko järjestelmä on alhaalla. Hyvää päivää, ÄÖ.",
    "De server ligt plat; niemand kan inloggen. Dringend! Geïnteresseerd, café.",
    "Strežnik ne deluje, prijava ni mogoča (napaka 500). Čšž ČŠŽ đ.",
    "Der Server ist ausgefallen, die Anmeldung schlägt fehl: Fehler 500. Straße ÄÖÜ.",
    "Production is down, nobody can log in. a b c x_y 12 345 I o",
    "",
    "nede",
    "服务器宕机 🔥🔥 サーバー ダウン",
]
# Texts the vectorizers never saw: odd whitespace, unseen characters, short words.
UNSEEN = [
    "",
    " \t\n ",
    "\u00a0\u2028\u2029\x1c\x1d\x1e\x1f\x85\u3000",
    "nede\tnede\n\nnede\u00a0er\u2028nede  \r\n  systemet",
    "a b c I o å ø",
    "🔥 服务器 Ωμέγα ЖЖЖ \U0001d49c q̃ ǅ ﬁ ẞ",
    "NEDE Nede nEDE ÆBLE STRAẞE",
    "x" * 40 + " " + "ab" * 30,
    "lone \ud800 surrogates\udfff x",
]
RANGES = [(2, 5), (1, 3), (3, 3), (4, 6), (1, 1), (5, 8)]


def _expected(vectorizer: TfidfVectorizer, docs: list[str]) -> Counter[tuple[int, int]]:
    analyze = vectorizer.build_analyzer()
    vocabulary = vectorizer.vocabulary_
    return Counter(
        (row, int(vocabulary[gram]))
        for row, doc in enumerate(docs)
        for gram in analyze(doc)
        if gram in vocabulary
    )


def _found(
    vectorizer: TfidfVectorizer, docs: list[str], ngrams: CharNgrams | None = None
) -> Counter[tuple[int, int]]:
    ngrams = ngrams or CharNgrams.from_fitted(vectorizer)
    if ngrams is None:
        pytest.fail("CharNgrams.from_fitted refused a plain char_wb vectorizer")
    rows, columns = ngrams.pairs(docs)
    assert rows.dtype == columns.dtype == np.int64
    return Counter(zip(rows.tolist(), columns.tolist(), strict=True))


@pytest.mark.parametrize("ngram_range", RANGES)
@pytest.mark.parametrize("lowercase", [True, False])
@pytest.mark.parametrize("strip_accents", [None, "ascii", "unicode"])
def test_counts_equal_sklearns_analyzer_for_every_setting(
    ngram_range: tuple[int, int], lowercase: bool, strip_accents: str | None
) -> None:
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=ngram_range, lowercase=lowercase,
        strip_accents=strip_accents,
    ).fit(DOCS)  # fmt: skip
    docs = DOCS + UNSEEN
    expected = _expected(vectorizer, docs)
    assert sum(expected.values()) > 200
    assert _found(vectorizer, docs) == expected


def test_the_production_setting_with_pruned_vocabulary_matches() -> None:
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), min_df=2, max_df=0.5, sublinear_tf=True,
        strip_accents="unicode", max_features=300,
    ).fit(DOCS * 2 + UNSEEN)  # fmt: skip
    assert len(vectorizer.vocabulary_) == 300
    assert _found(vectorizer, DOCS + UNSEEN) == _expected(vectorizer, DOCS + UNSEEN)


def test_short_padded_words_are_counted_once_whole_like_sklearn() -> None:
    # With (4, 6) the padded word " a " (3 characters) is emitted once, shorter than min_n.
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(4, 6)).fit(["a bb ccc dddd"])
    assert {" a ", " bb ", " ccc ", " dddd"} <= set(vectorizer.vocabulary_)
    docs = ["a a bb", "xa ab a", "ccc bb a"]
    found = _found(vectorizer, docs)
    assert found[(0, vectorizer.vocabulary_[" a "])] == 2
    assert found[(1, vectorizer.vocabulary_[" a "])] == 1
    assert found == _expected(vectorizer, docs)


def test_no_ngram_spans_two_words_or_two_documents() -> None:
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).fit(["ab cd"])
    found = _found(vectorizer, ["ab", "cd", "b c", "ab  cd"])
    assert {row for row, _ in found} == {0, 1, 2, 3}
    assert found == _expected(vectorizer, ["ab", "cd", "b c", "ab  cd"])


def test_terms_char_wb_never_emits_are_never_counted() -> None:
    # A fixed vocabulary may hold strings no padded word contains; sklearn never counts them.
    vocabulary = ["  ", "b c", "ab  ", " ab ", "abcdefg", "a", " c", "c ", "\tc"]
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), vocabulary=vocabulary)
    vectorizer.fit(["ab c"])
    docs = ["ab c", "ab  c", "ab\tc abcdefg a", ""]
    found = _found(vectorizer, docs)
    assert found == _expected(vectorizer, docs)
    assert found[(0, vocabulary.index(" ab "))] == 1
    assert found[(2, vocabulary.index(" c"))] == 1


def test_a_batch_larger_than_one_chunk_matches() -> None:
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).fit(DOCS)
    docs = (DOCS + UNSEEN) * 150 + [" ".join(DOCS) * 40]
    assert sum(map(len, docs)) > 4 * char_ngrams._CHUNK
    assert _found(vectorizer, docs) == _expected(vectorizer, docs)


def test_columns_of_one_document_are_those_of_pairs() -> None:
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).fit(DOCS)
    ngrams = CharNgrams.from_fitted(vectorizer)
    assert ngrams is not None
    for doc in DOCS + UNSEEN:
        _, columns = ngrams.pairs([doc])
        assert sorted(ngrams.columns_of(doc).tolist()) == sorted(columns.tolist())


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(), max_size=4))
def test_arbitrary_unicode_counts_like_sklearn(docs: list[str]) -> None:
    vectorizer, ngrams = _wide()
    assert _found(vectorizer, docs, ngrams) == _expected(vectorizer, docs)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(min_size=1), min_size=1, max_size=4),
    st.sampled_from(RANGES),
    st.sampled_from([None, "unicode"]),
)
def test_a_vocabulary_fitted_on_arbitrary_unicode_counts_like_sklearn(
    docs: list[str], ngram_range: tuple[int, int], strip_accents: str | None
) -> None:
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=ngram_range, strip_accents=strip_accents
    )
    try:
        vectorizer.fit(docs)
    except ValueError:  # only whitespace: sklearn finds no n-gram and refuses to fit
        return
    more = [*docs, "".join(reversed("".join(docs)))]
    assert _found(vectorizer, more) == _expected(vectorizer, more)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_accent_stripping_equals_sklearns(text: str) -> None:
    assert char_ngrams._strip_accents_unicode(text) == strip_accents_unicode(text)


@functools.cache
def _wide() -> tuple[TfidfVectorizer, CharNgrams]:
    # A vocabulary of ~2,900 characters (12-bit numbers, 60-bit keys) for arbitrary text.
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 5), strip_accents="unicode")
    vectorizer.fit([*DOCS, *UNSEEN, "".join(chr(c) for c in range(32, 20_000, 7))])
    ngrams = CharNgrams.from_fitted(vectorizer)
    assert ngrams is not None
    assert ngrams.bits == 12
    return vectorizer, ngrams


@pytest.mark.parametrize(
    "options",
    [
        {"analyzer": "word"},
        {"analyzer": "char"},
        {"analyzer": "char_wb", "preprocessor": str.lower},
        {"analyzer": "char_wb", "tokenizer": str.split},
        # 17 letters and the space need 5 bits each: 13 * 5 > 63.
        {"analyzer": "char_wb", "ngram_range": (2, 13)},
    ],
)
def test_from_fitted_refuses_what_it_cannot_reproduce(options: dict[str, Any]) -> None:
    vectorizer = TfidfVectorizer(**options).fit(["abcdefghijklmno pq"])
    assert CharNgrams.from_fitted(vectorizer) is None


def test_from_fitted_refuses_an_unfitted_vectorizer_and_accepts_long_ranges_that_fit() -> None:
    assert CharNgrams.from_fitted(TfidfVectorizer(analyzer="char_wb")) is None
    fitted = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 12)).fit(["abc abd"])
    assert CharNgrams.from_fitted(fitted) is not None


def test_the_hash_table_finds_exactly_its_keys_including_overflow() -> None:
    rng = np.random.default_rng(7)
    keys = np.unique(rng.integers(1, 1 << 40, size=5_000))
    columns = rng.permutation(len(keys)).astype(np.int64)
    table = IntTable.build(keys, columns)
    assert len(table.overflow_keys) > 0  # some keys collided: the overflow is exercised
    queries = np.concatenate([keys, rng.integers(1, 1 << 40, size=5_000), keys[:100]])
    positions, found = table.find(queries)
    expected = dict(zip(keys.tolist(), columns.tolist(), strict=True))
    got = sorted(zip(positions.tolist(), found.tolist(), strict=True))
    want = [(i, expected[q]) for i, q in enumerate(queries.tolist()) if q in expected]
    assert got == want


def _records() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    # Lone surrogates stay out: pandas' string columns (the sklearn side) cannot hold them.
    for doc in DOCS + [text for text in UNSEEN if "\ud800" not in text]:
        records.append({"subject": doc[:20], "body": doc})
    records.append({"subject": None, "body": "   "})
    records.append({})
    return records


def test_fast_features_with_char_wb_blocks_match_sklearn_one_by_one_and_in_a_batch() -> None:
    spec = FeatureSpec(("subject", "body"), (), ())
    records = _records()
    features = build_features(spec, min_df=1, char_view=True).fit(to_frame(records, spec))
    fast = FastFeatures.from_fitted(features)
    assert fast is not None
    char_blocks = [
        b for b in fast.blocks if isinstance(b, _TextBlock) and isinstance(b.ngrams, CharNgrams)
    ]
    assert len(char_blocks) == 2  # "char:text" and "char:view" both take the fast lookup
    expected = features.transform(to_frame(records, spec)).toarray()
    batch = fast.transform(records).toarray()
    single = np.vstack([fast.transform([record]).toarray() for record in records])
    assert np.count_nonzero(expected) > 500
    np.testing.assert_allclose(batch, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(single, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(single, batch, rtol=1e-12, atol=1e-12)


def test_a_char_blocks_list_entries_equal_its_array_entries() -> None:
    spec = FeatureSpec(("subject", "body"), (), ())
    records = _records()
    features = build_features(spec, min_df=1).fit(to_frame(records, spec))
    fast = FastFeatures.from_fitted(features)
    assert fast is not None
    (block,) = [b for b in fast.blocks if isinstance(b, _TextBlock) and b.ngrams is not None
                and isinstance(b.ngrams, CharNgrams)]  # fmt: skip
    for record in records:
        indices: list[int] = []
        values: list[float] = []
        block.add(record, indices, values)
        columns, weights = block.weights(record)
        assert indices == columns.tolist()
        assert values == weights.tolist()
