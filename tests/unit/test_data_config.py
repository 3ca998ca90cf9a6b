"""Column mapping: plain-schema defaults, YAML data configs, CLI overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from training.cli import build_data_config
from training.config import ConfigError, CostSpec, DataConfig, TrainConfig, load_data_config


def test_with_no_mapping_the_plain_schema_columns_that_exist_are_used() -> None:
    cols = DataConfig().resolve(["ticket_id", "created_at", "subject", "tier", "priority", "x"])
    assert cols.text == ("subject",)
    assert cols.category == ("tier",)
    assert cols.numeric == ()
    assert (cols.time, cols.id, cols.label) == ("created_at", "ticket_id", "priority")
    assert cols.slices == ("tier",)


def test_explicit_columns_are_kept_even_when_absent_so_validation_can_name_them() -> None:
    cols = DataConfig(text_columns=("title",), time_column="opened").resolve(["subject"])
    assert cols.text == ("title",)
    assert "opened" in cols.required


def test_a_yaml_config_maps_columns_levels_and_aliases(tmp_path: Path) -> None:
    path = tmp_path / "data.yaml"
    path.write_text(
        "text_columns: [title, description]\n"
        "label_column: sev\n"
        "category_columns: queue,type\n"
        "levels: [P4, P3, P2, P1]\n"
        "label_aliases: {Critical: P1, hoch: P2}\n"
        "min_rows_per_level: 5\n",
        encoding="utf-8",
    )
    config = load_data_config(path)
    assert config.text_columns == ("title", "description")
    assert config.category_columns == ("queue", "type")
    assert config.min_rows_per_level == 5
    scale = config.scale()
    assert scale.parse(" critical ") == "P1"
    assert scale.parse("HOCH") == "P2"


def test_the_default_scale_understands_common_aliases() -> None:
    scale = DataConfig().scale()
    assert scale.parse("P1") == "urgent"
    assert scale.parse("Kiireellinen") == "urgent"


def test_an_unknown_yaml_key_is_named(tmp_path: Path) -> None:
    path = tmp_path / "data.yaml"
    path.write_text("text_column: body\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown keys \['text_column'\]"):
        load_data_config(path)


def test_a_repeated_key_is_an_error_not_a_silent_override(tmp_path: Path) -> None:
    path = tmp_path / "data.yaml"
    path.write_text("label_aliases: {P1: urgent}\nlabel_column: prio\nlabel_aliases: {P2: high}\n")
    with pytest.raises(ConfigError, match=r"line 3, column 1: duplicate key 'label_aliases'"):
        load_data_config(path)


def test_a_config_saved_in_a_windows_code_page_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "data.yaml"
    path.write_bytes("label_column: prioritet\nlabel_aliases: {høj: high}\n".encode("cp1252"))
    with pytest.raises(ConfigError, match=r"data\.yaml line 2 is not UTF-8; save the data"):
        load_data_config(path)


def test_a_config_with_a_byte_order_mark_reads(tmp_path: Path) -> None:
    path = tmp_path / "data.yaml"
    path.write_text("label_column: prioritet\nencoding: cp1252\n", encoding="utf-8-sig")
    config = load_data_config(path)
    assert (config.label_column, config.encoding) == ("prioritet", "cp1252")


def test_cli_options_override_the_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "data.yaml"
    path.write_text("text_columns: [title]\nlabel_column: sev\n", encoding="utf-8")
    config = build_data_config(path, text_columns="subject, body", time_column="opened")
    assert config.text_columns == ("subject", "body")
    assert config.label_column == "sev"
    assert config.time_column == "opened"


def test_a_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_data_config(tmp_path / "nope.yaml")


def test_train_settings_reject_nonsense() -> None:
    with pytest.raises(ConfigError, match="cv"):
        TrainConfig(cv=1)
    with pytest.raises(ConfigError, match="test_fraction"):
        TrainConfig(test_fraction=0.9)


_MATRIX = "[[0, 1, 3], [2, 0, 1], [9, 4, 0]]"


def test_costs_come_from_the_yaml_as_under_and_over_or_as_a_whole_matrix(tmp_path: Path) -> None:
    linear = tmp_path / "linear.yaml"
    linear.write_text("levels: [low, mid, high]\ncosts: {under: 5}\n", encoding="utf-8")
    config = load_data_config(linear)
    assert config.costs == CostSpec(under=5.0, over=1.0)
    assert config.costs.for_scale(config.scale()).matrix[2] == (10.0, 5.0, 0.0)
    whole = tmp_path / "whole.yaml"
    whole.write_text(f"levels: [low, mid, high]\ncosts: {_MATRIX}\n", encoding="utf-8")
    config = load_data_config(whole)
    assert config.costs.for_scale(config.scale()).matrix == ((0, 1, 3), (2, 0, 1), (9, 4, 0))
    assert DataConfig().costs.for_scale(DataConfig().scale()).matrix[3] == (6.0, 4.0, 2.0, 0.0)


@pytest.mark.parametrize(
    ("yaml_costs", "message"),
    [
        ("{under: 2, sideways: 1}", "unknown keys \\['sideways'\\]"),
        ("{under: -1}", "costs.under: must be a finite number >= 0"),
        ("{under: 0, over: 0}", "both 0"),
        ("{under: lots}", "under and over must be numbers"),
        ("[[0, x], [1, 0]]", "list of rows of numbers"),
        ("cheap", "give \\{under: 2, over: 1\\} or a matrix"),
    ],
)
def test_bad_costs_in_the_yaml_name_the_key_and_the_fix(
    tmp_path: Path, yaml_costs: str, message: str
) -> None:
    path = tmp_path / "data.yaml"
    path.write_text(f"costs: {yaml_costs}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_data_config(path)


def test_a_matrix_must_fit_the_levels_and_hold_valid_costs() -> None:
    config = DataConfig(levels=("low", "medium", "high"), costs=CostSpec(matrix=((0.0, 1.0),)))
    with pytest.raises(ConfigError, match="1 rows but there are 3 levels \\(low, medium, high\\)"):
        config.costs.for_scale(config.scale())
    diagonal = CostSpec(matrix=((1.0, 1.0, 1.0), (1.0, 0.0, 1.0), (1.0, 1.0, 0.0)))
    with pytest.raises(ConfigError, match="the correct level must cost 0"):
        diagonal.for_scale(config.scale())


def test_cli_costs_replace_the_yamls_even_a_matrix(tmp_path: Path) -> None:
    path = tmp_path / "data.yaml"
    path.write_text(f"levels: [low, mid, high]\ncosts: {_MATRIX}\n", encoding="utf-8")
    assert build_data_config(path).costs.matrix == ((0, 1, 3), (2, 0, 1), (9, 4, 0))
    config = build_data_config(path, under_cost=4.0)
    assert config.costs == CostSpec(under=4.0, over=1.0)
    assert build_data_config(None, over_cost=0.5).costs == CostSpec(under=2.0, over=0.5)


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        (("low", "high"), "a scale needs 3 to 5 levels, got 2"),
        (("low", "Low", "high"), "names must be unique"),
        (tuple("abcdef"), "a scale needs 3 to 5 levels, got 6"),
    ],
)
def test_levels_that_make_no_scale_are_a_config_error(
    levels: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        DataConfig().with_overrides(levels=levels)


def test_an_alias_to_no_level_is_a_config_error_when_loading(tmp_path: Path) -> None:
    path = tmp_path / "data.yaml"
    path.write_text("levels: [a, b, c]\nlabel_aliases: {x: d}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="'x' points to 'd'"):
        load_data_config(path)


@pytest.mark.parametrize(
    "levels", [("high", "medium", "low"), ("P1", "P2", "P3", "P4"), ("urgent", "high", "low")]
)
def test_levels_in_descending_urgency_are_warned_about(levels: tuple[str, ...]) -> None:
    warning = DataConfig(levels=levels).level_order_warning()
    assert warning is not None
    assert f"Did you mean {','.join(reversed(levels))}?" in warning


@pytest.mark.parametrize(
    "levels", [("low", "medium", "high"), ("P4", "P3", "P2", "P1"), ("bronze", "silver", "gold")]
)
def test_ascending_or_unknown_levels_are_not_warned_about(levels: tuple[str, ...]) -> None:
    assert DataConfig(levels=levels).level_order_warning() is None
