"""CSV, Parquet and JSONL exports of any shape are read through the column mapping."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.data.conftest import frame_of
from training.config import DataConfig
from training.data import load_dataset
from training.errors import DataError


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_every_supported_format_reads_the_same_rows(
    rows: list[dict[str, Any]], tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"export{suffix}"
    frame = pd.DataFrame(rows)
    frame["monthly_value"] = frame["monthly_value"].astype(float)
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".parquet":
        frame.to_parquet(path)
    else:
        path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    dataset = load_dataset(path)
    assert dataset.n_valid == len(rows)
    assert dataset.labels.tolist()[:4] == ["low", "medium", "high", "urgent"]
    assert dataset.frame["monthly_value"].iloc[3] == 30.0
    assert len(dataset.sha256) == 64


def test_a_custom_export_is_mapped_by_options_with_label_aliases(
    rows: list[dict[str, Any]], tmp_path: Path
) -> None:
    aliases = {"low": "P4", "medium": "Normal", "high": "hoch", "urgent": " CRITICAL "}
    renamed = [
        {
            "id": r["ticket_id"],
            "opened": r["created_at"],
            "title": r["subject"],
            "description": r["body"],
            "queue": "billing",
            "sev": aliases[r["priority"]],
        }
        for r in rows
    ]
    path = tmp_path / "zendesk.csv"
    frame_of(renamed).to_csv(path, index=False)
    config = DataConfig(
        text_columns=("title", "description"),
        label_column="sev",
        category_columns=("queue",),
        numeric_columns=(),
        time_column="opened",
        id_column="id",
    )
    dataset = load_dataset(path, config)
    assert dataset.bad_rows == []
    assert dataset.columns.features == ("title", "description", "queue")
    assert set(dataset.labels) == {"low", "medium", "high", "urgent"}


def test_custom_levels_use_only_their_own_aliases(
    rows: list[dict[str, Any]], tmp_path: Path
) -> None:
    names = {"low": "P4", "medium": "P3", "high": "P2", "urgent": "P1"}
    for r in rows:
        r["priority"] = names[r["priority"]].lower()
    path = tmp_path / "p.csv"
    frame_of(rows).to_csv(path, index=False)
    dataset = load_dataset(path, DataConfig(levels=("P4", "P3", "P2", "P1")))
    assert dataset.labels.value_counts().to_dict() == {"P4": 25, "P3": 25, "P2": 25, "P1": 25}


def test_an_unsupported_file_type_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"not really")
    with pytest.raises(DataError, match=r"unsupported type.*\.csv"):
        load_dataset(path)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        load_dataset(tmp_path / "nope.csv")


def test_without_text_columns_the_error_says_how_to_map_them(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("title,sev\nhello,high\n", encoding="utf-8")
    with pytest.raises(DataError, match="--text-columns"):
        load_dataset(path)


def test_nested_customer_objects_are_read_as_the_plain_columns(
    rows: list[dict[str, Any]], tmp_path: Path
) -> None:
    path = tmp_path / "requests.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for i, row in enumerate(rows):
            customer = {"tier": row.pop("tier"), "vip": i % 2 == 0,
                        "monthly_value": int(row.pop("monthly_value"))}  # fmt: skip
            handle.write(json.dumps(row | {"customer": customer}) + "\n")
    dataset = load_dataset(path)
    assert {"tier", "vip"} <= set(dataset.columns.category)
    assert "monthly_value" in dataset.columns.numeric
    assert dataset.frame["vip"].iloc[:2].tolist() == ["true", "false"]
    assert dataset.frame["monthly_value"].iloc[1] == 10.0
