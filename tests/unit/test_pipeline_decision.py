"""choose_prior_exponent: the decision's prior correction is picked by macro-F1 on unseen rows."""

from __future__ import annotations

import numpy as np

from classifier.model import PriorityModel
from tests.unit.model_fixtures import SCALE, SPEC, tiny_model
from training.pipeline import choose_prior_exponent, level_shares


def _model() -> PriorityModel:
    return PriorityModel(tiny_model().pipeline, SCALE, SPEC)


def _columns(model: PriorityModel, proba_in_scale_order: np.ndarray) -> np.ndarray:
    """Reorder scale-order probabilities into the classifier's class order."""
    classes = [str(c) for c in model.pipeline[-1].classes_]
    return proba_in_scale_order[:, [model.levels.index(c) for c in classes]]


def test_flat_probabilities_of_a_rare_level_get_the_prior_divided_out() -> None:
    model = _model()
    # Every "low" ticket gets a flat 0.4 low / 0.6 medium: never suggested without balancing.
    truth = np.array(["low"] * 20 + ["medium"] * 80, dtype=object)
    proba = np.zeros((100, 4))
    proba[:20] = [0.4, 0.6, 0.0, 0.0]
    proba[20:] = [0.1, 0.9, 0.0, 0.0]
    shares = level_shares(truth, SCALE)
    exponent = choose_prior_exponent(model, _columns(model, proba), truth, shares)
    assert exponent > 0
    assert model.level_prior is not None
    assert model.decide(proba[:1]).tolist() == [0]  # low is suggested now
    assert np.isclose(sum(model.level_prior), 1.0)


def test_sharp_probabilities_keep_the_calibrated_prior() -> None:
    model = _model()
    truth = np.array(["low"] * 50 + ["urgent"] * 50, dtype=object)
    proba = np.zeros((100, 4))
    proba[:50] = [0.95, 0.05, 0.0, 0.0]
    proba[50:] = [0.0, 0.0, 0.05, 0.95]
    shares = level_shares(np.array(["low"] * 90 + ["urgent"] * 10, dtype=object), SCALE)
    assert choose_prior_exponent(model, _columns(model, proba), truth, shares) == 0.0
    assert model.level_prior == (0.25, 0.25, 0.25, 0.25)  # uniform: nothing divided out


def test_level_shares_are_in_scale_order_and_sum_to_one() -> None:
    shares = level_shares(np.array(["urgent", "low", "low", "high"], dtype=object), SCALE)
    assert shares == [0.5, 0.0, 0.25, 0.25]


def test_a_small_export_keeps_rare_ngrams_and_records_its_calibrator() -> None:
    from training.pipeline import SMALL_DATA_ROWS, train_model
    from training.synthetic import generate_tickets

    frame = generate_tickets(600, seed=2)
    result = train_model(frame, frame["priority"].tolist(), SPEC, SCALE, cv=2)
    assert len(frame) < SMALL_DATA_ROWS
    assert result.params["min_df"] == 1
    kind = result.params["calibration"]
    calibrator = result.model.pipeline[-1].calibrator_
    expected = (
        "temperature"
        if type(calibrator).__name__ == "TemperatureCalibrator"
        else ("multinomial_logistic")
    )
    assert kind == f"oof_{expected}"
    text_blocks = [name for name, *_ in result.model.pipeline.named_steps["features"].transformers]
    assert text_blocks[:2] == ["word:text", "char:text"]  # one document for all text columns
