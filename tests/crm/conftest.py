"""Fixtures for the CRM tests: the demo company with its chat sessions (sochat.demo with sessions=True), copied
per test, and an in-process app on it. ``any_crm`` is the same on both databases (``[sqlite]`` and
``[postgresql]``, parametrised by tests/conftest.py through ``database``)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher
from crm_support import OTHER_AGENT, USERS, Crm, CrmFactory

from database_backends import copy_schema_rows, drop_schema, unique_name, with_query
from sochat.app import create_app
from sochat.demo import DEMO_USERS, load_demo
from sochat.settings import Settings
from sochat.store.protocol import Store
from sochat.store.sqlite import SqliteStore
from sochat.store.url import open_store


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _load_company(store: Store) -> None:
    """Migrate ``store`` and load the demo company, passwords re-hashed at argon2's lowest cost."""
    store.migrate()
    assert load_demo(store, sessions=True)
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    for user_name, password, *_ in DEMO_USERS:
        assert store.set_password(user_name, cheap.hash(password))
    ids = {record.user_name: record.associate_id for record in store.list_users()}
    expected = {user.name: user.associate_id for user in (*USERS.values(), OTHER_AGENT)}
    assert ids == expected, ids


@pytest.fixture(scope="session")
def company_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo company, built once: users, topics, contacts 101-105 with persons, project 201, sales 301-302,
    tickets 401-402 and 300 sessions. Passwords are re-hashed at argon2's lowest cost (same passwords) so that
    each test's first login per user stays fast."""
    path = tmp_path_factory.mktemp("crm-template") / "company.db"
    store = SqliteStore(path)
    try:
        _load_company(store)
    finally:
        store.close()
    return path


@pytest.fixture(scope="session")
def postgres_company_schema(postgres_url: str) -> Iterator[str]:
    """The demo company in a PostgreSQL schema, built once and copied per test (see any_company_store)."""
    schema = unique_name("sochat_company")
    store = open_store(with_query(postgres_url, f"schema={schema}"), pool_size=1)
    try:
        _load_company(store)
    finally:
        store.close()
    yield schema
    drop_schema(postgres_url, schema)


@pytest.fixture
def company_path(company_database: Path, tmp_path: Path) -> Path:
    """A private copy of the demo company (SQLite's backup API, so the template's WAL is included)."""
    path = tmp_path / "company.db"
    source = sqlite3.connect(company_database)
    target = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return path


@pytest.fixture
def company_store(company_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore(company_path)
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
    postgres_url: str = request.getfixturevalue("postgres_url")
    template: str = request.getfixturevalue("postgres_company_schema")
    schema: str = request.getfixturevalue("postgres_module_schema")
    copy_schema_rows(postgres_url, template, schema)
    store = open_store(with_query(postgres_url, f"schema={schema}"), pool_size=2)
    assert store.migrate() == []
    yield store
    store.close()


def _crm_factory(store: Store) -> CrmFactory:
    @asynccontextmanager
    async def open_crm(**settings: object) -> AsyncIterator[Crm]:
        app = create_app(Settings(**settings), store)  # type: ignore[arg-type]
        app.startup()
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                yield Crm(client, store)
        finally:
            app.shutdown()

    return open_crm


@pytest.fixture
def crm_factory(company_store: SqliteStore) -> CrmFactory:
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
