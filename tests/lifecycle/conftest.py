"""Fixtures for the lifecycle tests: one real `sochat serve` process per test module and database.

Every module runs on SQLite and on PostgreSQL (``[sqlite]`` / ``[postgresql]``; PostgreSQL in CI, see
support.databases.backends_for), one server each; a module whose
tests do not touch the database (the OpenAPI document, SuperOffice's Swagger) sets ``DATABASES = ("sqlite",)``.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from lifecycle_support import demo_server

from support.api import TJE0
from support.databases import backends_for, postgres_backend, prepare_demo, sqlite_backend
from support.servers import Server, running


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "live" in metafunc.fixturenames:
        databases = getattr(metafunc.module, "DATABASES", backends_for(metafunc.definition.path))
        metafunc.parametrize("live_database", databases, indirect=True, scope="module")


@pytest.fixture(scope="module")
def live_database(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture(scope="module")
def live(
    live_database: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Server]:
    """A real server process on a fresh demo database of the module's kind, shared by the tests of one module."""
    directory = tmp_path_factory.mktemp("lifecycle")
    if live_database == "sqlite":
        with running(demo_server(prepare_demo(sqlite_backend(directory / "sochat.db")), directory)) as server:
            yield server
        return
    with (
        postgres_backend(request.getfixturevalue("postgres_url")) as backend,
        running(demo_server(prepare_demo(backend), directory)) as server,
    ):
        yield server


@pytest.fixture(scope="module")
def http(live: Server) -> Iterator[httpx.Client]:
    """A keep-alive client on the live server, logged in as tje0 (admin)."""
    with live.sync_client(TJE0) as client:
        yield client
