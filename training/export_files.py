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
import re
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
# What a file's first bytes say it is, whatever its name says.
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", ".gz"),
    (b"BZh", ".bz2"),
    (b"\xfd7zXZ\x00", ".xz"),
    (b"PAR1", "parquet"),
    (b"PK\x03\x04", "zip"),
)
_DESCRIBED = {
    ".gz": "gzip-compressed", ".bz2": "bzip2-compressed", ".xz": "xz-compressed",
    "parquet": "a Parquet file", "zip": "a zip archive (an Excel .xlsx workbook is one)",
    "jsonl": "JSON (lines)", "text": "uncompressed text",
}  # fmt: skip
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_SEP_HINT = re.compile(r"sep=(.)")
REPEATED_COLUMNS = "repeated_columns"
"""`frame.attrs` key: {name: positions} of column names a CSV header repeats."""


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
        export = cls(path, kind, compression)
        export.check_content()
        return export

    def check_content(self) -> None:
        """Compare the file's first bytes with what its name says.

        Raises:
            DataError: the content is another format or compression than the name says,
                naming what it looks like and the name to give it.
        """
        with self.path.open("rb") as handle:
            found = sniff(handle.read(8))
        if found == "zip":
            raise DataError(
                f"--data: {self.path.name} is {_DESCRIBED['zip']}, not {self.kind.upper()}; "
                "save the sheet as CSV UTF-8 (Excel: File > Save As), or unzip the export"
            )
        if found == "parquet" and self.kind != "parquet":
            raise self._misnamed("parquet", ".parquet")
        if found in OPENERS and found != self.compression:
            if self.kind == "parquet":
                raise DataError(
                    f"--data: {self.path.name} is {_DESCRIBED[found]}; decompress it "
                    "(Parquet files are read uncompressed)"
                )
            raise self._misnamed(found, f".{self.kind}{found}")
        if self.compression is not None and found == "text":
            raise DataError(
                f"--data: {self.path.name} is not {_DESCRIBED[self.compression]} (it looks like "
                f"{_DESCRIBED['text']}); rename it to {self._base()}.{self.kind} or compress it"
            )
        if self.kind in {"csv", "tsv"}:
            with self.open_binary() as handle:
                start = _decompressed_head(handle)
            if start.lstrip()[:1] == b"{":
                suffix = ".jsonl" + (self.compression or "")
                raise self._misnamed("jsonl", suffix)

    def _base(self) -> str:
        """The file name without its format and compression suffixes."""
        cut = 1 + (self.compression is not None)
        return self.path.name.rsplit(".", cut)[0]

    def _misnamed(self, found: str, suffix: str) -> DataError:
        return DataError(
            f"--data: {self.path.name} is {_DESCRIBED[found]}, not what its name says "
            f"({self.kind.upper()}{', ' + self.compression if self.compression else ''}); "
            f"rename it to {self._base()}{suffix}"
        )

    def open_binary(self) -> IO[bytes]:
        """The file's bytes, decompressed."""
        if self.compression is None:
            return self.path.open("rb")
        return OPENERS[self.compression](self.path, "rb")  # type: ignore[no-any-return]


def sniff(head: bytes) -> str:
    """What the first bytes of a file are: a compression suffix (".gz"), "parquet", "zip"
    or "text"."""
    for magic, what in MAGIC:
        if head.startswith(magic):
            return what
    return "text"


def _decompressed_head(handle: IO[bytes]) -> bytes:
    try:
        return handle.read(64).removeprefix(codecs.BOM_UTF8)
    except (OSError, EOFError, lzma.LZMAError):
        return b""  # a damaged stream is reported when it is read


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
        try:
            encoding = _effective_encoding(export, encoding)
            delimited = export.kind in {"csv", "tsv"}
            frame = _read_csv(export, encoding) if delimited else _read_json(export, encoding)
        except UnicodeDecodeError as exc:
            raise _encoding_error(export, encoding) from exc
        except (OSError, EOFError, lzma.LZMAError) as exc:  # gzip.BadGzipFile is an OSError
            raise DataError(
                f"--data: {export.path.name} could not be decompressed ({exc}); the file is "
                "damaged or cut short: export or download it again"
            ) from exc
    names = [str(c) for c in frame.columns]
    stripped = [n.strip() for n in names]
    # " Body " cannot be typed in a comma-separated CLI option: names lose surrounding spaces
    # unless that would make two columns one
    frame.columns = stripped if len(set(stripped)) == len(stripped) else names
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
        hint = _SEP_HINT.fullmatch(header.strip("\r\n"))
        if hint:  # Excel's "sep=;" line: it names the delimiter, the header comes next
            header = text.readline()
    delimiter = "\t" if export.kind == "tsv" else header_delimiter(header)
    if hint:
        delimiter = hint.group(1)
    try:
        frame = pd.read_csv(
            export.path, sep=delimiter, dtype=str, keep_default_na=False, encoding=encoding,
            compression="infer", skiprows=1 if hint else None,
        )  # fmt: skip
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"--data: {export.path.name} is empty; export at least a header") from exc
    except pd.errors.ParserError as exc:
        raise DataError(
            f"--data: {export.path.name} is not well-formed CSV (read with delimiter "
            f"{delimiter!r}): {exc}. Cells holding line breaks, quotes or the delimiter must be "
            "quoted; re-export with quoting on"
        ) from exc
    frame.attrs[REPEATED_COLUMNS] = repeated_names(header, delimiter)
    return frame


def repeated_names(header: str, delimiter: str) -> dict[str, list[int]]:
    """Column names the header gives more than once, with their 1-based positions (pandas
    reads the later ones as `name.1`, `name.2`...)."""
    names = [n.strip() for n in next(csv.reader([header.strip("\r\n")], delimiter=delimiter), [])]
    positions: dict[str, list[int]] = {}
    for number, name in enumerate(names, start=1):
        positions.setdefault(name, []).append(number)
    return {name: where for name, where in positions.items() if len(where) > 1}


def _read_json(export: ExportFile, encoding: str) -> pd.DataFrame:
    lines = export.kind == "jsonl"
    try:
        frame = pd.read_json(
            export.path, lines=lines, dtype=False, encoding=encoding, compression="infer"
        )
    except (ValueError, TypeError) as exc:  # TypeError: a line that is not an object
        where = _first_bad_json_line(export, encoding) if lines else None
        place = f"line {where[0]} is not a JSON object ({where[1]})" if where else f"{exc}"
        raise DataError(
            f"--data: {export.path.name} could not be read as "
            f"{'JSON lines (one object per line)' if lines else 'JSON'}: {place}"
        ) from exc
    return flatten_objects(frame)


def flatten_objects(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns holding JSON objects (or Parquet structs) spread into one column per key, named
    with dots: {"customer": {"tier": "free"}} -> `customer.tier` (the API's own request shape)."""
    for column in list(frame.columns):
        values = frame[column]
        if values.dtype != object:
            continue
        is_object = values.map(lambda v: isinstance(v, dict))
        if not is_object.any() or not (is_object | values.isna()).all():
            continue
        inner = pd.json_normalize(
            [v if isinstance(v, dict) else {} for v in values.tolist()], sep="."
        )
        inner.columns = [f"{column}.{key}" for key in inner.columns]
        inner.index = frame.index
        frame = frame.drop(columns=column).join(inner)
    return frame


def _read_parquet(export: ExportFile) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(export.path)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise DataError(
            f"--data: {export.path.name} is not a readable Parquet file ({exc}); re-export it, "
            "or export CSV or JSONL instead"
        ) from exc
    return flatten_objects(frame)  # struct columns (Zendesk's `via`) arrive as dicts


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
