"""Out-of-core training: hashing features and partial_fit over chunks give a usable model."""

from __future__ import annotations

import pytest

from classifier.features import FeatureSpec
from classifier.levels import PriorityScale
from training import pipeline
from training.outofcore import train_frame_out_of_core
from training.synthetic import generate_tickets

pytestmark = pytest.mark.slow
SPEC = FeatureSpec.default()
SCALE = PriorityScale.default_scale()


def test_chunks_train_a_model_that_learns_and_reports_out_of_core() -> None:
    frame = generate_tickets(6_000, seed=11)
    train, test = frame.iloc[:5_000], frame.iloc[5_000:]

    result = train_frame_out_of_core(
        train, train["priority"].tolist(), SPEC, SCALE, chunk_rows=1_000
    )

    assert result.out_of_core
    outputs = result.model.predict(test.to_dict("records"), reasons=0)
    assert len(outputs) == len(test)
    assert all(abs(sum(o.probabilities.values()) - 1) < 1e-5 for o in outputs)
    hits = sum(o.priority == label for o, label in zip(outputs, test["priority"], strict=True))
    majority = test["priority"].value_counts().iloc[0]
    assert hits > majority  # better than always answering the most common level


def test_train_model_switches_to_out_of_core_above_the_threshold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frame = generate_tickets(3_000, seed=12)
    monkeypatch.setattr(pipeline, "OUT_OF_CORE_THRESHOLD", 2_000)

    result = pipeline.train_model(frame, frame["priority"].tolist(), SPEC, SCALE)

    assert result.out_of_core
