"""Fixtures for the reliability tests: a prepared database of each kind, for real `sochat serve` processes.

The demo users are loaded with cheap argon2 hashes (tests/support/databases.py), so that the servers' first
logins do not dominate a short load.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support.databases import BACKENDS, Backend, postgres_backend, prepare_demo, sqlite_backend


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """A migrated demo database of each kind: an SQLite file, or a fresh PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield prepare_demo(sqlite_backend(tmp_path / "sochat.db"))
        return
    with postgres_backend(request.getfixturevalue("postgres_url")) as opened:
        yield prepare_demo(opened)


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Backend:
    """A migrated demo SQLite database."""
    return prepare_demo(sqlite_backend(tmp_path / "sochat.db"))
