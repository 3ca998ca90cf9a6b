"""Which tickets a model was trained on, as 64-bit hashes of their text.

Each training run logs the hashes of its training rows (`gate/training_rows.npy`). The
promotion gate then scores the champion only on holdout tickets it never saw: without a time
column the holdout is a random split, and when an export grows, tickets the champion learned
from land in the new holdout, where it would look better than it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from training.data import row_keys

ARTIFACT_DIR = "gate"
FILE = "training_rows.npy"

Fingerprints = npt.NDArray[np.uint64]


def text_fingerprints(frame: pd.DataFrame, text_columns: Sequence[str]) -> Fingerprints:
    """One hash per row of its text columns (missing text hashes like empty text); block by
    block like the validator's duplicate check, so a million-row export stays in bounds."""
    columns = list(text_columns)
    text = frame.reindex(columns=columns, fill_value="").apply(_blank_for_missing)
    return np.asarray(row_keys(text, columns).to_numpy(), dtype=np.uint64)


def _blank_for_missing(column: pd.Series) -> pd.Series:
    # A column that is all missing is read as float64, and filling it with "" in place is
    # deprecated in pandas (an error in a later version): make it object first.
    if column.dtype == object or isinstance(column.dtype, pd.StringDtype):
        return column.fillna("")
    return column.astype(object).fillna("")


def save(fingerprints: Fingerprints, directory: Path) -> Path:
    """Write the sorted, unique hashes to `directory/training_rows.npy`."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / FILE
    np.save(path, np.unique(fingerprints), allow_pickle=False)
    return path


def load(path: Path) -> Fingerprints:
    """Read hashes written by `save`."""
    return np.asarray(np.load(path, allow_pickle=False), dtype=np.uint64)


def unseen(
    frame: pd.DataFrame, text_columns: Sequence[str], seen: Fingerprints
) -> npt.NDArray[np.bool_]:
    """Which rows of `frame` have text none of the `seen` rows had."""
    return ~np.isin(text_fingerprints(frame, text_columns), seen)
