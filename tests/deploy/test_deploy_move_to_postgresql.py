"""Moving an SQLite database to PostgreSQL as docs/deployment.md says: `sochat export --include-password-hashes`,
`sochat import` into a fresh schema, then move the id sequences past SQLite's. Both databases then export the
same file, answer the same, let the same users in, and hand out the same next id.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from sochat.demo import load_demo
from sochat.store.sqlite import SqliteEngine
from sochat.store.store import Store
from support.api import GET, SAVE, TJE0
from support.databases import Backend, postgres_backend, sqlite_backend
from support.servers import Server, Servers

pytestmark = pytest.mark.deploy

# docs/deployment.md, step 3: for each table, the highest id SQLite ever handed out (sqlite_sequence) ...
SQLITE_HIGHEST_IDS = "SELECT name, seq FROM sqlite_sequence"
# ... becomes the last value of PostgreSQL's sequence (never lower than what the import left: SQLite's counter
# is at least the highest id there is).
ADVANCE_SEQUENCE = "SELECT setval(pg_get_serial_sequence(?, ?), ?)"
ID_COLUMNS = {"chat_session": "chat_session_id", "associate": "associate_id", "chat_topic": "chat_topic_id"}


def sochat(*args: str) -> str:
    """Run the sochat command line; answer what it wrote to stdout, fail with its stderr."""
    result = subprocess.run(
        [sys.executable, "-m", "sochat", *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, f"sochat {' '.join(args)} failed:\n{result.stderr}"
    return result.stdout


def advance_sequences(sqlite: Backend, postgresql: Backend) -> None:
    """Step 3 of the move: PostgreSQL's id sequences continue after the highest id SQLite ever handed out, so
    that the ids of sessions deleted before the move are not handed out again."""
    for table, highest in sqlite.sql(SQLITE_HIGHEST_IDS):
        column = ID_COLUMNS.get(table)
        if column is not None:
            postgresql.sql(ADVANCE_SEQUENCE, table, column, highest)


async def answers(server: Server, ids: list[int]) -> tuple[list[object], int]:
    """The sessions as GetChatSessionEntity answers them, then the id a new save gets."""
    async with httpx.AsyncClient(base_url=server.base_url, auth=TJE0, trust_env=False, timeout=30) as client:
        got = []
        for chat_session_id in ids:
            response = await client.post(GET, params={"chatSessionEntityId": chat_session_id})
            assert response.status_code == 200, response.text
            got.append(response.json())
        saved = await client.post(SAVE, json={"CustomerName": "after the move", "Status": "InQueue"})
        assert saved.status_code == 200, saved.text
        return got, saved.json()["ChatSessionId"]


def test_sqlite_database_moves_to_postgresql_with_export_and_import(postgres_url: str, tmp_path: Path) -> None:
    """export --include-password-hashes, import, advance the sequences: same export, answers, logins, next id."""
    sqlite = sqlite_backend(tmp_path / "sochat.db")
    store = Store(SqliteEngine(tmp_path / "sochat.db"))
    try:
        store.migrate()
        assert load_demo(store, sessions=True)  # the demo company, its users with production-cost hashes
        asyncio.run(
            store.write(lambda unit: unit.sessions.delete(300))
        )  # the highest id is deleted: it must never come back
    finally:
        store.close()
    dump = tmp_path / "sochat.jsonl"
    sochat("export", "--include-password-hashes", "-o", str(dump), "--database", sqlite.url)

    with postgres_backend(postgres_url) as postgresql:
        loaded = sochat("import", str(dump), "--database", postgresql.url)
        advance_sequences(sqlite, postgresql)
        again = tmp_path / "postgresql.jsonl"
        sochat("export", "--include-password-hashes", "-o", str(again), "--database", postgresql.url)
        servers = [Server(sqlite.url, tmp_path, name="sqlite"), Server(postgresql.url, tmp_path, name="postgresql")]
        with Servers(servers):
            (before, next_before), (after, next_after) = (asyncio.run(answers(s, [1, 150, 299, 300])) for s in servers)

    assert "299 ChatSession" in loaded, loaded
    assert again.read_text() == dump.read_text()
    assert '"PasswordHash":"$argon2' in dump.read_text()
    assert after == before  # tje0 logged in on both with its own password; the same sessions, and 300 is gone
    assert before[-1] is None
    assert next_after == next_before == 301
