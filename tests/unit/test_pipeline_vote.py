"""The vote stage of model selection: the vote is refitted, served and explained when it wins."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from classifier.calibration import OutOfFoldCalibrated
from classifier.voting import LogitVote
from tests.unit.model_fixtures import SCALE, SPEC, tiny_frame
from training import pipeline


def _fixed_decision(vote_wins: bool) -> Any:
    """A `decision_f1` whose second call (the vote's) wins or loses against the first."""
    single, vote = [0.5, 0.5, 0.5], [0.6, 0.62, 0.61] if vote_wins else [0.4, 0.4, 0.4]
    calls: Iterator[list[float]] = iter([single, vote])
    return lambda _proba, _labels, _folds: next(calls)


@pytest.mark.parametrize("large", [False, True], ids=["out-of-fold", "held-out"])
def test_a_winning_vote_is_refitted_with_the_char_view_and_served_by_the_fast_path(
    monkeypatch: pytest.MonkeyPatch, large: bool
) -> None:
    monkeypatch.setattr(pipeline, "decision_f1", _fixed_decision(vote_wins=True))
    if large:  # the path of exports above SELECTION_ROWS, at a size a unit test can afford
        monkeypatch.setattr(pipeline, "SELECTION_ROWS", 120)
        monkeypatch.setattr(pipeline, "CALIBRATION_ROWS", 60)
    frame, labels = tiny_frame(rows_per_text=12)
    result = pipeline.train_model(frame, labels, SPEC, SCALE, cv=2)
    model = result.model
    assert result.params["estimator"] == "logit_vote"
    assert result.params["calibration"] == (
        "holdout_per_member_vote" if large else "oof_per_member_vote"
    )
    assert result.candidates[-1]["name"] == "logit_vote"
    features = model.pipeline.named_steps["features"]
    assert [name for name, *_ in features.transformers][-1] == "char:view"
    assert isinstance(model.pipeline[-1], LogitVote)
    records = frame.head(7).to_dict("records")
    outputs = model.predict(records, reasons=3)
    assert model._fast is not None  # served without the sklearn pipeline
    assert model._fast_linear is not None
    fast = np.asarray([[o.probabilities[level] for level in SCALE.levels] for o in outputs])
    np.testing.assert_allclose(fast, model.predict_proba(frame.head(7)), atol=1e-6)
    assert all(output.reasons for output in outputs)


def test_a_losing_vote_leaves_the_single_calibrated_winner_and_its_features(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pipeline, "decision_f1", _fixed_decision(vote_wins=False))
    frame, labels = tiny_frame(rows_per_text=12)
    result = pipeline.train_model(frame, labels, SPEC, SCALE, cv=2)
    assert result.params["estimator"] != "logit_vote"
    assert isinstance(result.model.pipeline[-1], OutOfFoldCalibrated)
    names = [name for name, *_ in result.model.pipeline.named_steps["features"].transformers]
    assert "char:view" not in names
    assert result.candidates[-1]["single_decision_f1"] == 0.5
    assert result.candidates[-1]["cv_macro_f1_mean"] == pytest.approx(0.4)
