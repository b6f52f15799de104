"""Fixtures for the format tests (issue 3): one in-process app per database (SQLite and PostgreSQL) on a private
demo database for the whole run (tests use their own ids and before/after counts), support.client's Client
sending raw bytes, and the request writers of support.bodies."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from types import ModuleType
from typing import Any

import pytest

from sochat.app import SochatApp
from sochat.store.store import Store
from support import bodies
from support.client import Client
from support.databases import Backend, backends_for, postgres_backend, prepare_demo, sqlite_backend
from support.entity import full_entity
from support.inprocess import client_for, started_app


@pytest.fixture(scope="session", params=backends_for(__file__))
def formats_backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    """A migrated demo database of each kind for the format tests, for the whole run (tests use their own ids
    and before/after counts): an SQLite file, or a PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield prepare_demo(sqlite_backend(tmp_path_factory.mktemp("formats") / "t.db"))
        return
    with postgres_backend(request.getfixturevalue("postgres_url")) as backend:
        yield prepare_demo(backend)


@pytest.fixture(scope="session")
def formats_app(formats_backend: Backend) -> Iterator[tuple[SochatApp, Store]]:
    """The real app on a real store, started once per database: Basic logins are argon2-verified once, then
    cached."""
    store = formats_backend.open(pool_size=2) if formats_backend.name == "postgresql" else formats_backend.open()
    try:
        with started_app(store) as app:
            yield app, store
    finally:
        store.close()


@pytest.fixture
async def chat(
    formats_app: tuple[SochatApp, Store], formats_backend: Backend, anyio_backend: str
) -> AsyncIterator[Client]:
    """A client on the app through httpx's ASGI transport, signed in as tje0 (``auth=None``: no credentials)."""
    app, store = formats_app
    async with client_for(app) as client:
        yield Client(client, app=app, store=store, backend=formats_backend)


@pytest.fixture
def full_session() -> dict[str, Any]:
    """A save body with every property set to a non-default value (links by id only), its texts with XML's
    and form encoding's special characters and a character outside the BMP."""
    return full_entity(
        CustomerName="John Smith & Sons <Ltd>",
        FirstMessage="Hi, I need help with my order #42 = 50% off?",
        LastMessage="Ha det bra! \u00e6\u00f8\u00e5 \u2713 \U0001f600",
    )


@pytest.fixture
def wire() -> ModuleType:
    """Writers for each request format (support.bodies: wire.xml, wire.form, wire.body, ...)."""
    return bodies
