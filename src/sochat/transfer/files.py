"""Reading and writing JSON Lines and CSV, row by row, with line numbers for error reports."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import msgspec

FORMATS = ("jsonl", "csv")
_decoder = msgspec.json.Decoder()
_encoder = msgspec.json.Encoder()


@dataclass(frozen=True, slots=True)
class SourceRow:
    line: int  # 1-based; for CSV the line the record ends on
    text: str  # the row as it was in the file (for reject files)
    data: dict[str, Any] | None  # None when the row is not an object
    error: str | None = None


def format_of(path: Path, explicit: str | None) -> str:
    if explicit:
        return explicit
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    raise ValueError(f"cannot tell the format of {path.name}; name it .jsonl or .csv, or pass --format")


def read_rows(path: Path, file_format: str, on_bytes: Callable[[int], None] | None = None) -> Iterator[SourceRow]:
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        source: Iterable[str] = _counted(handle, on_bytes) if on_bytes else handle
        if file_format == "jsonl":
            yield from _jsonl(source)
        else:
            yield from _csv(source)


def _jsonl(handle: Iterable[str]) -> Iterator[SourceRow]:
    for number, text in enumerate(handle, start=1):
        stripped = text.strip()
        if not stripped:
            continue
        try:
            data = _decoder.decode(stripped)
        except (msgspec.DecodeError, RecursionError) as exc:
            yield SourceRow(number, stripped, None, f"not valid JSON: {exc}")
            continue
        if not isinstance(data, dict):
            yield SourceRow(number, stripped, None, "not a JSON object")
            continue
        yield SourceRow(number, stripped, data)


def _csv(handle: Iterable[str]) -> Iterator[SourceRow]:
    reader = csv.DictReader(handle)
    if reader.fieldnames is None:
        return
    header = list(reader.fieldnames)
    for record in reader:
        text = _csv_line(header, record)
        if None in record:
            yield SourceRow(reader.line_num, text, None, "has more cells than the header")
            continue
        yield SourceRow(reader.line_num, text, unflatten(record))


def unflatten(record: dict[str, str | None]) -> dict[str, Any]:
    """CSV cells to the JSON form: dotted names nest (User.AssociateId), empty cells are null."""
    result: dict[str, Any] = {}
    for name, value in record.items():
        if name is None:
            continue
        target = result
        parts = name.split(".")
        for part in parts[:-1]:
            nested = target.get(part)
            if not isinstance(nested, dict):
                nested = {}
                target[part] = nested
            target = nested
        target[parts[-1]] = None if value in (None, "") else value
    return result


def flatten(row: dict[str, Any], depth: int = 8) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, value in row.items():
        if isinstance(value, dict) and depth > 0:
            for inner, item in flatten(value, depth - 1).items():
                flat[f"{name}.{inner}"] = item
        else:
            flat[name] = value
    return flat


def write_jsonl(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    count = 0
    for row in rows:
        out.write(_encoder.encode(row).decode("utf-8"))
        out.write("\n")
        count += 1
    return count


def write_csv(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    writer: csv.DictWriter[str] | None = None
    count = 0
    for row in rows:
        # Links flatten to dotted columns (User.AssociateId); other nested values arrive as JSON text.
        # Rows end in RFC 4180's CRLF, so the csv module quotes any field holding a CR or LF, even a lone CR.
        flat = {name: _cell(value) for name, value in flatten(row, depth=1).items()}
        if writer is None:
            writer = csv.DictWriter(out, fieldnames=list(flat), lineterminator="\r\n")
            writer.writeheader()
        writer.writerow(flat)
        count += 1
    return count


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return _encoder.encode(value).decode("utf-8")
    return str(value)


def _csv_line(header: list[str], record: dict[str | None, Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(
        ["" if record.get(name) is None else record[name] for name in header]
    )
    return buffer.getvalue()


def _counted(lines: Iterable[str], on_bytes: Callable[[int], None]) -> Iterator[str]:
    """The lines, reporting how many characters were read, for a progress bar over the file size."""
    for line in lines:
        on_bytes(len(line))
        yield line
