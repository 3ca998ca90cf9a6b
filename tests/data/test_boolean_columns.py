"""Yes/no columns: the model learns the values the service sends for a JSON boolean."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from classifier.fastpath import _category
from classifier.features import FeatureSpec, category_value
from classifier.model import PriorityModel
from classifier.schema import Customer, Ticket
from tests.data.conftest import frame_of
from training.config import DataConfig
from training.data import validate_frame
from training.pipeline import build_pipeline

SPELLINGS = [("yes", "no"), ("1", "0"), ("Ja", "Nej"), ("TRUE", "false"), ("kyllä", "ei"),
             ("ja", "nein"), ("Y", "N")]  # fmt: skip


@pytest.mark.parametrize(("yes", "no"), SPELLINGS)
def test_vip_yes_no_is_read_as_the_services_true_and_false(
    rows: list[dict[str, Any]], yes: str, no: str
) -> None:
    for i, row in enumerate(rows):
        row["vip"] = yes if i % 2 else no
    vip = validate_frame(frame_of(rows), DataConfig()).frame["vip"]
    assert set(vip) == {"true", "false"}
    assert vip.iloc[1] == category_value(True) == _category(True)
    assert vip.iloc[0] == category_value(False) == _category(False)


def test_vip_values_that_are_not_yes_no_are_kept_and_named(rows: list[dict[str, Any]]) -> None:
    for i, row in enumerate(rows):
        row["vip"] = "gold" if i % 2 else "no"
    dataset = validate_frame(frame_of(rows), DataConfig())
    assert set(dataset.frame["vip"]) == {"gold", "false"}
    assert any(w.startswith("vip: values ['gold']") for w in dataset.warnings)


def test_another_yes_no_column_is_named_in_a_warning(rows: list[dict[str, Any]]) -> None:
    for i, row in enumerate(rows):
        row["escalated"] = "Ja" if i % 2 else "Nej"
    config = DataConfig(category_columns=("language", "escalated"))
    dataset = validate_frame(frame_of(rows), config)
    assert any(w.startswith("escalated: holds only yes/no") for w in dataset.warnings)


def test_a_model_trained_on_yes_no_vip_uses_it_for_a_vip_true_request() -> None:
    n = 180
    raw = pd.DataFrame({
        "subject": [f"Question {i}" for i in range(n)],
        "body": ["Please have a look at our account" for _ in range(n)],
        "vip": ["" if i % 3 == 2 else ("Ja" if i % 3 else "Nej") for i in range(n)],
        "priority": ["medium" if i % 3 == 2 else ("high" if i % 3 else "low") for i in range(n)],
    })  # fmt: skip
    config = DataConfig(levels=("low", "medium", "high"), category_columns=("vip",))
    dataset = validate_frame(raw, config)
    spec = FeatureSpec(("subject", "body"), ("vip",))
    pipeline = build_pipeline(spec, "logreg")
    pipeline.fit(dataset.frame, dataset.labels.tolist())
    model = PriorityModel(pipeline, dataset.scale, spec, name="vip", version="1")

    def p_high(vip: bool) -> float:
        ticket = Ticket(subject="Question", body="Please have a look at our account",
                        customer=Customer(vip=vip))  # fmt: skip
        return model.predict([ticket.to_record()])[0].probabilities["high"]

    assert p_high(True) > p_high(False) + 0.2
