"""Fixtures for the locale and observability tests (issue 6): an in-process app per test on the test's demo
store (both databases, see support.fixtures), opened with the Settings a test asks for, through the one client
of support.client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

import pytest

from sochat.store.store import Store
from support.client import Client
from support.databases import Backend
from support.inprocess import opener

ApiOpener = Callable[..., AbstractAsyncContextManager[Client]]


@pytest.fixture
def open_api(store: Store, store_backend: Backend) -> ApiOpener:
    """Open an app with the given Settings fields on the test's store, as an async context manager."""
    return opener(store, lambda opened: Client(opened.client, app=opened.app, store=store, backend=store_backend))


@pytest.fixture
async def api(open_api: ApiOpener, anyio_backend: str) -> AsyncIterator[Client]:
    """An app with default settings."""
    async with open_api() as opened:
        yield opened
