"""PriorityModel: probabilities in scale order, cost-aware levels, save/load with SHA-256."""

from __future__ import annotations

import json
from pathlib import Path

import joblib
import numpy as np
import pytest

from classifier.costs import CostMatrix, least_cost_levels
from classifier.errors import ModelIntegrityError
from classifier.features import to_frame
from classifier.model import MODEL_FILE, SIDECAR_FILE, PriorityModel, file_sha256
from tests.unit.model_fixtures import SCALE, SPEC, tiny_frame, tiny_model

RECORDS = [
    {"subject": "Nedbrud", "body": "Alt har nedbrud", "tier": "enterprise", "language": "da"},
    {"subject": "Question", "body": "How do I change my picture?", "tier": "free"},
]


def test_probabilities_come_in_scale_order_and_sum_to_one() -> None:
    model = tiny_model()
    proba = model.predict_proba(to_frame(RECORDS, SPEC))
    assert proba.shape == (2, 4)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert model.levels == ("low", "medium", "high", "urgent")
    assert proba[0].argmax() == 3
    assert proba[1].argmax() == 0


def test_suggested_levels_are_the_least_expected_cost_levels() -> None:
    model = tiny_model()
    frame, _ = tiny_frame(rows_per_text=1, seed=5)
    expected = least_cost_levels(model.predict_proba(frame), model.costs)
    assert model.predict_levels(frame) == [model.levels[i] for i in expected]


def test_a_frame_is_scored_in_blocks_with_the_same_probabilities(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = tiny_model()
    frame, _ = tiny_frame(rows_per_text=3, seed=2)
    assert len(frame) > 14
    whole = model.predict_proba(frame)
    calls: list[int] = []
    original = model.pipeline.predict_proba

    def counted(block: object) -> object:
        calls.append(len(block))  # type: ignore[arg-type]
        return original(block)

    monkeypatch.setattr("classifier.model.PREDICT_BLOCK_ROWS", 7)
    monkeypatch.setattr(model.pipeline, "predict_proba", counted)
    blocked = model.predict_proba(frame)
    assert calls == [7] * (len(frame) // 7) + ([len(frame) % 7] if len(frame) % 7 else [])
    assert np.allclose(blocked, whole)
    assert model.levels_of(blocked) == model.predict_levels(frame)


def test_predict_returns_one_output_per_record_with_confidence_and_model_identity() -> None:
    outputs = tiny_model().predict(RECORDS)
    assert [o.priority for o in outputs] == ["urgent", "low"]
    first = outputs[0]
    assert first.model_name == "tiny"
    assert first.model_version == "7"
    assert first.confidence == first.probabilities["urgent"]
    assert list(first.probabilities) == list(SCALE.levels)
    assert tiny_model().predict([]) == []


def test_columns_the_frame_lacks_are_treated_as_missing() -> None:
    model = tiny_model()
    frame = to_frame(RECORDS, SPEC).drop(columns=["tier", "affected_users"])
    proba = model.predict_proba(frame)
    assert proba.shape == (2, 4)
    assert np.all(np.isfinite(proba))


def test_save_then_load_gives_the_same_predictions_and_records_the_hash(tmp_path: Path) -> None:
    model = tiny_model()
    model.metrics = {"macro_f1": 0.5}
    model.save(tmp_path)
    meta = json.loads((tmp_path / SIDECAR_FILE).read_text())
    assert meta["sha256"] == file_sha256(tmp_path / MODEL_FILE) == model.sha256
    assert meta["levels"] == list(SCALE.levels)
    assert meta["spec"] == SPEC.to_dict()
    assert meta["costs"] == model.costs.to_dict()
    assert (meta["name"], meta["version"], meta["run_id"]) == ("tiny", "7", "run-1")
    assert meta["metrics"] == {"macro_f1": 0.5}
    assert meta["sklearn_version"]
    loaded = PriorityModel.load(tmp_path, expected_sha256=model.sha256)
    frame = to_frame(RECORDS, SPEC)
    assert np.allclose(loaded.predict_proba(frame), model.predict_proba(frame))
    assert loaded.sha256 == model.sha256
    assert (loaded.name, loaded.version, loaded.run_id) == ("tiny", "7", "run-1")
    assert loaded.spec == SPEC
    assert loaded.scale.levels == SCALE.levels


def test_a_tampered_joblib_is_refused_before_unpickling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = tiny_model()
    model.save(tmp_path)
    recorded = model.sha256
    with (tmp_path / MODEL_FILE).open("ab") as handle:
        handle.write(b"\x00 injected")
    actual = file_sha256(tmp_path / MODEL_FILE)

    def never(*_args: object, **_kwargs: object) -> None:
        pytest.fail("joblib.load ran on a tampered artifact")

    monkeypatch.setattr(joblib, "load", never)
    with pytest.raises(ModelIntegrityError) as caught:
        PriorityModel.load(tmp_path)
    message = str(caught.value)
    assert str(tmp_path / MODEL_FILE) in message
    assert actual in message
    assert str(recorded) in message


def test_a_hash_other_than_the_expected_one_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tiny_model().save(tmp_path)
    monkeypatch.setattr(joblib, "load", lambda *_a, **_k: pytest.fail("unpickled"))
    with pytest.raises(ModelIntegrityError, match="expected " + "ab" * 32):
        PriorityModel.load(tmp_path, expected_sha256="ab" * 32)


def test_a_missing_or_broken_sidecar_is_refused(tmp_path: Path) -> None:
    tiny_model().save(tmp_path)
    sidecar = tmp_path / SIDECAR_FILE
    sidecar.write_text("{not json")
    with pytest.raises(ModelIntegrityError, match="not valid JSON"):
        PriorityModel.load(tmp_path)
    sidecar.write_text(json.dumps({"levels": ["a", "b", "c"]}))
    with pytest.raises(ModelIntegrityError, match="lacks"):
        PriorityModel.load(tmp_path)
    sidecar.unlink()
    with pytest.raises(ModelIntegrityError, match="sidecar is missing"):
        PriorityModel.load(tmp_path)


def test_level_prior_balances_the_decision_but_not_the_reported_probabilities(
    tmp_path: Path,
) -> None:
    base = tiny_model()
    skewed = PriorityModel(base.pipeline, SCALE, SPEC, level_prior=(0.7, 0.1, 0.1, 0.1))
    proba = np.array([[0.5, 0.2, 0.2, 0.1]])
    # Balanced: 0.5/0.7 = 0.71 against 0.2/0.1 = 2 -> low is no longer the most likely level.
    assert base.decide(proba).tolist() == [1]  # default costs on the raw probabilities
    assert skewed.decide(proba).tolist() == [2]
    assert np.array_equal(proba, np.array([[0.5, 0.2, 0.2, 0.1]]))  # input left untouched
    loaded = PriorityModel.load(skewed.save(tmp_path / "m"))
    assert loaded.level_prior == (0.7, 0.1, 0.1, 0.1)
    frame = to_frame(RECORDS, SPEC)
    assert np.allclose(loaded.predict_proba(frame), base.predict_proba(frame))


def test_a_level_prior_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ModelIntegrityError, match="level_prior"):
        PriorityModel(tiny_model().pipeline, SCALE, SPEC, level_prior=(0.5, 0.5))


def test_replacing_the_costs_or_the_prior_changes_the_next_decision() -> None:
    model = tiny_model()
    proba = np.array([[0.5, 0.2, 0.2, 0.1]])
    assert model.decide(proba).tolist() == [1]  # default costs: too low costs 2x
    model.costs = CostMatrix.identity(len(SCALE.levels))
    assert model.decide(proba).tolist() == [0]  # 0/1 costs: the most probable level
    model.level_prior = (0.7, 0.1, 0.1, 0.1)
    assert model.decide(proba).tolist() == [1]  # 0.2 / 0.1 beats 0.5 / 0.7; ties go lower


def test_the_serving_loader_reads_the_fast_path_before_the_first_request(tmp_path: Path) -> None:
    from serving.model_store import default_loader

    model = tiny_model()
    model.save(tmp_path)
    loaded = default_loader(tmp_path, model.sha256)
    assert isinstance(loaded, PriorityModel)
    # the tables the first request would otherwise build (fast path, feature names)
    assert loaded._fast is not None
    assert loaded._fast_linear is not None
    assert loaded._names is not None
    assert loaded.predict(RECORDS) == model.predict(RECORDS)
