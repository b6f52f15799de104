"""One database per test for the Store contract: SQLite in a temporary file, PostgreSQL in a fresh schema.

PostgreSQL comes from SOCHAT_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test), through the
postgres_url fixture of support.fixtures: when it cannot be reached its tests are skipped with the reason,
unless SOCHAT_REQUIRE_POSTGRES=1 (CI): then they fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sochat.store.store import Store
from support.databases import BACKENDS, REQUIRE_POSTGRES, Backend, postgres_backend, sqlite_backend

try:
    import psycopg  # noqa: F401
except ImportError:
    if REQUIRE_POSTGRES:
        raise
    # Without the driver, the PostgreSQL-only tests cannot even be collected; the contract tests skip
    # their PostgreSQL half and say why.
    collect_ignore = ["test_postgres.py"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """An empty database of each kind, not migrated."""
    if request.param == "sqlite":
        yield sqlite_backend(tmp_path / "store.db")
        return
    with postgres_backend(request.getfixturevalue("postgres_url")) as opened:
        yield opened


@pytest.fixture
def store(backend: Backend) -> Iterator[Store]:
    """A migrated store on the test's database (overrides the demo store of support.fixtures)."""
    opened = backend.open()
    opened.migrate()
    yield opened
    opened.close()
