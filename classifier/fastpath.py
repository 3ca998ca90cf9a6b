"""A fast path from ticket records to the feature matrix, for serving one ticket at a time.

The fitted ColumnTransformer is the source of truth, but its generic machinery (pandas column
selection, validation, joblib dispatch) costs milliseconds per call, far more than the maths of
a single ticket. `FastFeatures` reads the fitted parameters (vocabularies, idf, categories,
imputation and scaling statistics) once and applies the same arithmetic to plain records.
tests/unit/test_model_fastpath.py checks that both produce the same matrix.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from classifier.calibration import OutOfFoldCalibrated, TemperatureCalibrator, logistic_proba
from classifier.char_ngrams import CharNgrams
from classifier.features import (
    MISSING,
    category_value,
    document,
    joined_text,
    number_value,
    text_column,
    text_value,
)
from classifier.voting import LogitVote
from classifier.word_ngrams import WordNgrams, fast_tokenizer, numbered_tokens

# Up to this many records are transformed one by one (cheaper for a single ticket).
_SMALL = 4

# Per block, the non-zero entries of all records: row numbers, absolute columns, values.
Entries = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]
_NO_INDEX = np.zeros(0, dtype=np.int64)


def _number(value: Any) -> float:
    # `number_value` for plain JSON numbers and null, the bulk of a batch; else the general path.
    kind = type(value)
    if kind is int:
        return float(value)
    if kind is float:
        return value if math.isfinite(value) else math.nan
    if value is None:
        return math.nan
    return number_value(value)


def _category(value: Any) -> str:
    # `category_value` for the plain JSON types without its pandas missing-value check (which
    # would import pandas into a serving worker); anything else takes the general path.
    kind = type(value)
    if kind is str:
        return " ".join(value.strip().lower().split()) or MISSING
    if value is None:
        return MISSING
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float and not math.isnan(value) and not value.is_integer():
        return " ".join(str(value).lower().split())
    return category_value(value)


@dataclass(frozen=True)
class _TextBlock:
    columns: tuple[str, ...]
    offset: int
    analyzer: Callable[[str], list[str]]
    vocabulary: Mapping[str, int]
    idf: npt.NDArray[np.float64] | None
    sublinear: bool
    norm: str | None
    # Batch lookup by number: token numbers (plain word n-grams) or char keys (char_wb).
    ngrams: WordNgrams | CharNgrams | None = None

    def text(self, record: Mapping[str, Any]) -> str:
        # The same document as `text_column` (one column) or `joined_text` (several) builds.
        if len(self.columns) == 1:
            return text_value(record.get(self.columns[0]))
        return document([record.get(column) for column in self.columns])

    def add(self, record: Mapping[str, Any], indices: list[int], values: list[float]) -> None:
        if isinstance(self.ngrams, CharNgrams):
            columns, found = self.weights(record)
            indices.extend(columns.tolist())
            values.extend(found.tolist())
            return
        # One ticket has tens of words: plain Python floats beat a dozen tiny numpy calls.
        counts: dict[int, int] = {}
        lookup = self.vocabulary.get
        for term in self.analyzer(self.text(record)):
            index = lookup(term)
            if index is not None:
                counts[index] = counts.get(index, 0) + 1
        if not counts:
            return
        log = math.log
        tf = [log(c) + 1.0 for c in counts.values()] if self.sublinear else counts.values()
        if self.idf is not None:
            keys = np.fromiter(counts, dtype=np.int64, count=len(counts))
            idf = self.idf[keys].tolist()
            weights = [t * i for t, i in zip(tf, idf, strict=True)]
        else:
            weights = [float(t) for t in tf]
        if self.norm == "l2":
            total = math.sqrt(math.fsum(w * w for w in weights))
            weights = [w / total for w in weights]
        elif self.norm == "l1":
            total = math.fsum(abs(w) for w in weights)
            weights = [w / total for w in weights]
        offset = self.offset
        indices.extend([k + offset for k in counts])
        values.extend(weights)

    def weights(
        self, record: Mapping[str, Any]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """One record's absolute columns and values as arrays (any column order).

        For char n-gram blocks: a ticket has hundreds of distinct char n-grams, where numpy
        beats a loop of Python floats and handing over arrays beats building lists.
        """
        if isinstance(self.ngrams, CharNgrams):
            occurrences = self.ngrams.columns_of(self.text(record))
        else:
            occurrences = self._occurrences([record])[1]
        keys, counts = _count(occurrences)
        tf = counts.astype(np.float64)
        if not len(keys):
            return keys, tf
        if self.sublinear:
            tf = np.log(tf) + 1.0
        if self.idf is not None:
            tf *= self.idf[keys]
        if self.norm == "l2":
            tf /= math.sqrt(float(np.dot(tf, tf)))
        elif self.norm == "l1":
            tf /= float(np.abs(tf).sum())
        return keys + self.offset, tf

    def _occurrences(
        self, records: Sequence[Mapping[str, Any]]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        # (row, vocabulary column) of every n-gram occurrence in the vocabulary.
        documents = [self.text(record) for record in records]
        if self.ngrams is not None:
            return self.ngrams.pairs(documents)
        row_of, index = numbered_tokens(documents, self.analyzer, self.vocabulary)
        known = index >= 0
        return row_of[known], index[known]

    def entries(self, records: Sequence[Mapping[str, Any]]) -> Entries:
        # Count (row, column) pairs in numpy rather than a dict per record.
        size = len(self.vocabulary)
        row_of, index = self._occurrences(records)
        pairs, counts = np.unique(row_of * size + index, return_counts=True)
        if not len(pairs):
            return _NO_INDEX, _NO_INDEX, np.zeros(0, dtype=np.float64)
        row_array = pairs // size
        key_array = pairs % size
        tf = counts.astype(np.float64)
        if self.sublinear:
            tf = np.log(tf) + 1.0
        if self.idf is not None:
            tf = tf * self.idf[key_array]
        if self.norm in ("l2", "l1"):
            starts = np.flatnonzero(np.r_[True, row_array[1:] != row_array[:-1]])
            sizes = np.diff(np.r_[starts, len(row_array)])
            part = tf * tf if self.norm == "l2" else np.abs(tf)
            totals = np.add.reduceat(part, starts)
            if self.norm == "l2":
                totals = np.sqrt(totals)
            tf = tf / np.repeat(totals, sizes)
        return row_array, key_array + self.offset, tf


def _count(
    values: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    # np.unique(values, return_counts=True) without its generic wrapper (a third cheaper).
    ordered = np.sort(values)
    if not len(ordered):
        return ordered, ordered
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    return ordered[starts], np.diff(np.append(starts, len(ordered)))


@dataclass(frozen=True)
class _CategoryBlock:
    columns: tuple[str, ...]
    lookup: tuple[Mapping[str, int], ...]  # value -> absolute column, per input column

    def add(self, record: Mapping[str, Any], indices: list[int], values: list[float]) -> None:
        for column, lookup in zip(self.columns, self.lookup, strict=True):
            index = lookup.get(_category(record.get(column)))
            if index is not None:
                indices.append(index)
                values.append(1.0)

    def entries(self, records: Sequence[Mapping[str, Any]]) -> Entries:
        rows: list[int] = []
        cols: list[int] = []
        pairs = tuple(zip(self.columns, self.lookup, strict=True))
        for row, record in enumerate(records):
            for column, lookup in pairs:
                index = lookup.get(_category(record.get(column)))
                if index is not None:
                    rows.append(row)
                    cols.append(index)
        return (
            np.asarray(rows, dtype=np.int64),
            np.asarray(cols, dtype=np.int64),
            np.ones(len(cols), dtype=np.float64),
        )


@dataclass(frozen=True)
class _NumberBlock:
    columns: tuple[str, ...]
    offset: int
    fill: npt.NDArray[np.float64]
    indicator: npt.NDArray[np.int64]  # input positions that get a "missing" indicator
    mean: npt.NDArray[np.float64]
    scale: npt.NDArray[np.float64]
    _plain: tuple[list[float], list[float], list[float], list[int]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        plain = (self.fill.tolist(), self.mean.tolist(), self.scale.tolist(),
                 self.indicator.tolist())  # fmt: skip
        object.__setattr__(self, "_plain", plain)

    def add(self, record: Mapping[str, Any], indices: list[int], values: list[float]) -> None:
        # The same arithmetic as `entries` on Python floats (a handful of columns).
        fill, mean, scale, indicator = self._plain
        raw = [_number(record.get(c)) for c in self.columns]
        row = [
            f if math.isnan(x) else math.copysign(math.log1p(abs(x)), x) if x else 0.0
            for x, f in zip(raw, fill, strict=True)
        ]
        row.extend(1.0 if math.isnan(raw[i]) else 0.0 for i in indicator)
        offset = self.offset
        for position, (x, m, sd) in enumerate(zip(row, mean, scale, strict=True)):
            scaled = (x - m) / sd
            if scaled != 0.0:
                indices.append(position + offset)
                values.append(scaled)

    def entries(self, records: Sequence[Mapping[str, Any]]) -> Entries:
        raw = np.asarray(
            [[_number(record.get(c)) for c in self.columns] for record in records],
            dtype=np.float64,
        ).reshape(len(records), len(self.columns))
        missing = np.isnan(raw)
        logged = np.sign(raw) * np.log1p(np.abs(raw))
        filled = np.where(missing, self.fill, logged)
        matrix = np.concatenate([filled, missing[:, self.indicator].astype(np.float64)], axis=1)
        scaled = (matrix - self.mean) / self.scale
        rows, cols = np.nonzero(scaled)
        return rows.astype(np.int64), cols.astype(np.int64) + self.offset, scaled[rows, cols]


Block = _TextBlock | _CategoryBlock | _NumberBlock


class FastFeatures:
    """Same output as the fitted feature step's `transform`, computed from records directly.

    Each block handles all records at once: Python only where it must look at strings
    (tokens, category values), numpy for the arithmetic of the whole batch.
    """

    def __init__(self, blocks: Sequence[Block], width: int) -> None:
        self.blocks = tuple(blocks)
        self.width = width

    @classmethod
    def from_fitted(cls, features: ColumnTransformer) -> FastFeatures | None:
        """Read a fitted feature step; None if it holds a step this fast path does not know."""
        blocks: list[Block] = []
        for name, transformer, columns in features.transformers_:
            block = features.output_indices_.get(name)
            if transformer == "drop" or block is None or block.stop == block.start:
                continue
            made = _block(name, transformer, columns, block.start)
            if made is None:
                return None
            blocks.append(made)
        width = sum(s.stop - s.start for s in features.output_indices_.values())
        return cls(blocks, width)

    def transform(self, records: Sequence[Mapping[str, Any]]) -> sp.csr_matrix:
        """The feature matrix (n_records, width) as CSR."""
        if len(records) <= _SMALL:
            return self._transform_each(records)
        parts = [block.entries(records) for block in self.blocks]
        if not parts:
            return sp.csr_matrix((len(records), self.width), dtype=np.float64)
        rows = np.concatenate([p[0] for p in parts])
        cols = np.concatenate([p[1] for p in parts])
        data = np.concatenate([p[2] for p in parts])
        # Blocks cover disjoint columns, so (row, column) pairs are unique: sorting them gives
        # the canonical CSR directly (cheaper than COO -> CSR).
        order = np.argsort(rows * self.width + cols, kind="stable")
        indptr = np.zeros(len(records) + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=len(records)), out=indptr[1:])
        return canonical_csr(
            data[order],
            cols[order].astype(np.int32),
            indptr.astype(np.int32),
            (len(records), self.width),
        )

    def row(
        self, record: Mapping[str, Any]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """One record's non-zero entries as (columns, values), in no particular column order.

        The row of `transform([record])` without building or sorting a sparse matrix (what
        a single ticket's prediction needs).
        """
        indices: list[int] = []
        values: list[float] = []
        array_columns: list[npt.NDArray[np.int64]] = []
        array_values: list[npt.NDArray[np.float64]] = []
        for block in self.blocks:
            # Char n-gram blocks hand over arrays (hundreds of entries per ticket).
            if isinstance(block, _TextBlock) and isinstance(block.ngrams, CharNgrams):
                columns, weights = block.weights(record)
                array_columns.append(columns)
                array_values.append(weights)
            else:
                block.add(record, indices, values)
        columns = np.asarray(indices, dtype=np.int64)
        data = np.asarray(values, dtype=np.float64)
        if array_columns:
            columns = np.concatenate([columns, *array_columns])
            data = np.concatenate([data, *array_values])
        return columns, data

    def _transform_each(self, records: Sequence[Mapping[str, Any]]) -> sp.csr_matrix:
        # Record by record: for a few tickets, fewer numpy calls than the whole-batch path.
        shape = (len(records), self.width)
        if not records:
            return sp.csr_matrix(shape, dtype=np.float64)
        entries = [self.row(record) for record in records]
        columns, data = entries[0]
        sizes = [len(part) for part, _ in entries]
        keys = columns
        if len(entries) > 1:
            columns = np.concatenate([part for part, _ in entries])
            data = np.concatenate([part for _, part in entries])
            keys = np.repeat(np.arange(len(records), dtype=np.int64), sizes) * self.width
            keys += columns
        # Blocks cover disjoint columns and each adds a column at most once, so (row, column)
        # keys are unique: one numpy sort puts every row's columns in order (a canonical CSR),
        # cheaper than sorting and copying ~100 (column, value) pairs in Python.
        order = np.argsort(keys)
        indptr = np.zeros(len(records) + 1, dtype=np.int32)
        np.cumsum(sizes, out=indptr[1:])
        return canonical_csr(data[order], columns[order].astype(np.int32), indptr, shape)


def _csr_by_constructor(
    data: npt.NDArray[np.float64],
    indices: npt.NDArray[np.int32],
    indptr: npt.NDArray[np.int32],
    shape: tuple[int, int],
) -> sp.csr_matrix:
    matrix = sp.csr_matrix((data, indices, indptr), shape=shape)
    matrix.has_canonical_format = True
    return matrix


def _csr_by_fields(
    data: npt.NDArray[np.float64],
    indices: npt.NDArray[np.int32],
    indptr: npt.NDArray[np.int32],
    shape: tuple[int, int],
) -> sp.csr_matrix:
    matrix = object.__new__(sp.csr_matrix)
    matrix.__dict__.update(
        _shape=shape, maxprint=_MAXPRINT, indices=indices, indptr=indptr, data=data,
        _has_canonical_format=True, _has_sorted_indices=True,
    )  # fmt: skip
    return matrix


def _fields_match_constructor() -> bool:
    # The shortcut sets the attributes scipy's constructor sets; check that it still does
    # (names, values and dtypes) before trusting it with this scipy version.
    args = (np.array([0.5, 2.0]), np.array([1, 3], dtype=np.int32),
            np.array([0, 1, 2], dtype=np.int32), (2, 4))  # fmt: skip
    try:
        slow, fast = _csr_by_constructor(*args), _csr_by_fields(*args)
        same = vars(slow).keys() == vars(fast).keys() and all(
            np.array_equal(v, vars(fast)[k])
            and getattr(v, "dtype", None) == getattr(vars(fast)[k], "dtype", None)
            for k, v in vars(slow).items()
        )
        return bool(same and (fast @ np.ones((4, 1))).tolist() == [[0.5], [2.0]])
    except Exception:  # noqa: BLE001 - any difference means: use the constructor
        return False


_MAXPRINT = sp.csr_matrix((1, 1)).maxprint
_FIELDS_OK = _fields_match_constructor()


def canonical_csr(
    data: npt.NDArray[np.float64],
    indices: npt.NDArray[np.int32],
    indptr: npt.NDArray[np.int32],
    shape: tuple[int, int],
) -> sp.csr_matrix:
    """A CSR matrix of arrays the caller guarantees canonical (rows sorted, no duplicates).

    scipy's constructor re-validates and scans the index arrays (~25 us, a tenth of a
    single ticket's model cost); this sets the same attributes directly when a check at
    import found that the constructor produces exactly those, and calls it otherwise.
    """
    if _FIELDS_OK:
        return _csr_by_fields(data, indices, indptr, shape)
    return _csr_by_constructor(data, indices, indptr, shape)


def _analyzer(vectorizer: TfidfVectorizer) -> Callable[[str], list[str]]:
    """The vectorizer's analyzer; for plain word uni/bigrams an equivalent without sklearn's
    generic per-document chain (the same tokens in the same order, at about half the cost)."""
    plain = (
        vectorizer.analyzer == "word"
        and vectorizer.input == "content"
        and vectorizer.preprocessor is None
        and vectorizer.tokenizer is None
        and vectorizer.stop_words is None
        and vectorizer.strip_accents is None
        and tuple(vectorizer.ngram_range) in ((1, 1), (1, 2))
    )
    if not plain:
        generic: Callable[[str], list[str]] = vectorizer.build_analyzer()
        return generic
    tokenize = fast_tokenizer(vectorizer)
    lower = bool(vectorizer.lowercase)
    bigrams = tuple(vectorizer.ngram_range) == (1, 2)
    join = " ".join

    def analyze(doc: str) -> list[str]:
        tokens = tokenize(doc.lower() if lower else doc)
        if bigrams and len(tokens) > 1:
            return tokens + list(map(join, pairwise(tokens)))
        return tokens

    return analyze


def _text_columns(clean: Any, columns: Any) -> tuple[str, ...] | None:
    # The text step's input columns, if its cleaning step is one this fast path reproduces.
    if clean is text_column and isinstance(columns, str):
        return (columns,)
    if clean is joined_text and isinstance(columns, list | tuple) and columns:
        return tuple(str(column) for column in columns)
    return None


def _block(name: str, transformer: Any, columns: Any, offset: int) -> Block | None:
    if not isinstance(transformer, Pipeline):
        return None
    last = transformer[-1]
    clean = getattr(transformer[0], "func", None)
    text_columns = _text_columns(clean, columns)
    if isinstance(last, TfidfVectorizer) and text_columns is not None:
        idf = np.asarray(last.idf_, dtype=np.float64) if last.use_idf else None
        # Plain ints: sklearn's numpy int64 values make every later step (dict keys, list ->
        # array) several times slower per term.
        vocabulary = {term: int(index) for term, index in last.vocabulary_.items()}
        return _TextBlock(
            text_columns, offset, _analyzer(last), vocabulary, idf,
            bool(last.sublinear_tf), last.norm,
            WordNgrams.from_fitted(last) or CharNgrams.from_fitted(last),
        )  # fmt: skip
    if name == "categories":
        lookups = []
        position = offset
        for values in last.categories_:
            lookups.append({str(v): position + k for k, v in enumerate(values)})
            position += len(values)
        return _CategoryBlock(tuple(columns), tuple(lookups))
    if name == "numbers":
        imputer = transformer.named_steps["impute"]
        scaler = transformer.named_steps["scale"]
        indicator = getattr(imputer, "indicator_", None)
        features = np.asarray(indicator.features_ if indicator is not None else [], np.int64)
        return _NumberBlock(
            tuple(columns), offset, np.asarray(imputer.statistics_, dtype=np.float64), features,
            np.asarray(scaler.mean_, dtype=np.float64), np.asarray(scaler.scale_, np.float64),
        )  # fmt: skip
    return None


@dataclass(frozen=True)
class _Affine:
    coef_t: npt.NDArray[np.float64]  # (n_inputs, n_outputs)
    intercept: npt.NDArray[np.float64]

    @classmethod
    def of(cls, estimator: Any) -> _Affine | None:
        coef = getattr(estimator, "coef_", None)
        intercept = getattr(estimator, "intercept_", None)
        if not isinstance(coef, np.ndarray) or coef.dtype.kind != "f" or intercept is None:
            return None
        # saga fits float32 weights on float32 features (exports without numeric columns);
        # applied in float64 they agree with sklearn's float32 product to ~1e-7.
        coef = coef.astype(np.float64, copy=False)
        coef_t = coef.T if coef.ndim == 2 else coef.reshape(-1, 1)
        return cls(coef_t, np.asarray(intercept, dtype=np.float64))

    def apply(self, x: Any) -> npt.NDArray[np.float64]:
        scores = x @ self.coef_t
        if sp.issparse(scores):
            scores = scores.toarray()
        return np.asarray(scores, dtype=np.float64) + self.intercept

    def apply_row(
        self, columns: npt.NDArray[np.int64], values: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        # `apply` of one row given as (column, value) entries: a dense product with the
        # entries' weight rows, cheaper for one ticket than scipy's sparse product.
        result: npt.NDArray[np.float64] = values @ self.coef_t[columns] + self.intercept
        return result


class FastLinear:
    """`predict_proba` of a fitted linear classifier without sklearn's per-call validation.

    sklearn's input checks cost ~0.5 ms per call, several times the arithmetic for one
    ticket. Supports LogisticRegression, `LogitVote` (one composed affine map, like a
    LogisticRegression) and `OutOfFoldCalibrated` around a linear model (the classifiers
    training produces); `from_fitted` returns None for anything else.
    """

    def __init__(self, base: _Affine | None, scale: float, calibrator: _Affine) -> None:
        self.base = base
        self.scale = scale
        self.calibrator = calibrator

    @classmethod
    def from_fitted(cls, classifier: Any) -> FastLinear | None:
        """Read a fitted classifier; None if this fast path does not know its kind."""
        if type(classifier) in (LogisticRegression, LogitVote):
            calibrator = _Affine.of(classifier)
            return None if calibrator is None else cls(None, 1.0, calibrator)
        if type(classifier) is not OutOfFoldCalibrated:
            return None
        calibrator_model = getattr(classifier, "calibrator_", None)
        if type(calibrator_model) not in (LogisticRegression, TemperatureCalibrator):
            return None
        base = _Affine.of(getattr(classifier, "estimator_", None))
        calibrator = _Affine.of(calibrator_model)
        if base is None or calibrator is None:
            return None
        return cls(base, float(classifier.score_scale_), calibrator)

    def predict_proba(self, x: Any) -> npt.NDArray[np.float64]:
        """Probabilities per class in the classifier's `classes_` order."""
        inputs = x if self.base is None else self.base.apply(x) / self.scale
        return logistic_proba(self.calibrator.apply(inputs))

    def proba_row(
        self, columns: npt.NDArray[np.int64], values: npt.NDArray[np.float64]
    ) -> list[float]:
        """`predict_proba` of one row given as its (column, value) entries, as plain floats."""
        if self.base is None:
            logits = self.calibrator.apply_row(columns, values)
        else:
            logits = self.calibrator.apply(self.base.apply_row(columns, values) / self.scale)
        proba: list[float] = logistic_proba(logits.reshape(1, -1))[0].tolist()
        return proba
