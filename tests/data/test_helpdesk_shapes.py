"""Helpdesk exports hold nested objects and lists: a Zendesk Parquet's `via` struct and `tags`
list, a Freshdesk JSONL's `tags` array. They are read as the service will be sent them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

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


def test_a_parquet_struct_column_is_read_as_dotted_columns_like_jsonl(
    rows: list[dict[str, Any]], tmp_path: Path
) -> None:
    path = tmp_path / "zendesk.parquet"
    pd.DataFrame(_zendesk_rows(rows)).to_parquet(path)

    dataset = load_dataset(path, ZENDESK)

    assert dataset.n_valid == len(rows)
    assert dataset.frame["via.channel"].iloc[:4].tolist() == list(CHANNELS)
