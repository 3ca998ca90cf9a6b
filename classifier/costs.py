"""Cost-aware decisions: pick the level with the least expected cost, not the most probable one.

Under-prioritising an urgent ticket (an outage waits in the low queue) hurts more than
over-prioritising a question, so the default matrix charges each level too low twice as much as
each level too high.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from classifier.errors import ClassifierError


class CostMatrixError(ClassifierError):
    """A cost matrix is not square, has negative costs, or does not match the scale."""


@dataclass(frozen=True)
class CostMatrix:
    """Cost of suggesting level `j` when the true level is `i` (levels in ascending urgency).

    Attributes:
        matrix: square, non-negative, zero on the diagonal; `matrix[i][j]` is the cost of
            predicting level index `j` for a ticket whose true level index is `i`.
    """

    matrix: tuple[tuple[float, ...], ...]

    def __post_init__(self) -> None:
        n = len(self.matrix)
        if n < 2:
            raise CostMatrixError(f"costs: need at least 2 levels, got a {n}x{n} matrix")
        for i, row in enumerate(self.matrix):
            if len(row) != n:
                raise CostMatrixError(
                    f"costs: row {i} has {len(row)} entries; the matrix must be {n}x{n}"
                )
            for j, value in enumerate(row):
                if not np.isfinite(value) or value < 0:
                    raise CostMatrixError(
                        f"costs[{i}][{j}] = {value!r}: costs must be finite and >= 0"
                    )
            if row[i] != 0:
                raise CostMatrixError(
                    f"costs[{i}][{i}] = {row[i]!r}: the correct level must cost 0"
                )

    @classmethod
    def default(cls, n_levels: int, under: float = 2.0, over: float = 1.0) -> CostMatrix:
        """Linear ordinal costs: `under` per level too low, `over` per level too high.

        Args:
            n_levels: number of levels on the scale.
            under: cost of each level the suggestion is below the truth.
            over: cost of each level the suggestion is above the truth.
        """
        if under < 0 or over < 0:
            raise CostMatrixError(f"costs: under={under} and over={over} must both be >= 0")
        rows = tuple(
            tuple(float(under * (i - j) if j < i else over * (j - i)) for j in range(n_levels))
            for i in range(n_levels)
        )
        return cls(rows)

    @classmethod
    def identity(cls, n_levels: int) -> CostMatrix:
        """0/1 costs: the least-cost level is then simply the most probable one."""
        return cls(
            tuple(tuple(0.0 if i == j else 1.0 for j in range(n_levels)) for i in range(n_levels))
        )

    @property
    def n_levels(self) -> int:
        """Number of levels the matrix covers."""
        return len(self.matrix)

    def as_array(self) -> npt.NDArray[np.float64]:
        """The matrix as a float array of shape (n_levels, n_levels)."""
        return np.asarray(self.matrix, dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, the inverse of `from_dict`."""
        return {"matrix": [list(row) for row in self.matrix]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CostMatrix:
        """Read the form `to_dict` writes (also accepts a bare list of rows)."""
        rows = data["matrix"] if isinstance(data, Mapping) else data
        return cls(tuple(tuple(float(v) for v in row) for row in rows))


def least_cost_levels(
    proba: npt.ArrayLike,
    costs: CostMatrix | Sequence[Sequence[float]] | npt.NDArray[np.float64],
) -> npt.NDArray[np.int64]:
    """Index of the level with the least expected cost for each row of probabilities.

    Expected cost of suggesting `j` is `sum_i proba[i] * costs[i][j]`; ties go to the lower
    index (the less urgent level), which keeps the decision deterministic.

    Args:
        proba: array (n_rows, n_levels) of probabilities in scale order (or one row).
        costs: the cost matrix (or its rows, or `CostMatrix.as_array()`).

    Returns:
        Integer array (n_rows,) of level indices.
    """
    matrix = costs.as_array() if isinstance(costs, CostMatrix) else np.asarray(costs, float)
    p = np.atleast_2d(np.asarray(proba, dtype=np.float64))
    _check_levels(p.shape[1], matrix.shape[0])
    expected = p @ matrix
    return np.asarray(np.argmin(expected, axis=1), dtype=np.int64)


def least_cost_level(proba: Sequence[float], matrix: Sequence[Sequence[float]]) -> int:
    """`least_cost_levels` for one row of plain floats (a single ticket, without numpy calls).

    Args:
        proba: probabilities in scale order.
        matrix: the cost matrix's rows (`CostMatrix.matrix`); ties go to the lower index.
    """
    _check_levels(len(proba), len(matrix))
    expected = [
        sum([p * row[j] for p, row in zip(proba, matrix, strict=True)]) for j in range(len(matrix))
    ]
    return expected.index(min(expected))


def _check_levels(given: int, expected: int) -> None:
    if given != expected:
        raise CostMatrixError(
            f"costs: probabilities have {given} levels but the cost matrix has {expected}; "
            "build the matrix for the model's scale"
        )
