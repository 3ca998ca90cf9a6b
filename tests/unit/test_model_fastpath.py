"""FastFeatures (the serving fast path) builds exactly the matrix of the fitted pipeline.

A model is fitted on 1,500 synthetic tickets; every case below is transformed both ways
(`FastFeatures.transform(records)` and `pipeline[:-1].transform(to_frame(records, spec))`)
and the dense matrices must agree, as must the probabilities `predict()` returns.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest

from classifier.fastpath import FastFeatures
from classifier.features import FeatureSpec, to_frame
from classifier.levels import PriorityScale
from classifier.model import PriorityModel
from training.pipeline import build_pipeline
from training.synthetic import generate_tickets

pytestmark = pytest.mark.slow  # fits two small models

SPEC = FeatureSpec.default()
# Columns the training data never has: all-missing in training, given at prediction time.
WIDE_SPEC = FeatureSpec(SPEC.text_columns, (*SPEC.category_columns, "queue"),
                        (*SPEC.numeric_columns, "sla_hours"))  # fmt: skip


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


@functools.cache
def _training() -> tuple[pd.DataFrame, list[str]]:
    frame = generate_tickets(1_500, seed=3)
    return frame, frame["priority"].tolist()


@functools.cache
def _model(wide: bool = False) -> PriorityModel:
    spec = WIDE_SPEC if wide else SPEC
    frame, labels = _training()
    pipeline = build_pipeline(spec, "linear_svm")
    pipeline.fit(to_frame(_records(frame), spec), labels)
    return PriorityModel(pipeline, PriorityScale.default_scale(), spec, name="fast", version="1")


def _fast(model: PriorityModel) -> FastFeatures:
    fast = FastFeatures.from_fitted(model.pipeline.named_steps["features"])
    if fast is None:
        pytest.fail("FastFeatures.from_fitted refused the in-memory pipeline's feature step")
    return fast


def _both(model: PriorityModel, records: Sequence[Mapping[str, Any]]) -> tuple[Any, Any]:
    fast = _fast(model).transform(records).toarray()
    slow = model.pipeline[:-1].transform(to_frame(records, model.spec)).toarray()
    return fast, slow


def _assert_same(model: PriorityModel, records: Sequence[Mapping[str, Any]]) -> None:
    fast, slow = _both(model, records)
    assert fast.shape == slow.shape
    differing = np.flatnonzero(~np.isclose(fast, slow, rtol=1e-5, atol=1e-6).all(axis=1))
    assert differing.size == 0, f"rows {differing.tolist()} differ between the two paths"


def _base() -> dict[str, Any]:
    return {
        "subject": "Server down", "body": "Production is down for all users since 9:00",
        "language": "en", "channel": "email", "tier": "enterprise", "vip": True,
        "stated_urgency": "high", "account_age_days": 400, "monthly_value": 2500.0,
        "open_tickets": 2, "tickets_last_90d": 7, "affected_users": 120,
    }  # fmt: skip


def test_generated_tickets_give_the_same_matrix_on_both_paths() -> None:
    records = _records(generate_tickets(200, seed=11))
    _assert_same(_model(), records)


def test_the_matrix_is_not_trivially_empty() -> None:
    fast, _ = _both(_model(), [_base()])
    assert np.count_nonzero(fast) > 50


def test_records_missing_attribute_keys_match() -> None:
    records = [
        {"subject": "Nedbrud", "body": "Alt er nede"},
        {"body": "Zahlung schlägt fehl"},
        {"subject": "Only a subject"},
        {},
        {k: v for k, v in _base().items() if k not in {"tier", "monthly_value", "vip"}},
    ]
    _assert_same(_model(), records)


def test_unknown_and_oddly_written_category_values_match() -> None:
    values = [("platinum", "carrier pigeon"), ("ENTERPRISE", " Chat "), ("  free ", "EMAIL"),
              ("", "sms"), (3, 1.0), ("premium\tplus", "web  form")]  # fmt: skip
    records = [_base() | {"tier": tier, "channel": channel} for tier, channel in values]
    records += [_base() | {"vip": vip} for vip in ("yes", "true", 1, 0, False, "No")]
    _assert_same(_model(), records)


def test_numbers_given_as_strings_or_words_match() -> None:
    values = ["12", " 3.5 ", "yes", "no", "TRUE", "abc", "1e3", "-5", "inf", "", "  ", "0"]
    records = [_base() | {"affected_users": v, "monthly_value": v, "open_tickets": v}
               for v in values]  # fmt: skip
    _assert_same(_model(), records)


def test_none_nan_and_pandas_missing_values_match() -> None:
    gaps: list[Any] = [None, float("nan"), np.nan, pd.NA, np.float32("nan"), math.inf]
    records: list[dict[str, Any]] = [dict.fromkeys(_base(), gap) for gap in gaps]
    records += [_base() | {"tier": gap, "affected_users": gap, "body": gap} for gap in gaps]
    _assert_same(_model(), records)


def test_empty_and_blank_text_match() -> None:
    records = [_base() | {"subject": s, "body": b}
               for s, b in [("", ""), ("   ", "\n\t"), ("", "x"), ("a", "")]]  # fmt: skip
    _assert_same(_model(), records)


def test_non_latin_text_matches() -> None:
    texts = ["Сервер не работает, срочно", "サーバーがダウンしています", "الخادم معطل",
             "Ο διακομιστής είναι εκτός λειτουργίας", "Palvelu on alhaalla 🔥🔥",
             "Strežnik ne deluje, čšž ČŠŽ", "Ausfall: Störung ÄÖÜß"]  # fmt: skip
    records = [_base() | {"subject": t, "body": t + " " + t.upper()} for t in texts]
    _assert_same(_model(), records)


def test_literal_backslash_escapes_match() -> None:
    records = [_base() | {"body": "Server down\\nplease help\\tnow\\r\\nthanks"},
               _base() | {"subject": "a\\nb", "body": "line one\nline two\\\\n"}]  # fmt: skip
    _assert_same(_model(), records)


def test_columns_absent_in_training_match_when_given_at_prediction_time() -> None:
    model = _model(wide=True)
    records = [_base() | {"queue": "billing", "sla_hours": 4}, _base(),
               _base() | {"queue": None, "sla_hours": "8"}]  # fmt: skip
    _assert_same(model, records)


def test_predict_gives_the_probabilities_of_the_pipeline() -> None:
    model = _model()
    records = _records(generate_tickets(50, seed=12))
    records += [{"subject": "Сервер не работает"}, _base() | {"affected_users": "yes"}, {}]
    outputs = model.predict(records, reasons=0)
    expected = model.predict_proba(to_frame(records, SPEC))
    got = np.asarray([[o.probabilities[level] for level in model.levels] for o in outputs])
    assert np.allclose(got, expected, atol=2e-6)  # predict() rounds to 6 decimals
    assert [o.priority for o in outputs] == model.predict_levels(to_frame(records, SPEC))


def test_one_by_one_and_whole_batch_give_the_same_rows() -> None:
    records = [*_records(generate_tickets(30, seed=5)), {}, _base() | {"body": None}]
    fast = _fast(_model())
    together = fast.transform(records).toarray()
    alone = np.vstack([fast.transform([r]).toarray() for r in records])
    assert np.allclose(together, alone, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("prior", [None, (0.4, 0.3, 0.2, 0.1)])
def test_a_single_ticket_gets_the_output_the_batch_path_gives_it(
    prior: tuple[float, ...] | None,
) -> None:
    base = _model()
    model = PriorityModel(base.pipeline, base.scale, base.spec, name="fast", version="1",
                          level_prior=prior)  # fmt: skip
    records = [*_records(generate_tickets(60, seed=21)), {}, _base() | {"body": None}]
    padding = _base()  # a second record sends predict() down the batch path
    batch = [model.predict([record, padding])[0] for record in records]
    single = [model.predict([record])[0] for record in records]
    assert model._has_fast_path()  # so the single-ticket path was the one taken
    assert single == batch
    assert len({o.priority for o in single}) > 1  # not one constant answer
    assert all(o.reasons for o in single[:60])
