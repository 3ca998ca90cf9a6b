"""Exports as Excel and helpdesk tools write them: delimiters, compression, encodings, damage."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.data.conftest import frame_of
from training.config import ConfigError, DataConfig, data_config_from_mapping
from training.data import load_dataset
from training.errors import DataError
from training.export_files import header_delimiter, read_table

DANISH = "Kunden kan ikke logge på, æøå virker ikke"


def danish_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with non-ASCII text, so an encoding mistake shows in the values."""
    for row in rows:
        row["body"] = f"{DANISH} ({row['ticket_id']})"
    return rows


@pytest.mark.parametrize(
    ("name", "sep"),
    [("semicolon.csv", ";"), ("pipe.csv", "|"), ("tabs.csv", "\t"), ("tabs.tsv", "\t")],
)
def test_the_delimiter_is_found_from_the_header(
    rows: list[dict[str, Any]], tmp_path: Path, name: str, sep: str
) -> None:
    path = tmp_path / name
    frame_of(danish_rows(rows)).to_csv(path, sep=sep, index=False)
    dataset = load_dataset(path)
    assert dataset.n_valid == len(rows)
    assert dataset.frame["body"].iloc[0] == f"{DANISH} (T0000)"
    assert dataset.frame["monthly_value"].iloc[3] == 30.0


@pytest.mark.parametrize(
    ("header", "delimiter"),
    [
        ("subject,body,priority", ","),
        ("subject;body;priority", ";"),
        ('"Emne";"Beskrivelse";"Prioritet"', ";"),
        ("Ticket ID;Subject;Description, long;Priority", ";"),
        ("subject\tbody", "\t"),
        ("priority", ","),
        ("", ","),
    ],
)
def test_header_delimiter_picks_the_split_with_most_columns(header: str, delimiter: str) -> None:
    assert header_delimiter(header) == delimiter


@pytest.mark.parametrize("name", ["export.csv.gz", "export.tsv.gz", "export.jsonl.gz"])
def test_gzipped_exports_are_read(rows: list[dict[str, Any]], tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    frame = frame_of(danish_rows(rows))
    if ".jsonl" in name:
        path.write_bytes(gzip.compress("\n".join(json.dumps(r) for r in rows).encode()))
    else:
        frame.to_csv(path, sep="\t" if ".tsv" in name else ",", index=False)
    dataset = load_dataset(path)
    assert dataset.n_valid == len(rows)
    assert dataset.frame["body"].iloc[1] == f"{DANISH} (T0001)"


def test_a_compressed_parquet_name_is_refused_with_the_supported_types(tmp_path: Path) -> None:
    path = tmp_path / "export.parquet.gz"
    path.write_bytes(gzip.compress(b"x"))
    with pytest.raises(DataError, match=r"unsupported type.*\.csv.*tickets\.csv\.gz"):
        read_table(path)


def test_a_windows_export_is_a_clear_error_naming_the_line_and_the_fix(
    rows: list[dict[str, Any]], tmp_path: Path
) -> None:
    danish_rows(rows)[2]["body"] = "Prioritet: høj"
    rows[0]["body"] = rows[1]["body"] = "plain ascii"
    path = tmp_path / "excel.csv"
    frame_of(rows).to_csv(path, index=False, encoding="cp1252")
    with pytest.raises(DataError) as raised:
        load_dataset(path)
    message = str(raised.value)
    assert "excel.csv is not valid utf-8 (line 4, byte f8)" in message
    assert "encoding: cp1252" in message
    assert "--encoding" in message


def test_the_configured_encoding_reads_a_windows_export(
    rows: list[dict[str, Any]], tmp_path: Path
) -> None:
    path = tmp_path / "excel.csv"
    frame_of(danish_rows(rows)).to_csv(path, sep=";", index=False, encoding="cp1252")
    dataset = load_dataset(path, data_config_from_mapping({"encoding": "cp1252"}))
    assert dataset.frame["body"].iloc[0] == f"{DANISH} (T0000)"
    assert dataset.encoding == "cp1252"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_a_byte_order_mark_is_understood_without_configuration(
    rows: list[dict[str, Any]], tmp_path: Path, encoding: str
) -> None:
    path = tmp_path / "unicode.tsv"
    frame_of(danish_rows(rows)).to_csv(path, sep="\t", index=False, encoding=encoding)
    frame = read_table(path)
    assert frame.columns[0] == "ticket_id"
    assert frame["body"].iloc[0] == f"{DANISH} (T0000)"


def test_an_unknown_encoding_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"encoding: unknown encoding 'latin-9x'.*cp1252"):
        DataConfig(encoding="latin-9x")


def test_a_broken_jsonl_line_is_named(rows: list[dict[str, Any]], tmp_path: Path) -> None:
    lines = [json.dumps(r) for r in rows]
    lines[6] = lines[6][:-5]
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"JSON lines .*: line 7 is not a JSON object"):
        read_table(path)


@pytest.mark.parametrize(
    ("name", "content", "pattern"),
    [
        ("export.jsonl", b'{"subject": "a"}\n[1, 2]\n', r"line 2 is not a JSON object"),
        ("export.parquet", b"PAR1 not really parquet", "not a readable Parquet file"),
        ("export.csv", b"", r"export\.csv is empty"),
    ],
)
def test_a_damaged_or_empty_file_is_a_clear_error(
    tmp_path: Path, name: str, content: bytes, pattern: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError, match=pattern):
        read_table(path)


def test_a_row_with_extra_cells_names_the_line_and_the_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("subject;priority\nok;high\nunquoted; semicolon;low\n", encoding="utf-8")
    with pytest.raises(DataError) as raised:
        read_table(path)
    message = str(raised.value)
    assert "delimiter ';'" in message
    assert "Expected 2 fields in line 3, saw 3" in message
    assert "must be quoted" in message


@pytest.mark.parametrize("sep", [";", ",", "\t"])
def test_excels_sep_line_names_the_delimiter(
    rows: list[dict[str, Any]], tmp_path: Path, sep: str
) -> None:
    path = tmp_path / "excel.csv"
    body = frame_of(rows).to_csv(index=False, sep=sep, lineterminator="\r\n")
    path.write_text(f"sep={sep}\r\n{body}", encoding="utf-8-sig")
    dataset = load_dataset(path)
    assert dataset.n_valid == len(rows)
    assert dataset.frame["subject"].iloc[0] == "Ticket 0"


def test_spaces_around_column_names_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("subject, Body ,priority\nok,text,high\n", encoding="utf-8")
    assert list(read_table(path).columns) == ["subject", "Body", "priority"]


def test_quoted_cells_keep_delimiters_and_line_breaks(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    frame = pd.DataFrame({"subject": ["a; b", "c"], "body": ["line 1\nline 2", "d"]})
    frame.to_csv(path, sep=";", index=False)
    assert read_table(path).to_dict("list") == frame.to_dict("list")


def test_a_repeated_column_the_model_reads_is_an_error_naming_both(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("subject,priority,body,priority\nok,,text,high\n", encoding="utf-8")
    with pytest.raises(
        DataError, match=r"columns named 'priority' appear 2 times \(columns 2, 4\)"
    ):
        load_dataset(path)


def test_a_repeated_column_nothing_reads_is_a_warning(
    rows: list[dict[str, Any]], tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    frame = frame_of(rows)
    frame.insert(1, "note", "a")
    frame["note2"] = "b"
    frame.to_csv(path, index=False)
    path.write_text(path.read_text(encoding="utf-8").replace("note2", "note", 1), encoding="utf-8")
    dataset = load_dataset(path)
    assert dataset.n_valid == len(rows)
    assert "columns named 'note' appear 2 times (columns 2, 11); not used" in dataset.warnings[0]
