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

ARTIFACT_DIR = "gate"
FILE = "training_rows.npy"

Fingerprints = npt.NDArray[np.uint64]


def text_fingerprints(frame: pd.DataFrame, text_columns: Sequence[str]) -> Fingerprints:
    """One hash per row of its text columns (missing text hashes like empty text)."""
    text = frame.reindex(columns=list(text_columns)).fillna("").astype(str)
    hashes = pd.util.hash_pandas_object(text, index=False).to_numpy(dtype=np.uint64)
    return np.asarray(hashes, dtype=np.uint64)


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
