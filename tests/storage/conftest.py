"""One database per test for the Store contract: SQLite in a temporary file, PostgreSQL in a fresh schema.

PostgreSQL comes from SOCHAT_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test). When it
cannot be reached its tests are skipped with the reason, unless SOCHAT_REQUIRE_POSTGRES=1 (CI): then they fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from storage_backends import (
    BACKENDS,
    POSTGRES_URL,
    REQUIRE_POSTGRES,
    Backend,
    postgres_backend,
    postgres_missing,
    sqlite_backend,
)

from sochat.store.protocol import Store

try:
    import psycopg  # noqa: F401
except ImportError:
    if REQUIRE_POSTGRES:
        raise
    # Without the driver, the PostgreSQL-only tests cannot even be collected; the contract tests skip
    # their PostgreSQL half and say why.
    collect_ignore = ["test_postgres.py"]


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The test server's URL, after checking once that it answers (else skip or fail, see the module doc)."""
    try:
        import psycopg
    except ImportError as exc:
        postgres_missing(f"psycopg is not installed ({exc}); pip install 'sochat[postgres]'")
    from sochat.store.postgres import postgres_conninfo

    try:
        conninfo, _ = postgres_conninfo(POSTGRES_URL)
        with psycopg.connect(conninfo, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        postgres_missing(f"PostgreSQL at {POSTGRES_URL} cannot be reached: {exc}")
    return POSTGRES_URL


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
    """A migrated store on the test's database (overrides the demo store of tests/conftest.py)."""
    opened = backend.open()
    opened.migrate()
    yield opened
    opened.close()


@pytest.fixture
def anyio_backend() -> str:
    """asyncio only: the stores hand work between asyncio loops and threads."""
    return "asyncio"
