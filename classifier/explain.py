"""Readable reasons for a linear model's suggestion: which words and attributes pushed it.

For a linear model, class k's score is a sum over features of value x weight; the reasons are
the largest terms of that sum for the suggested level, measured against the average of all
levels (the softmax is unchanged by that shift). Character n-grams are left out of the reasons:
they repeat what the word features say in fragments a person cannot read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline

from classifier.decision import Reason
from classifier.features import MISSING

NUMBER = "number"
TERM = "term"
VALUE = "value"
HIDDEN = "hidden"
# Up to this many rows are explained one by one (cheaper for a single ticket).
_SMALL = 4


@dataclass(frozen=True)
class FeatureNames:
    """Readable name and kind of every column of the feature matrix.

    Attributes:
        names: e.g. "'nedbrud' in body", "tier = enterprise", "affected_users".
        kinds: TERM / VALUE (shown as is), NUMBER (shown as "<name> high|low" by the sign of
            the scaled value), HIDDEN (not shown, e.g. character n-grams).
    """

    names: tuple[str, ...]
    kinds: tuple[str, ...]
    visible: npt.NDArray[np.bool_] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Per-column "may be shown" mask, built once rather than on every explanation.
        mask = np.fromiter(
            (kind != HIDDEN for kind in self.kinds), dtype=bool, count=len(self.kinds)
        )
        object.__setattr__(self, "visible", mask)


def feature_names(features: ColumnTransformer) -> FeatureNames:
    """Readable names for the output columns of the fitted feature step.

    Args:
        features: the pipeline's fitted ColumnTransformer (step "features").
    """
    width = sum(s.stop - s.start for s in features.output_indices_.values())
    names = [""] * width
    kinds = [HIDDEN] * width
    for name, transformer, columns in features.transformers_:
        block = features.output_indices_.get(name)
        if block is None or block.stop == block.start:
            continue
        block_names, block_kinds = _block_names(name, transformer, columns)
        names[block] = block_names
        kinds[block] = block_kinds
    return FeatureNames(tuple(names), tuple(kinds))


def _block_names(name: str, transformer: Any, columns: Any) -> tuple[list[str], list[str]]:
    last = transformer[-1] if isinstance(transformer, Pipeline) else transformer
    if name.startswith(("word:", "char:", "hash:")):
        if hasattr(last, "vocabulary_"):
            terms = [str(t) for t in last.get_feature_names_out()]
        else:
            terms = [""] * int(last.n_features)  # hashed: no names to show
        if name.startswith("word:") and hasattr(last, "vocabulary_"):
            column = name.removeprefix("word:")
            return [f"'{t}' in {column}" for t in terms], [TERM] * len(terms)
        return [f"{name} {t}" for t in terms], [HIDDEN] * len(terms)
    if name == "categories":
        encoder = last
        out_names: list[str] = []
        for column, values in zip(columns, encoder.categories_, strict=True):
            out_names.extend(
                f"{column} missing" if v == MISSING else f"{column} = {v}" for v in values
            )
        return out_names, [VALUE] * len(out_names)
    if name == "numbers":
        out_names = list(columns)
        kinds = [NUMBER] * len(columns)
        imputer = (
            transformer.named_steps.get("impute") if isinstance(transformer, Pipeline) else None
        )
        indicator = getattr(imputer, "indicator_", None)
        if indicator is not None:
            for index in indicator.features_:
                out_names.append(f"{columns[index]} missing")
                kinds.append(VALUE)
        return out_names, kinds
    width = len(last.get_feature_names_out())
    return [f"{name} #{i}" for i in range(width)], [HIDDEN] * width


def class_weights(classifier: Any) -> npt.NDArray[np.float64]:
    """Per-class linear weights (n_classes, n_features) of a fitted classifier."""
    if hasattr(classifier, "effective_coef_"):
        weights = np.asarray(classifier.effective_coef_, dtype=np.float64)
    else:
        weights = np.atleast_2d(np.asarray(classifier.coef_, dtype=np.float64))
        if weights.shape[0] == 1:
            weights = np.vstack([-weights[0] / 2, weights[0] / 2])
    return weights


def centred_weights(classifier: Any) -> npt.NDArray[np.float64]:
    """Class weights minus their mean over classes: what favours one level over the others."""
    weights = class_weights(classifier)
    return np.asarray(weights - weights.mean(axis=0, keepdims=True), dtype=np.float64)


def top_reasons(
    matrix: Any,
    chosen: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float64],
    names: FeatureNames,
    count: int,
) -> list[tuple[Reason, ...]]:
    """The `count` largest contributions (by size, either sign) to each row's chosen class.

    Args:
        matrix: feature matrix (n_rows, n_features), sparse or dense.
        chosen: index into the classifier's classes of each row's suggested level.
        weights: centred class weights (n_classes, n_features).
        names: readable feature names.
        count: reasons per row; 0 gives empty tuples.
    """
    rows = matrix.shape[0]
    if count <= 0:
        return [() for _ in range(rows)]
    csr = matrix if sp.isspmatrix_csr(matrix) else sp.csr_matrix(matrix)
    if rows <= _SMALL:
        return _each_row(csr, chosen, weights, names, count)
    if not csr.has_sorted_indices:
        csr = csr.sorted_indices()
    # All rows at once: each stored entry's contribution to its row's chosen class, hidden
    # columns and zeros dropped, then rows grouped with the largest |contribution| first
    # (a stable sort: ties keep column order, as a per-row stable argsort would).
    row_of = np.repeat(np.arange(rows, dtype=np.int64), np.diff(csr.indptr))
    index = csr.indices.astype(np.int64, copy=False)
    contrib = csr.data * weights[np.asarray(chosen, dtype=np.int64)[row_of], index]
    keep = names.visible[index] & (contrib != 0)
    row_of, index, contrib = row_of[keep], index[keep], contrib[keep]
    values = csr.data[keep]
    # The order of np.lexsort((-|contrib|, row_of)), ~30% cheaper: each entry's rank in one
    # stable sort by size, then one sort of the unique integer keys (row, rank).
    by_size = np.argsort(-np.abs(contrib), kind="stable")
    rank = np.empty(len(by_size), dtype=np.int64)
    rank[by_size] = np.arange(len(by_size), dtype=np.int64)
    order = np.argsort(row_of * max(1, len(by_size)) + rank)
    row_of, index, contrib, values = row_of[order], index[order], contrib[order], values[order]
    starts = np.searchsorted(row_of, np.arange(rows + 1))
    rank = np.arange(len(row_of)) - starts[row_of]
    top = rank < count
    picked_rows = row_of[top].tolist()
    reasons = [
        Reason(_readable(names, i, v), round(c, 4))
        for i, v, c in zip(
            index[top].tolist(), values[top].tolist(), contrib[top].tolist(), strict=True
        )
    ]
    result: list[list[Reason]] = [[] for _ in range(rows)]
    for row, reason in zip(picked_rows, reasons, strict=True):
        result[row].append(reason)
    return [tuple(r) for r in result]


def _each_row(
    csr: Any,
    chosen: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float64],
    names: FeatureNames,
    count: int,
) -> list[tuple[Reason, ...]]:
    # Row by row: for one ticket, fewer numpy calls than the whole-batch path.
    rows = csr.shape[0]
    visible = names.visible
    result: list[tuple[Reason, ...]] = []
    for row in range(rows):
        start, stop = csr.indptr[row], csr.indptr[row + 1]
        index = csr.indices[start:stop]
        values = csr.data[start:stop]
        keep = visible[index]
        index, values = index[keep], values[keep]
        contrib = values * weights[chosen[row], index]
        top = np.argsort(-np.abs(contrib), kind="stable")[:count]
        # Plain Python numbers for the few picked entries: indexing numpy scalars one by one
        # cost more than the arithmetic above.
        picked = zip(index[top].tolist(), values[top].tolist(), contrib[top].tolist(), strict=True)
        result.append(
            tuple(Reason(_readable(names, i, v), round(c, 4)) for i, v, c in picked if c != 0)
        )
    return result


def row_reasons(
    columns: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    chosen: int,
    weights: npt.NDArray[np.float64],
    names: FeatureNames,
    *,
    count: int,
) -> tuple[Reason, ...]:
    """`top_reasons` of one row given as its (column, value) entries, in any column order.

    Ties in size go to the lower column, as in `top_reasons` (a stable sort of a CSR row).
    """
    if count <= 0 or not len(columns):
        return ()
    keep = names.visible[columns]
    columns, values = columns[keep], values[keep]
    contrib = values * weights[chosen, columns]
    top = np.lexsort((columns, -np.abs(contrib)))[:count]
    picked = zip(columns[top].tolist(), values[top].tolist(), contrib[top].tolist(), strict=True)
    return tuple(Reason(_readable(names, i, v), round(c, 4)) for i, v, c in picked if c != 0)


def _readable(names: FeatureNames, index: int, value: float) -> str:
    if names.kinds[index] == NUMBER:
        return f"{names.names[index]} {'high' if value > 0 else 'low'}"
    return names.names[index]
