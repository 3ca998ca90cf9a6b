"""In-process cost of `PriorityModel.predict` for the production feature set, on real tickets.

Usage: .venv/bin/python benchmarks/predict_speed.py [--tickets 300] [--repeats 5]

Trains with the product's own selection (`training.pipeline.train_model`: word 1-2 + char_wb
2-5 TF-IDF and categories, candidates chosen by CV, maybe the soft vote) on
../shared/data/tickets-multilang-5lang.csv (skips when absent), as benchmarks/accuracy.py
does, and times `predict` on tickets of the other export (en-de): one ticket per call (five
reasons each) and a batch of 1,000, side by side for three feature paths:
- `sklearn`: the fitted ColumnTransformer on a pandas frame (the classifier step is the
  fast one in all three);
- `analyzers`: serving's fast path with sklearn's per-document n-gram analyzers;
- `fast path`: serving's fast path as shipped (word n-grams by token number,
  `classifier/word_ngrams.py`; char_wb n-grams by integer key, `classifier/char_ngrams.py`).
The process is pinned to one core; figures are medians of `--repeats` passes, and the three
paths alternate within each pass so drifts in this VM's speed hit them alike.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
BATCH = 1_000


def _records(frame: Any) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _variants(model: Any) -> dict[str, Callable[[Sequence[dict[str, Any]]], object]]:
    """predict() through each feature path (the same model, the same outputs)."""
    from classifier.fastpath import FastFeatures, _TextBlock

    model.predict([{}])  # reads the fast path
    shipped = model._fast
    plain = FastFeatures(
        [dataclasses.replace(b, ngrams=None) if isinstance(b, _TextBlock) else b
         for b in shipped.blocks],
        shipped.width,
    )  # fmt: skip

    def through(fast: Any) -> Callable[[Sequence[dict[str, Any]]], object]:
        def predict(records: Sequence[dict[str, Any]]) -> object:
            model._fast = fast
            return model.predict(records)

        return predict

    return {"sklearn": through(None), "analyzers": through(plain), "fast path": through(shipped)}


def main() -> None:
    """Fit, time the three paths, print the table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--tickets", type=int, default=300, help="single-ticket calls per pass")
    parser.add_argument("--repeats", type=int, default=5, help="passes (median)")
    args = parser.parse_args()
    train_file, test_file = (
        DATA / "tickets-multilang-5lang.csv",
        DATA / "tickets-multilang-en-de.csv",
    )
    if not (train_file.exists() and test_file.exists()):
        print(f"skipped: {train_file} or {test_file} is absent")
        return
    os.sched_setaffinity(0, {0})
    from benchmarks.accuracy import LEVELS, SPEC, load
    from classifier.levels import PriorityScale
    from training.pipeline import train_model

    frame, labels = load(train_file)
    model = train_model(frame, labels, SPEC, PriorityScale.from_names(LEVELS)).model
    tests = _records(load(test_file)[0])[:BATCH]
    variants = _variants(model)
    singles: dict[str, list[float]] = {name: [] for name in variants}
    batches: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.repeats):
        for name, predict in variants.items():
            start = time.perf_counter()
            for record in tests[: args.tickets]:
                predict([record])
            singles[name].append((time.perf_counter() - start) / args.tickets * 1000)
            start = time.perf_counter()
            predict(tests)
            batches[name].append((time.perf_counter() - start) / len(tests) * 1000)
    chosen = type(model.pipeline[-1]).__name__
    print(f"trained on {len(frame):,} tickets of {train_file.name} (classifier {chosen}); "
          f"timed on {test_file.name}")  # fmt: skip
    print(f"{'feature path':14}{'one ticket (ms)':>18}{'per ticket in 1,000 (ms)':>28}")
    for name in variants:
        one, many = statistics.median(singles[name]), statistics.median(batches[name])
        print(f"{name:14}{one:>18.3f}{many:>28.3f}")
    print(f"medians of {args.repeats} passes on CPU 0; predict() with 5 reasons per ticket")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
