"""`canonical_csr`: the same matrix as scipy's constructor, by either route."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from classifier import fastpath


def _arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, int]]:
    data = np.array([0.25, -1.5, 3.0])
    indices = np.array([0, 4, 2], dtype=np.int32)
    indptr = np.array([0, 2, 2, 3], dtype=np.int32)
    return data, indices, indptr, (3, 5)


@pytest.mark.parametrize("trusted", [True, False])
def test_canonical_csr_equals_the_constructors_matrix(
    monkeypatch: pytest.MonkeyPatch, trusted: bool
) -> None:
    monkeypatch.setattr(fastpath, "_FIELDS_OK", trusted)
    data, indices, indptr, shape = _arrays()
    made = fastpath.canonical_csr(data, indices, indptr, shape)
    expected = sp.csr_matrix((data, indices, indptr), shape=shape)
    assert sp.isspmatrix_csr(made)
    assert made.shape == (3, 5)
    assert made.has_canonical_format
    assert made.toarray().tolist() == expected.toarray().tolist()
    assert (made @ np.arange(5.0)).tolist() == (expected @ np.arange(5.0)).tolist()
    assert (made.T @ made).toarray().tolist() == (expected.T @ expected).toarray().tolist()


def test_the_shortcut_is_trusted_with_the_installed_scipy() -> None:
    assert fastpath._fields_match_constructor() is True
