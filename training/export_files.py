"""Read an export file into a frame: format from the name, compression, CSV delimiter, encoding.

Helpdesk exports come out of Excel as often as out of APIs: semicolon-separated CSV (the list
separator of Danish, German, Dutch, Finnish and Slovenian locales), Windows code pages, UTF-16
"Unicode text", a byte-order mark, gzip. Whatever cannot be read is a `DataError` that names
the file, the line where one is known, and the fix; never a parser's traceback.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import io
import json
import lzma
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pandas as pd

from training.errors import DataError

DEFAULT_ENCODING = "utf-8"
KINDS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
}
OPENERS: dict[str, Callable[..., IO[Any]]] = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
CSV_DELIMITERS = (",", ";", "\t", "|")
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True)
class ExportFile:
    """An export's path with what its name says: the format and an optional compression."""

    path: Path
    kind: str
    compression: str | None

    @classmethod
    def of(cls, path: Path) -> ExportFile:
        """Recognise the format from the suffixes, e.g. `tickets.csv.gz` is gzipped CSV.

        Raises:
            DataError: the file does not exist or its type is not supported.
        """
        if not path.is_file():
            raise DataError(f"--data: file {path} does not exist")
        suffixes = [s.lower() for s in path.suffixes]
        compression = suffixes.pop() if suffixes and suffixes[-1] in OPENERS else None
        kind = KINDS.get(suffixes[-1]) if suffixes else None
        if kind is None or (compression and kind == "parquet"):
            raise DataError(
                f"--data: {path.name} has an unsupported type; use {', '.join(KINDS)}; CSV, TSV "
                f"and JSON lines may be compressed ({', '.join(OPENERS)}), e.g. tickets.csv.gz"
            )
        return cls(path, kind, compression)

    def open_binary(self) -> IO[bytes]:
        """The file's bytes, decompressed."""
        if self.compression is None:
            return self.path.open("rb")
        return OPENERS[self.compression](self.path, "rb")  # type: ignore[no-any-return]


def read_table(path: Path, encoding: str = DEFAULT_ENCODING) -> pd.DataFrame:
    """Read an export; CSV cells stay strings so nothing is guessed before validation.

    Args:
        path: a CSV (any of , ; tab | as delimiter), Parquet or JSONL file, CSV and JSONL
            optionally compressed (.gz, .bz2, .xz).
        encoding: the text encoding of CSV/JSONL; a UTF-16 byte-order mark overrides the
            default UTF-8 (Excel's "Unicode text").

    Raises:
        DataError: the file is missing, of an unsupported type, empty, or cannot be parsed.
    """
    export = ExportFile.of(path)
    if export.kind == "parquet":
        frame = _read_parquet(export)
    else:
        encoding = _effective_encoding(export, encoding)
        try:
            delimited = export.kind in {"csv", "tsv"}
            frame = _read_csv(export, encoding) if delimited else _read_json(export, encoding)
        except UnicodeDecodeError as exc:
            raise _encoding_error(export, encoding) from exc
    frame.columns = [str(c) for c in frame.columns]
    return frame


def header_delimiter(header: str) -> str:
    """The delimiter among `CSV_DELIMITERS` that splits the header line into the most columns.

    Column names seldom hold a delimiter, so the header decides; a tie (one column) is a comma.
    """
    return max(CSV_DELIMITERS, key=lambda d: len(next(csv.reader([header], delimiter=d), [])))


def _effective_encoding(export: ExportFile, encoding: str) -> str:
    if codecs.lookup(encoding).name != codecs.lookup(DEFAULT_ENCODING).name:
        return encoding
    with export.open_binary() as handle:
        start = handle.read(2)
    return "utf-16" if start in UTF16_BOMS else encoding


def _read_csv(export: ExportFile, encoding: str) -> pd.DataFrame:
    with io.TextIOWrapper(export.open_binary(), encoding=encoding, errors="replace") as text:
        header = text.readline().lstrip("\ufeff")
    delimiter = "\t" if export.kind == "tsv" else header_delimiter(header)
    try:
        return pd.read_csv(
            export.path, sep=delimiter, dtype=str, keep_default_na=False, encoding=encoding,
            compression="infer",
        )  # fmt: skip
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"--data: {export.path.name} is empty; export at least a header") from exc
    except pd.errors.ParserError as exc:
        raise DataError(
            f"--data: {export.path.name} is not well-formed CSV (read with delimiter "
            f"{delimiter!r}): {exc}. Cells holding line breaks, quotes or the delimiter must be "
            "quoted; re-export with quoting on"
        ) from exc


def _read_json(export: ExportFile, encoding: str) -> pd.DataFrame:
    lines = export.kind == "jsonl"
    try:
        return pd.read_json(
            export.path, lines=lines, dtype=False, encoding=encoding, compression="infer"
        )
    except (ValueError, TypeError) as exc:  # TypeError: a line that is not an object
        where = _first_bad_json_line(export, encoding) if lines else None
        place = f"line {where[0]} is not a JSON object ({where[1]})" if where else f"{exc}"
        raise DataError(
            f"--data: {export.path.name} could not be read as "
            f"{'JSON lines (one object per line)' if lines else 'JSON'}: {place}"
        ) from exc


def _read_parquet(export: ExportFile) -> pd.DataFrame:
    try:
        return pd.read_parquet(export.path)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise DataError(
            f"--data: {export.path.name} is not a readable Parquet file ({exc}); re-export it, "
            "or export CSV or JSONL instead"
        ) from exc


def _first_bad_json_line(export: ExportFile, encoding: str) -> tuple[int, str] | None:
    with export.open_binary() as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.decode(encoding).strip()
            if not line:
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                return number, f"{exc.msg} at column {exc.colno}"
            if not isinstance(value, dict):
                return number, f"got a {type(value).__name__}"
    return None


def _encoding_error(export: ExportFile, encoding: str) -> DataError:
    where = ""
    if "16" not in encoding:
        with export.open_binary() as handle:
            for number, line in enumerate(handle, start=1):
                try:
                    line.decode(encoding)
                except UnicodeDecodeError as exc:
                    where = f" (line {number}, byte {line[exc.start : exc.end].hex(' ')})"
                    break
    return DataError(
        f"--data: {export.path.name} is not valid {encoding}{where}. Files saved by Excel are "
        "often in a Windows code page: set `encoding: cp1252` (Western European, e.g. Danish, "
        "German, Dutch, Finnish) or `encoding: cp1250` (Central European, e.g. Slovenian) in "
        "the data config or pass --encoding, or save the file as CSV UTF-8"
    )
