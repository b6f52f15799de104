"""Fixtures for the CRM tests: the demo company with its chat sessions (sochat.demo with sessions=True), copied
per test, and an in-process app on it."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher
from crm_support import OTHER_AGENT, USERS, Crm

from sochat.app import create_app
from sochat.demo import DEMO_USERS, load_demo
from sochat.settings import Settings
from sochat.store.sqlite import SqliteStore

CrmFactory = Callable[..., AbstractAsyncContextManager[Crm]]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def company_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo company, built once: users, topics, contacts 101-105 with persons, project 201, sales 301-302,
    tickets 401-402 and 300 sessions. Passwords are re-hashed at argon2's lowest cost (same passwords) so that
    each test's first login per user stays fast."""
    path = tmp_path_factory.mktemp("crm-template") / "company.db"
    store = SqliteStore(path)
    try:
        store.migrate()
        assert load_demo(store, sessions=True)
        cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        for user_name, password, *_ in DEMO_USERS:
            assert store.set_password(user_name, cheap.hash(password))
        ids = {record.user_name: record.associate_id for record in store.list_users()}
    finally:
        store.close()
    expected = {user.name: user.associate_id for user in (*USERS.values(), OTHER_AGENT)}
    assert ids == expected, ids
    return path


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
def crm_factory(company_store: SqliteStore) -> CrmFactory:
    """Open an app with the given Settings fields on the test's copy of the company."""

    @asynccontextmanager
    async def open_crm(**settings: object) -> AsyncIterator[Crm]:
        app = create_app(Settings(**settings), company_store)  # type: ignore[arg-type]
        app.startup()
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                yield Crm(client, company_store)
        finally:
            app.shutdown()

    return open_crm


@pytest.fixture
async def crm(crm_factory: CrmFactory, anyio_backend: str) -> AsyncIterator[Crm]:
    async with crm_factory() as opened:
        yield opened


@pytest.fixture
async def strict_crm(crm_factory: CrmFactory, anyio_backend: str) -> AsyncIterator[Crm]:
    async with crm_factory(strict=True) as opened:
        yield opened
