"""Fixtures for the locale and observability tests (issue 6): an in-process app per test on the test's private
demo database (support.fixtures' ``db_path``), opened with the Settings a test asks for."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from locale_support import LocaleApi

from sochat.store.sqlite import SqliteEngine
from sochat.store.store import Store
from support.inprocess import in_process

ApiOpener = Callable[..., AbstractAsyncContextManager[LocaleApi]]


@pytest.fixture
def open_api(db_path: Path) -> ApiOpener:
    """Open an app with the given Settings fields on the test's database, as an async context manager; each
    app has a store of its own on the same file."""

    @asynccontextmanager
    async def opener(**settings: Any) -> AsyncIterator[LocaleApi]:
        store = Store(SqliteEngine(db_path))
        store.migrate()
        try:
            async with in_process(store, **settings) as opened:
                yield LocaleApi(opened.client, opened.app, db_path)
        finally:
            store.close()

    return opener


@pytest.fixture
async def api(open_api: ApiOpener, anyio_backend: str) -> AsyncIterator[LocaleApi]:
    """An app with default settings."""
    async with open_api() as opened:
        yield opened
