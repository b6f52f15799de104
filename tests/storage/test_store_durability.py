"""The settings a 200 relies on, read back from the store's own connections (issue 19): SQLite's writer and
readers run in WAL mode with synchronous=FULL; PostgreSQL's sessions have synchronous_commit on.

Each check is a job run through the store's public write and read paths, so it sees exactly the connections
the store hands its use cases. tests/e2e/test_e2e_durability.py checks the effect (an fsync before each 200).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from sochat.store.repositories import Unit
from support.databases import postgres_backend, sqlite_backend

pytestmark = pytest.mark.anyio

FULL = 2  # PRAGMA synchronous answers FULL as 2


def _value(unit: Unit, text: str) -> object:
    row = unit.raw(text, {}).fetchone()
    assert row is not None, text
    return row[0]


async def test_every_sqlite_connection_is_wal_and_synchronous_full(tmp_path: Path, anyio_backend: str) -> None:
    """The writer and every reader the store opens answer journal_mode=wal and synchronous=FULL."""

    def settings(unit: Unit) -> tuple[object, object]:
        return _value(unit, "PRAGMA journal_mode"), _value(unit, "PRAGMA synchronous")

    store = sqlite_backend(tmp_path / "durable.db").open()
    try:
        store.migrate()
        written = await store.write(settings)
        reads = await asyncio.gather(*(store.read(settings) for _ in range(16)))  # more than one reader thread
    finally:
        store.close()
    assert written == ("wal", FULL)
    assert set(reads) == {("wal", FULL)}


async def test_every_postgresql_session_commits_synchronously(postgres_url: str, anyio_backend: str) -> None:
    """Writes and reads run in sessions whose synchronous_commit is on (a COMMIT waits for the WAL flush)."""
    with postgres_backend(postgres_url) as backend:
        store = backend.open(pool_size=3)
        try:
            store.migrate()
            written = await store.write(lambda unit: _value(unit, "SHOW synchronous_commit"))
            reads = await asyncio.gather(
                *(store.read(lambda unit: _value(unit, "SHOW synchronous_commit")) for _ in range(8))
            )
        finally:
            store.close()
    assert written == "on"
    assert set(reads) == {"on"}
