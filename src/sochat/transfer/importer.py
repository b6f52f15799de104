"""sochat import: validate every row first, then load all of them in one transaction (or, with
--skip-bad, the good ones, writing the bad ones to a reject file)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from sochat.domain.errors import InvalidInput
from sochat.store.records import Row
from sochat.store.store import Store
from sochat.transfer.files import SourceRow, read_rows
from sochat.transfer.records import kind_named, parse_row

RECORD_TYPE = "type"


@dataclass
class Report:
    rows: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)  # (line, message)


def _row_of(source: SourceRow, default_kind: str | None) -> Row:
    if source.error is not None or source.data is None:
        raise InvalidInput(source.error or "not an object", property_name="row")
    # Only the exact member "type" names the record type: Associate.Type and Project.Type are data.
    named = source.data.get(RECORD_TYPE)
    if named in (None, ""):
        if default_kind is None:
            raise InvalidInput("no type: give each row a 'type' member or column, or pass --type", property_name="type")
        kind = default_kind
    else:
        kind = kind_named(named)
        if default_kind is not None and kind != default_kind:
            raise InvalidInput(f"type {kind} differs from --type {default_kind}", property_name="type")
    data = {key: value for key, value in source.data.items() if key != RECORD_TYPE}
    return parse_row(kind, data)


def validate(path: Path, file_format: str, default_kind: str | None, on_bytes: Callable[[int], None] | None) -> Report:
    """First pass: check every row, remembering every bad one with its line number."""
    report = Report()
    for source in read_rows(path, file_format, on_bytes):
        report.rows += 1
        try:
            _row_of(source, default_kind)
        except InvalidInput as exc:
            report.bad.append((source.line, exc.message))
    return report


def load(
    store: Store,
    path: Path,
    file_format: str,
    default_kind: str | None,
    *,
    rejects: TextIO | None,
    on_bytes: Callable[[int], None] | None,
) -> dict[str, int]:
    """Second pass: load the rows in one transaction; bad rows (only with --skip-bad) go to ``rejects``."""

    def good_rows() -> Iterator[Row]:
        for source in read_rows(path, file_format, on_bytes):
            try:
                yield _row_of(source, default_kind)
            except InvalidInput:
                if rejects is not None:
                    rejects.write(source.text + "\n")

    return store.run_admin(lambda unit: unit.transfer.load(good_rows()))
