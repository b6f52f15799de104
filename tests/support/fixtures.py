"""The fixtures every folder shares, loaded by tests/conftest.py as a pytest plugin: the demo database per test
on either database, SuperOffice's sample request and an entity with every property set.

The store is parametrised over both databases: every test built on ``store`` (through ``database``) runs as
``[sqlite]`` and ``[postgresql]``. PostgreSQL is the server of SOCHAT_TEST_POSTGRES_URL (default
postgresql://postgres@127.0.0.1:5432/test): a schema per test module, dropped after it, whose rows are reset to
the demo template before each test. Where it cannot be reached the ``[postgresql]`` half is skipped with the
reason, or fails when SOCHAT_REQUIRE_POSTGRES=1 (CI).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sochat.store.sqlite import SqliteEngine
from sochat.store.store import Store
from support.databases import (
    BACKENDS,
    POSTGRES_URL,
    Backend,
    backends_for,
    check_postgres,
    copy_sqlite,
    load_cheap_demo,
    postgres_backend,
    postgres_copy,
    postgres_schema_backend,
    postgres_template,
    prepare_demo,
    sqlite_backend,
    sqlite_template,
    unique_name,
)
from support.entity import PROPERTIES, SEED_BODY, SEED_HEADERS
from support.entity import full_entity as _full_entity

# Fixtures that hand a test the SQLite file itself: a test that asks for one runs on SQLite only.
SQLITE_FILE_FIXTURES = ("db_path", "company_path")


def _load_demo(store: Store) -> None:
    store.migrate()
    load_cheap_demo(store)


@pytest.fixture
def anyio_backend() -> str:
    """asyncio only: the stores hand work between asyncio loops and threads."""
    return "asyncio"


@pytest.fixture
def seed_request() -> tuple[dict[str, str], str]:
    """The seed's sample request: (headers, body text), verbatim."""
    return dict(SEED_HEADERS), SEED_BODY


@pytest.fixture
def entity_properties() -> tuple[str, ...]:
    """ChatSessionEntity's properties in SuperOffice's order, as the code declares them (support.entity)."""
    return PROPERTIES


@pytest.fixture
def full_entity() -> dict[str, object]:
    """A save body with every property set to a non-null, non-default value (links by id only)."""
    return _full_entity()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The PostgreSQL test server's URL, after checking once that it answers (else skip or fail, see
    support/databases.py)."""
    return check_postgres(POSTGRES_URL)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test built on ``database`` (the ``store`` below, tests/crm's ``any_company_store``) runs once per
    database: ``[sqlite]`` and ``[postgresql]``.

    A test that also asks for ``db_path`` (or tests/crm's ``company_path``) reads the SQLite file itself, so it
    runs on SQLite only."""
    if "database" in metafunc.fixturenames:
        sqlite_only = any(name in metafunc.fixturenames for name in SQLITE_FILE_FIXTURES)
        databases = ("sqlite",) if sqlite_only else backends_for(metafunc.definition.path)
        metafunc.parametrize("database", databases, indirect=True)


@pytest.fixture
def database(request: pytest.FixtureRequest) -> str:
    """The kind of database the test's store is on (parametrised by pytest_generate_tests)."""
    kind: str = request.param
    return kind


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database with the demo data (cheap password hashes), built once and copied per test."""
    return sqlite_template(tmp_path_factory.mktemp("template") / "demo.db", _load_demo)


@pytest.fixture(scope="session")
def postgres_demo_schema(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL schema with the demo data (cheap password hashes), built once and copied per test."""
    with postgres_template(postgres_url, "sochat_template", _load_demo) as schema:
        yield schema


@pytest.fixture
def db_path(demo_database: Path, tmp_path: Path) -> Path:
    """A private SQLite copy of the demo database.

    Asking for it pins a test to SQLite: the test reads or writes this file itself."""
    return copy_sqlite(demo_database, tmp_path / "sochat.db")


@pytest.fixture
def store(database: str, request: pytest.FixtureRequest) -> Iterator[Store]:
    """The test's own migrated copy of the demo database: a fresh SQLite file, or the module's PostgreSQL
    schema with its rows reset to the demo template."""
    if database == "sqlite":
        opened: Store = Store(SqliteEngine(request.getfixturevalue("db_path")))
        assert opened.migrate() == []
        yield opened
        opened.close()
        return
    with postgres_copy(
        request.getfixturevalue("postgres_url"),
        request.getfixturevalue("postgres_demo_schema"),
        request.getfixturevalue("postgres_module_schema"),
    ) as copied:
        yield copied


@pytest.fixture
def store_backend(database: str, request: pytest.FixtureRequest) -> Backend:
    """Raw SQL on the database the test's ``store`` is on (support.databases.Backend): the same SQLite file, or
    the module's PostgreSQL schema."""
    if database == "sqlite":
        return sqlite_backend(request.getfixturevalue("db_path"))
    return postgres_schema_backend(
        request.getfixturevalue("postgres_url"), request.getfixturevalue("postgres_module_schema")
    )


@pytest.fixture(params=BACKENDS)
def demo_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """A migrated demo database of each kind (cheap hashes) for a `sochat serve` the test starts itself: an
    SQLite file, or a fresh PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield prepare_demo(sqlite_backend(tmp_path / "sochat.db"))
        return
    with postgres_backend(request.getfixturevalue("postgres_url")) as opened:
        yield prepare_demo(opened)


@pytest.fixture(scope="module")
def postgres_module_schema(postgres_url: str) -> Iterator[str]:
    """A migrated PostgreSQL schema for the tests of one module, dropped after them; ``store`` resets its rows
    to a template before each test (a fresh schema per test would cost ten times as much)."""
    schema = unique_name("sochat_test")
    with postgres_backend(postgres_url, schema) as backend:
        store = backend.open(pool_size=1)
        try:
            store.migrate()
        finally:
            store.close()
        yield schema
