"""The unfitted feature step shared by training and serving: TF-IDF text, one-hot, scaled numbers.

The text columns, joined into one document, get word 1-2 gram and char_wb 2-5 gram TF-IDF (no
stop words, Unicode word pattern: works for any language); categories are one-hot encoded
(unknown values ignored, missing is its own value); numbers are log-compressed, imputed and
scaled. A vote (`training/voting.py`) adds a plain char_wb view as the last block.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from classifier.features import FeatureSpec, category_block, joined_text, signed_log1p

# Vocabulary caps keep the artifact small and single predictions fast; beyond these sizes
# extra rare n-grams added nothing measurable in benchmarks/accuracy.py.
WORD_MAX_FEATURES = 60_000
CHAR_MAX_FEATURES = 80_000


def build_features(
    spec: FeatureSpec,
    *,
    word_max_features: int = WORD_MAX_FEATURES,
    char_max_features: int = CHAR_MAX_FEATURES,
    min_df: int = 2,
    char_view: bool = False,
) -> ColumnTransformer:
    """The unfitted feature step: TF-IDF of the ticket text, one-hot, scaled numbers.

    The text columns (e.g. subject and body) are joined into one document per ticket, which
    gets word 1-2 gram and char_wb 2-5 gram TF-IDF: one vocabulary learns from every column,
    which measured better than a vocabulary per column on the real exports in
    benchmarks/accuracy.py (a word seen in subjects also counts when it appears in bodies).

    Args:
        spec: which columns are text, categories and numbers.
        word_max_features: vocabulary cap of the word TF-IDF.
        char_max_features: vocabulary cap of the char_wb TF-IDF.
        min_df: an n-gram must occur in at least this many tickets.
        char_view: append the second view of a `LogitVote` as the last block (`char:view`).
    """
    parts: list[tuple[str, Any, Any]] = []
    if spec.text_columns:
        columns = list(spec.text_columns)
        parts.append(("word:text", text_step(TfidfVectorizer(
            ngram_range=(1, 2), min_df=min_df, max_df=0.9, sublinear_tf=True,
            max_features=word_max_features, dtype=np.float32,
        )), columns))  # fmt: skip
        parts.append(("char:text", text_step(TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), min_df=min_df, max_df=0.9, sublinear_tf=True,
            strip_accents="unicode", max_features=char_max_features, dtype=np.float32,
        )), columns))  # fmt: skip
    parts.extend(attribute_steps(spec))
    if char_view:
        parts.append(
            ("char:view", text_step(char_view_vectorizer(min_df)), list(spec.text_columns))
        )
    return ColumnTransformer(parts, sparse_threshold=1.0, n_jobs=None)


def char_view_vectorizer(min_df: int = 2) -> TfidfVectorizer:
    """Plain char_wb 2-5 gram TF-IDF: the baseline's view of the text, a vote's second member.

    No max_df, accent folding or sublinear tf, unlike the "char:text" block; the vocabulary
    cap only bounds the artifact (the real exports of benchmarks/accuracy.py stay below it).
    """
    return TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), min_df=min_df,
        max_features=CHAR_MAX_FEATURES, dtype=np.float32,
    )  # fmt: skip


def attribute_steps(spec: FeatureSpec) -> list[tuple[str, Any, Any]]:
    """The customer-attribute steps shared by both feature builders.

    Categories are one-hot encoded (unknown values ignored, missing is its own value);
    numbers are log-compressed, imputed with a missing indicator, and scaled. Serving's fast
    path (`classifier/fastpath.py`) reads these steps by their names.
    """
    steps: list[tuple[str, Any, Any]] = []
    if spec.category_columns:
        steps.append(("categories", Pipeline([
            ("clean", FunctionTransformer(category_block, feature_names_out="one-to-one")),
            ("onehot", OneHotEncoder(handle_unknown="ignore", dtype=np.float32)),
        ]), list(spec.category_columns)))  # fmt: skip
    if spec.numeric_columns:
        steps.append(("numbers", Pipeline([
            ("log", FunctionTransformer(signed_log1p, feature_names_out="one-to-one")),
            ("impute", SimpleImputer(strategy="median", add_indicator=True,
                                     keep_empty_features=True)),
            ("scale", StandardScaler()),
        ]), list(spec.numeric_columns)))  # fmt: skip
    return steps


def text_step(vectorizer: TfidfVectorizer) -> Pipeline:
    """The joined text columns through `vectorizer`."""
    return Pipeline([("clean", FunctionTransformer(joined_text)), ("tfidf", vectorizer)])
