"""Text fingerprints: missing text hashes like empty text, whatever dtype pandas read it as."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from training.fingerprints import text_fingerprints, unseen


def test_missing_and_all_empty_text_columns_hash_like_empty_text_without_a_pandas_warning() -> None:
    written = pd.DataFrame({"subject": ["VPN down", "Printer"], "body": ["", ""]})
    all_missing = pd.DataFrame({"subject": ["VPN down", "Printer"], "body": [np.nan, np.nan]})
    no_body = pd.DataFrame({"subject": ["VPN down", "Printer"]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pandas' fillna("") on float64 warned (Pandas4Warning)
        expected = text_fingerprints(written, ["subject", "body"])
        assert list(text_fingerprints(all_missing, ["subject", "body"])) == list(expected)
        assert list(text_fingerprints(no_body, ["subject", "body"])) == list(expected)
    assert expected[0] != expected[1]


def test_unseen_marks_only_text_not_in_the_training_rows() -> None:
    train = pd.DataFrame({"subject": ["VPN down", "Printer"], "body": ["now", None]})
    holdout = pd.DataFrame({"subject": ["Printer", "VPN down", "Mail"], "body": ["", "now", ""]})
    seen = text_fingerprints(train, ["subject", "body"])
    assert unseen(holdout, ["subject", "body"], seen).tolist() == [False, False, True]
