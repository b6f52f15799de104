"""The real `sochat serve` process: a save survives SIGKILL and a restart on the same database (SQLite and
PostgreSQL)."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from support.databases import BACKENDS, postgres_backend
from support.servers import Server, installed_sochat

pytestmark = pytest.mark.e2e

STARTUP_TIMEOUT = 20.0


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind: an SQLite file not yet created, or a PostgreSQL schema dropped after."""
    if request.param == "sqlite":
        (tmp_path / "data").mkdir()
        yield f"sqlite:///{tmp_path / 'data' / 'sochat.db'}"
        return
    with postgres_backend(request.getfixturevalue("postgres_url")) as backend:
        yield backend.url


@pytest.fixture
def start_server(tmp_path: Path, database_url: str) -> Iterator[Callable[[str], Server]]:
    """Start `sochat serve --demo` servers on the test's database on demand (stderr in tmp_path/<name>.stderr);
    every one still running at the end is killed."""
    started: list[Server] = []

    def start(name: str) -> Server:
        server = Server(
            database_url, tmp_path, name=name, args=("--demo",), log_level=None, launcher=installed_sochat()
        )
        started.append(server)
        server.start().wait_ready(STARTUP_TIMEOUT)
        return server

    yield start
    for server in started:
        server.kill()


def test_save_survives_sigkill_and_restart(start_server, tmp_path, full_entity):
    """A session saved with every property set is read back identically after SIGKILL and a restart."""
    first = start_server("first")
    with first.sync_client(timeout=10.0) as client:
        response = client.post("/api/v1/Agents/Chat/SaveChatSessionEntity", json=full_entity)
    assert response.status_code == 200, response.text
    saved = response.json()
    for name, value in saved.items():
        assert value is not None, name
    assert saved["WhenRequested"] == "2024-12-15T08:22:45.1234567+00:00"
    assert saved["User"]["UserName"] == "tje0"

    first.kill()
    assert first.process.returncode == -signal.SIGKILL

    second = start_server("second")
    with second.sync_client(timeout=10.0) as client:
        response = client.post(
            "/api/v1/Agents/Chat/GetChatSessionEntity", params={"chatSessionEntityId": saved["ChatSessionId"]}
        )
        assert response.status_code == 200, response.text
        assert response.json() == saved

        again = client.post("/api/v1/Agents/Chat/SaveChatSessionEntity", json={"ChatSessionId": 0})
        assert again.status_code == 200, again.text
        assert again.json()["ChatSessionId"] > saved["ChatSessionId"]


def test_server_answers_the_seed_request_over_http(start_server, tmp_path, seed_request):
    """The seed's sample request sent over a real socket answers 200 with JSON and a request id."""
    server = start_server("seed")
    headers, body = seed_request
    with httpx.Client(base_url=server.base_url, timeout=10.0, trust_env=False) as client:
        response = client.post("/api/v1/Agents/Chat/SaveChatSessionEntity", content=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["x-request-id"]
    answer = response.json()
    assert answer["CustomerName"] == "Schiller, Hilpert and Labadie"
    assert answer["ChatSessionId"] not in (0, 352)
