"""Helpdesk exports hold nested objects and lists: a Zendesk Parquet's `via` struct and `tags`
list, a Freshdesk JSONL's `tags` array. They are read as the service will be sent them."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from classifier.schema import Ticket
from training.config import DataConfig
from training.data import load_dataset

CHANNELS = ("email", "web", "phone", "chat")


def _zendesk_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": i,
            "created_at": row["created_at"],
            "subject": row["subject"],
            "description": row["body"],
            "priority": row["priority"],
            "tags": ["billing", "vip"] if i % 2 else ["outage"],
            "via": {"channel": CHANNELS[i % 4], "source": {"rel": None}},
        }
        for i, row in enumerate(rows)
    ]


ZENDESK = DataConfig(
    text_columns=("subject", "description"),
    category_columns=("via.channel", "tags"),
    numeric_columns=(),
    time_column="created_at",
    id_column="id",
)
TAGS = DataConfig(
    text_columns=("subject", "description"), category_columns=("tags",), numeric_columns=()
)


def test_a_parquet_struct_column_is_read_as_dotted_columns_like_jsonl(
    rows: list[dict[str, Any]], tmp_path: Path
) -> None:
    path = tmp_path / "zendesk.parquet"
    pd.DataFrame(_zendesk_rows(rows)).to_parquet(path)

    dataset = load_dataset(path, ZENDESK)

    assert dataset.n_valid == len(rows)
    assert dataset.frame["via.channel"].iloc[:4].tolist() == list(CHANNELS)


def test_list_cells_are_joined_as_the_service_joins_a_tickets_tags(
    rows: list[dict[str, Any]], tmp_path: Path
) -> None:
    parquet = tmp_path / "zendesk.parquet"
    pd.DataFrame(_zendesk_rows(rows)).to_parquet(parquet)
    jsonl = tmp_path / "freshdesk.jsonl"
    jsonl.write_text("\n".join(json.dumps(r) for r in _zendesk_rows(rows)), encoding="utf-8")
    served = Ticket(subject="x", tags=("billing", "vip")).to_record()["tags"]

    for path in (parquet, jsonl):
        tags = load_dataset(path, TAGS).frame["tags"]
        assert tags.iloc[:2].tolist() == ["outage", served], path.name
        assert served == "billing,vip"


def test_an_export_without_slice_columns_says_how_to_name_them(
    rows: list[dict[str, Any]], tmp_path: Path
) -> None:
    path = tmp_path / "zendesk.parquet"
    pd.DataFrame(_zendesk_rows(rows)).to_parquet(path)

    default = load_dataset(path, ZENDESK).warnings
    named = load_dataset(path, replace(ZENDESK, slice_columns=("via.channel",)))
    none = load_dataset(path, replace(ZENDESK, slice_columns=())).warnings

    slices = [w for w in default if "slice_columns" in w]
    assert slices == [
        "no per-slice metrics: none of the slice columns ['language', 'channel', 'tier'] is in "
        "the export; name the columns to cut the report by with `slice_columns: [...]` in the "
        "data config"
    ]
    assert named.columns.slices == ("via.channel",)
    assert not [w for w in named.warnings if "slice_columns" in w]
    assert not [w for w in none if "slice_columns" in w]
