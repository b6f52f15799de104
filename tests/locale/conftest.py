"""Fixtures for the locale and observability tests (issue 6): an in-process app per test on a private demo
database, opened with the Settings a test asks for.

Independent of tests/conftest.py on purpose (that file belongs to other tests and may change).
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from locale_support import LocaleApi

from sochat.app import create_app
from sochat.demo import DEMO_USERS, load_demo
from sochat.settings import Settings
from sochat.store.sqlite import SqliteStore

ApiOpener = Callable[..., AbstractAsyncContextManager[LocaleApi]]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def locale_template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated demo database, built once and copied per test.

    The demo passwords are re-hashed with argon2 at its lowest cost, so the first login of each test's app is
    cheap (otherwise the production-cost hash would make every first save look slow). Same passwords.
    """
    path = tmp_path_factory.mktemp("locale-template") / "demo.db"
    store = SqliteStore(path)
    store.migrate()
    assert load_demo(store)
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    for user_name, password, *_ in DEMO_USERS:
        assert store.set_password(user_name, cheap.hash(password))
    store.close()
    return path


@pytest.fixture
def locale_db(locale_template_db: Path, tmp_path: Path) -> Path:
    """A private copy of the demo database (SQLite's backup API, so the template's WAL is included)."""
    path = tmp_path / "t.db"
    source = sqlite3.connect(locale_template_db)
    target = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return path


@pytest.fixture
def open_api(locale_db: Path) -> ApiOpener:
    """Open an app with the given Settings fields on the test's database, as an async context manager."""

    @asynccontextmanager
    async def opener(**settings: Any) -> AsyncIterator[LocaleApi]:
        store = SqliteStore(locale_db)
        store.migrate()
        app = create_app(Settings(**settings), store)
        app.startup()
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                yield LocaleApi(client, app, locale_db)
        finally:
            app.shutdown()
            store.close()

    return opener


@pytest.fixture
async def api(open_api: ApiOpener, anyio_backend: str) -> AsyncIterator[LocaleApi]:
    """An app with default settings."""
    async with open_api() as opened:
        yield opened
