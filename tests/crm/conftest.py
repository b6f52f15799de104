"""Fixtures for the CRM tests: the demo company with its chat sessions (sochat.demo with sessions=True), copied
per test, and an in-process app on it through support.client's Client, on both databases (``[sqlite]`` and
``[postgresql]``, parametrised by support.fixtures through ``database``). A test that also reads or writes the
SQLite file itself (``company_path``, for the import and export commands) runs on SQLite only."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from crm_support import OTHER_AGENT, USERS, CrmFactory

from sochat.store.sqlite import SqliteEngine
from sochat.store.store import Store
from support.client import Client
from support.databases import (
    Backend,
    copy_sqlite,
    load_cheap_demo,
    postgres_copy,
    postgres_schema_backend,
    postgres_template,
    sqlite_backend,
    sqlite_template,
    stored_users,
)
from support.inprocess import opener


def _load_company(store: Store) -> None:
    """Migrate ``store`` and load the demo company, passwords hashed at argon2's lowest cost."""
    store.migrate()
    load_cheap_demo(store, sessions=True)
    ids = {record.user_name: record.associate_id for record in stored_users(store)}
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


@pytest.fixture
def company_backend(database: str, request: pytest.FixtureRequest) -> Backend:
    """Raw SQL on the database ``any_company_store`` is on."""
    if database == "sqlite":
        return sqlite_backend(request.getfixturevalue("company_path"))
    return postgres_schema_backend(
        request.getfixturevalue("postgres_url"), request.getfixturevalue("postgres_module_schema")
    )


@pytest.fixture
def crm_factory(any_company_store: Store, company_backend: Backend) -> CrmFactory:
    """Open an app with the given Settings fields on the test's copy of the company, as an async context
    manager yielding a Client (signed in as the admin; tests speak as any role through crm_support.call)."""
    return opener(
        any_company_store,
        lambda opened: Client(opened.client, app=opened.app, store=any_company_store, backend=company_backend),
    )


@pytest.fixture
async def crm(crm_factory: CrmFactory, anyio_backend: str) -> AsyncIterator[Client]:
    async with crm_factory() as opened:
        yield opened


@pytest.fixture
async def strict_crm(crm_factory: CrmFactory, anyio_backend: str) -> AsyncIterator[Client]:
    async with crm_factory(strict=True) as opened:
        yield opened
