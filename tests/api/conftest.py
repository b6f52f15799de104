"""Fixtures for the API tests: the in-process app on the test's demo store (both databases, see
support.fixtures), through the one client of support.client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

import pytest

from sochat.store.store import Store
from support.client import Client
from support.databases import Backend
from support.inprocess import opener

ApiFactory = Callable[..., AbstractAsyncContextManager[Client]]


@pytest.fixture
def api_factory(store: Store, store_backend: Backend) -> ApiFactory:
    """Open an app with the given Settings fields on the test's store, as an async context manager."""
    return opener(store, lambda opened: Client(opened.client, app=opened.app, store=store, backend=store_backend))


@pytest.fixture
async def api(api_factory: ApiFactory, anyio_backend: str) -> AsyncIterator[Client]:
    async with api_factory() as opened:
        yield opened


@pytest.fixture
async def strict_api(api_factory: ApiFactory, anyio_backend: str) -> AsyncIterator[Client]:
    async with api_factory(strict=True) as opened:
        yield opened
