"""Numeric columns of an export: thousands and decimal separators decided per column."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from tests.data.conftest import frame_of
from training.config import ConfigError, DataConfig, data_config_from_mapping
from training.data import validate_frame


def _values(rows: list[dict[str, Any]], amounts: list[str], **config: Any) -> pd.Series:
    for row, amount in zip(rows, amounts, strict=False):
        row["monthly_value"] = amount
    return validate_frame(frame_of(rows), DataConfig(**config)).frame["monthly_value"]


def test_english_whole_amounts_with_thousands_commas_are_read_as_thousands(
    rows: list[dict[str, Any]],
) -> None:
    dataset = validate_frame(
        frame_of([r | {"monthly_value": f"{4200 + i:,}"} for i, r in enumerate(rows)]),
        DataConfig(),
    )
    assert dataset.frame["monthly_value"].iloc[:2].tolist() == [4200.0, 4201.0]
    assert any("monthly_value" in w and "decimal" in w for w in dataset.warnings)


def test_a_danish_column_reads_a_lone_dot_as_thousands(rows: list[dict[str, Any]]) -> None:
    values = _values(rows, ["1.234", "4.273,50"])
    assert values.iloc[:2].tolist() == [1234.0, 4273.5]


def test_a_column_with_decimal_commas_keeps_a_lone_comma_decimal(
    rows: list[dict[str, Any]],
) -> None:
    assert _values(rows, ["1,234", "12,5"]).iloc[0] == pytest.approx(1.234)


def test_a_guessed_column_is_warned_about_with_the_column_and_the_fix(
    rows: list[dict[str, Any]],
) -> None:
    rows[0]["monthly_value"] = "1,234"
    dataset = validate_frame(frame_of(rows), DataConfig())
    (warning,) = [w for w in dataset.warnings if w.startswith("monthly_value")]
    assert "'1,234'" in warning
    assert "decimal:" in warning
    assert dataset.frame["monthly_value"].iloc[0] == 1234.0


def test_the_decimal_setting_silences_the_guess(rows: list[dict[str, Any]]) -> None:
    rows[0]["monthly_value"] = "1,234"
    dataset = validate_frame(frame_of(rows), DataConfig(decimal=","))
    assert dataset.frame["monthly_value"].iloc[0] == pytest.approx(1.234)
    assert not [w for w in dataset.warnings if w.startswith("monthly_value")]


def test_numbers_stored_as_numbers_are_not_reparsed(rows: list[dict[str, Any]]) -> None:
    frame = frame_of(rows)
    frame["monthly_value"] = [123.456] * len(frame)  # Parquet/JSON floats
    dataset = validate_frame(frame, DataConfig())
    assert dataset.frame["monthly_value"].iloc[0] == pytest.approx(123.456)


def test_the_decimal_separator_is_read_from_the_data_config() -> None:
    assert data_config_from_mapping({"decimal": ","}).decimal == ","
    with pytest.raises(ConfigError, match="decimal"):
        DataConfig(decimal=";")
