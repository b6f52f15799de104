"""Fixtures for the lifecycle tests: one real `sochat serve` process per test module."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from lifecycle_support import demo_server

from support.api import TJE0
from support.servers import Server, running


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real server process on a fresh demo database, shared by the tests of one module."""
    with running(demo_server(tmp_path_factory.mktemp("lifecycle"))) as server:
        yield server


@pytest.fixture(scope="module")
def http(live: Server) -> Iterator[httpx.Client]:
    """A keep-alive client on the live server, logged in as tje0 (admin)."""
    with live.sync_client(TJE0) as client:
        yield client
