"""Fixtures for the lifecycle tests: one real `sochat serve` process per test module."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from lifecycle_support import TJE0, LiveServer


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real server process on a fresh demo database, shared by the tests of one module."""
    server = LiveServer(tmp_path_factory.mktemp("lifecycle"))
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def http(live: LiveServer) -> Iterator[httpx.Client]:
    """A keep-alive client on the live server, logged in as tje0 (admin)."""
    with live.client(TJE0) as client:
        yield client
