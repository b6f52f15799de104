"""Fixtures for the fuzz suite: one real `sochat serve` per test module and database (SQLite and PostgreSQL),
on the demo users and topics, with a few sessions stored whose dates sit at the ends of the calendar."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fuzz_support import GET, ROLES, SAVE, Findings, RawRequest, send

from support.databases import BACKENDS, check_postgres, postgres_backend, prepare_demo, sqlite_backend
from support.servers import Server

# Stored before the fuzzing starts, so that reads, lists in display mode and time-zone shifts meet them.
SEEDED = (
    {"CustomerName": "fuzz seed", "Status": "InQueue"},
    {"CustomerName": "end of time", "WhenRequested": "9999-12-31T23:59:59.9999999Z", "WhenEnded": "9999-12-31"},
    {"CustomerName": "start of time", "WhenRequested": "0001-01-01T00:00:00Z", "WhenStarted": "0001-01-01T00:00:01"},
    {"CustomerName": "big numbers", "Rank": 2147483647, "Rating": -2147483648, "AlertLevel": 2147483647},
)


@dataclass
class FuzzTarget:
    """A running server under fuzz, and what the strategies need to know about it."""

    database: str
    server: Server
    stored_ids: tuple[int, ...]

    @property
    def port(self) -> int:
        return self.server.port

    def findings(self) -> Findings:
        return Findings(self.port, self.server.stderr)

    def assert_healthy(self) -> None:
        """/health/ready is 200 and a normal save and get as tje0 still work, after whatever was sent."""
        ready = send(self.port, RawRequest("GET", b"/health/ready"))
        assert ready is not None, "no answer from /health/ready"
        assert ready.status == 200, (ready.status, ready.body[:500], self.server.stderr()[-3000:])
        saved_id = save_as_admin(self.port, {"CustomerName": "still healthy", "Status": "UserLast"})
        got = send(self.port, _authorized("POST", f"{GET}?chatSessionEntityId={saved_id}".encode()))
        assert got is not None, "no answer to GetChatSessionEntity"
        assert got.status == 200, (got.status, got.body[:500])
        assert json.loads(got.body)["CustomerName"] == "still healthy"


def _authorized(method: str, target: bytes, body: bytes = b"") -> RawRequest:
    user, password = ROLES["admin"]
    token = base64.b64encode(f"{user}:{password}".encode())
    headers = [(b"Authorization", b"Basic " + token), (b"Content-Type", b"application/json")]
    return RawRequest(method, target, headers, body)


def save_as_admin(port: int, entity: dict[str, object]) -> int:
    """Create a session as tje0 and answer its id (asserting that the save worked)."""
    answer = send(port, _authorized("POST", SAVE.encode(), json.dumps(entity).encode()))
    assert answer is not None, "no answer to SaveChatSessionEntity"
    assert answer.status == 200, (answer.status, answer.body[:500])
    chat_session_id: int = json.loads(answer.body)["ChatSessionId"]
    return chat_session_id


def _start(database_url: str, directory: Path, *args: str) -> Server:
    server = Server(database_url, directory, name="fuzz", args=args, log_level="warning")
    try:
        server.start().wait_ready()
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture(scope="module", params=BACKENDS)
def fuzz_target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzTarget]:
    """A real server on a fresh demo database of each kind (PostgreSQL fails rather than skips under
    SOCHAT_REQUIRE_POSTGRES=1), with SEEDED stored; the module's tests share it. ``server_args`` in the test
    module adds command-line options: a tuple, or a function of the server's directory that answers one."""
    kind: str = request.param
    directory = tmp_path_factory.mktemp(f"fuzz-{kind}")
    extra = getattr(request.module, "server_args", ())
    args: tuple[str, ...] = extra(directory) if callable(extra) else extra
    if kind == "sqlite":
        backend = prepare_demo(sqlite_backend(directory / "sochat.db"))
        server = _start(backend.url, directory, *args)
        yield from _serve(kind, server)
        return
    url = check_postgres()
    with postgres_backend(url) as backend:
        server = _start(prepare_demo(backend).url, directory, *args)
        yield from _serve(kind, server)


def _serve(kind: str, server: Server) -> Iterator[FuzzTarget]:
    try:
        ids = tuple(save_as_admin(server.port, entity) for entity in SEEDED)
        yield FuzzTarget(kind, server, ids)
    finally:
        server.stop()
