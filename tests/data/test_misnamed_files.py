"""A file whose content is not what its name says: named, with the name to give it."""

from __future__ import annotations

import bz2
import gzip
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from serving.cli import app
from tests.data.conftest import frame_of
from training.errors import DataError
from training.export_files import read_table


@pytest.fixture
def csv_bytes(rows: list[dict[str, Any]]) -> bytes:
    return frame_of(rows).to_csv(index=False).encode()


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("export.csv.gz", r"export\.csv\.gz is not gzip-compressed .*rename it to export\.csv or "
                          r"compress it"),
        ("export.csv.bz2", r"export\.csv\.bz2 is not bzip2-compressed .*rename it to export\.csv"),
        ("export.csv.xz", r"export\.csv\.xz is not xz-compressed .*rename it to export\.csv"),
    ],
)  # fmt: skip
def test_a_compressed_name_holding_plain_text_names_the_fix(
    csv_bytes: bytes, tmp_path: Path, name: str, pattern: str
) -> None:
    path = tmp_path / name
    path.write_bytes(csv_bytes)
    with pytest.raises(DataError, match=pattern):
        read_table(path)


def test_a_damaged_gzip_is_a_clear_error(csv_bytes: bytes, tmp_path: Path) -> None:
    path = tmp_path / "export.csv.gz"
    path.write_bytes(gzip.compress(csv_bytes)[:40])
    with pytest.raises(DataError, match=r"export\.csv\.gz could not be decompressed"):
        read_table(path)


def test_train_on_a_fake_gzip_is_a_one_line_error(csv_bytes: bytes, tmp_path: Path) -> None:
    path = tmp_path / "plain.csv.gz"
    path.write_bytes(csv_bytes)
    env = {"COLUMNS": "300", "TP_MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}"}
    result = CliRunner().invoke(app, ["train", "--data", str(path)], env=env, color=False)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "plain.csv.gz is not gzip-compressed" in result.output


@pytest.mark.parametrize(
    ("name", "content", "pattern"),
    [
        (
            "export.csv",
            "gzip",
            r"export\.csv is gzip-compressed, not .*; rename it to export\.csv\.gz",
        ),
        (
            "export.csv",
            "bz2",
            r"export\.csv is bzip2-compressed, not .*; rename it to export\.csv\.bz2",
        ),
        ("export.csv.gz", "bz2", r"rename it to export\.csv\.bz2"),
        ("export.csv", "parquet", r"export\.csv is a Parquet file.*rename it to export\.parquet"),
        ("export.csv", "jsonl", r"export\.csv is JSON \(lines\).*rename it to export\.jsonl"),
        ("export.csv", "xlsx", r"export\.csv is a zip archive .*save the sheet as CSV UTF-8"),
        ("export.parquet", "gzip", r"export\.parquet is gzip-compressed; decompress it"),
    ],
)
def test_content_that_is_another_format_is_named_with_the_right_name(
    rows: list[dict[str, Any]], tmp_path: Path, name: str, content: str, pattern: str
) -> None:
    path = tmp_path / name
    csv_bytes = frame_of(rows).to_csv(index=False).encode()
    if content == "gzip":
        path.write_bytes(gzip.compress(csv_bytes))
    elif content == "bz2":
        path.write_bytes(bz2.compress(csv_bytes))
    elif content == "parquet":
        frame_of(rows).to_parquet(path)
    elif content == "jsonl":
        frame_of(rows).to_json(path, orient="records", lines=True)
    else:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(DataError, match=pattern):
        read_table(path)
