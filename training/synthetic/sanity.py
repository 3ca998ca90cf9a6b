"""Sanity check: text-only vs text+attributes logistic regression on generated tickets.

Run: `python -m training.synthetic.sanity [rows] [seed]`. Trains on the oldest 80% by
created_at, scores macro-F1 on the newest 20%, and also reports the ceiling a model could
reach if it knew the clean (pre-noise) label.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from training.synthetic.generator import generate_with_truth

CATEGORIES = ["language", "channel", "tier", "vip", "stated_urgency"]
NUMBERS = ["account_age_days", "monthly_value", "open_tickets", "tickets_last_90d",
           "affected_users"]  # fmt: skip


def _text(frame: pd.DataFrame) -> pd.Series:
    return frame["subject"] + "\n" + frame["body"]


def _pipeline(with_attributes: bool) -> Pipeline:
    parts: list[tuple[str, object, object]] = [
        ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
         "text"),
    ]  # fmt: skip
    if with_attributes:
        parts += [
            ("cats", OneHotEncoder(handle_unknown="ignore"), CATEGORIES),
            ("nums", Pipeline([("log", FunctionTransformer(np.log1p)),
                               ("scale", StandardScaler())]), NUMBERS),
        ]  # fmt: skip
    return Pipeline([
        ("features", ColumnTransformer(parts)),
        ("model", LogisticRegression(max_iter=2000, C=4.0, class_weight="balanced")),
    ])  # fmt: skip


def evaluate(rows: int = 20_000, seed: int = 7) -> dict[str, float]:
    """Macro-F1 of text-only and text+attributes models on the newest 20% of a generated set."""
    truth = generate_with_truth(rows, seed)
    frame = truth.frame.assign(text=_text, vip=lambda f: f["vip"].astype(str))
    cut = int(rows * 0.8)  # rows are sorted by created_at
    train, test = frame.iloc[:cut], frame.iloc[cut:]
    scores: dict[str, float] = {}
    for name, attrs in (("text_only", False), ("text_plus_attributes", True)):
        model = _pipeline(attrs).fit(train, train["priority"])
        scores[name] = float(f1_score(test["priority"], model.predict(test), average="macro"))
    scores["clean_label_vs_noisy_label"] = float(
        f1_score(test["priority"], truth.clean_priority[cut:], average="macro")
    )
    return scores


def main() -> None:
    """Print the macro-F1 figures for the rows and seed given on the command line."""
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    began = time.perf_counter()
    for name, value in evaluate(rows, seed).items():
        print(f"{name:32s} macro-F1 {value:.3f}")
    print(f"rows={rows} seed={seed} took {time.perf_counter() - began:.1f}s")


if __name__ == "__main__":
    main()
