"""Fixtures for the reliability tests: a prepared database of each kind, for real `sochat serve` processes.

The demo users are loaded with cheap argon2 hashes (tests/support/databases.py), so that the servers' first
logins do not dominate a short load.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from support.databases import Backend, prepare_demo, sqlite_backend


@pytest.fixture
def backend(demo_backend: Backend) -> Backend:
    """A migrated demo database of each kind (support.fixtures' demo_backend)."""
    return demo_backend


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Backend:
    """A migrated demo SQLite database."""
    return prepare_demo(sqlite_backend(tmp_path / "sochat.db"))
