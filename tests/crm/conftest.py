"""Fixtures for the CRM tests: the demo company with its chat sessions (sochat.demo with sessions=True), copied
per test, and an in-process app on it. ``any_crm`` is the same on both databases (``[sqlite]`` and
``[postgresql]``, parametrised by support.fixtures through ``database``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from crm_support import OTHER_AGENT, USERS, Crm, CrmFactory

from sochat.store.sqlite import SqliteEngine
from sochat.store.store import Store
from support.databases import copy_sqlite, load_cheap_demo, postgres_copy, postgres_template, sqlite_template
from support.inprocess import opener


def _load_company(store: Store) -> None:
    """Migrate ``store`` and load the demo company, passwords hashed at argon2's lowest cost."""
    store.migrate()
    load_cheap_demo(store, sessions=True)
    ids = {
        record.user_name: record.associate_id for record in store.run_admin(lambda unit: unit.users.list(), write=False)
    }
    expected = {user.name: user.associate_id for user in (*USERS.values(), OTHER_AGENT)}
    assert ids == expected, ids


@pytest.fixture(scope="session")
def company_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo company, built once: users, topics, contacts 101-105 with persons, project 201, sales 301-302,
    tickets 401-402 and 300 sessions. Passwords are hashed at argon2's lowest cost (same passwords) so that
    each test's first login per user stays fast."""
    return sqlite_template(tmp_path_factory.mktemp("crm-template") / "company.db", _load_company)


@pytest.fixture(scope="session")
def postgres_company_schema(postgres_url: str) -> Iterator[str]:
    """The demo company in a PostgreSQL schema, built once and copied per test (see any_company_store)."""
    with postgres_template(postgres_url, "sochat_company", _load_company) as schema:
        yield schema


@pytest.fixture
def company_path(company_database: Path, tmp_path: Path) -> Path:
    """A private copy of the demo company."""
    return copy_sqlite(company_database, tmp_path / "company.db")


@pytest.fixture
def company_store(company_path: Path) -> Iterator[Store]:
    store = Store(SqliteEngine(company_path))
    assert store.migrate() == []
    yield store
    store.close()


@pytest.fixture
def any_company_store(database: str, request: pytest.FixtureRequest) -> Iterator[Store]:
    """The test's own copy of the demo company on the test's database: the SQLite copy, or the module's
    PostgreSQL schema with its rows reset to the company template."""
    if database == "sqlite":
        yield request.getfixturevalue("company_store")
        return
    with postgres_copy(
        request.getfixturevalue("postgres_url"),
        request.getfixturevalue("postgres_company_schema"),
        request.getfixturevalue("postgres_module_schema"),
    ) as copied:
        yield copied


def _crm_factory(store: Store) -> CrmFactory:
    return opener(store, lambda opened: Crm(opened.client, store))


@pytest.fixture
def crm_factory(company_store: Store) -> CrmFactory:
    """Open an app with the given Settings fields on the test's copy of the company."""
    return _crm_factory(company_store)


@pytest.fixture
def any_crm_factory(any_company_store: Store) -> CrmFactory:
    """crm_factory on both databases."""
    return _crm_factory(any_company_store)


@pytest.fixture
async def crm(crm_factory: CrmFactory, anyio_backend: str) -> AsyncIterator[Crm]:
    async with crm_factory() as opened:
        yield opened


@pytest.fixture
async def strict_crm(crm_factory: CrmFactory, anyio_backend: str) -> AsyncIterator[Crm]:
    async with crm_factory(strict=True) as opened:
        yield opened


@pytest.fixture
async def any_crm(any_crm_factory: CrmFactory, anyio_backend: str) -> AsyncIterator[Crm]:
    """crm on both databases."""
    async with any_crm_factory() as opened:
        yield opened


@pytest.fixture
async def any_strict_crm(any_crm_factory: CrmFactory, anyio_backend: str) -> AsyncIterator[Crm]:
    """strict_crm on both databases."""
    async with any_crm_factory(strict=True) as opened:
        yield opened
