"""The `sochat` command line, run as a real process."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sochat.store.sqlite import SqliteEngine
from sochat.store.store import Store
from support.inprocess import in_process
from support.servers import run_sochat

pytestmark = pytest.mark.e2e


def sochat(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed `sochat` console script (or `python -m sochat`) and capture its output."""
    return run_sochat(*args, cwd=cwd)


def test_top_level_help_lists_the_commands():
    """`sochat --help` succeeds and lists serve, migrate and user."""
    result = sochat("--help")
    assert result.returncode == 0, result.stderr
    for command in ("serve", "migrate", "user"):
        assert command in result.stdout


def test_serve_help_lists_its_options():
    """`sochat serve --help` succeeds and documents port, database, demo and strict."""
    result = sochat("serve", "--help")
    assert result.returncode == 0, result.stderr
    for option in ("--port", "--database", "--demo", "--strict", "SOCHAT_STRICT"):
        assert option in result.stdout, option


def test_user_add_help_lists_its_options():
    """`sochat user add --help` succeeds and documents password and role with the role names."""
    result = sochat("user", "add", "--help")
    assert result.returncode == 0, result.stderr
    for text in ("--password", "--role", "admin", "agent", "readonly"):
        assert text in result.stdout, text


def test_user_add_then_list(tmp_path):
    """`sochat user add` stores users in a new database and `sochat user list` shows them with their roles."""
    database = f"sqlite:///{tmp_path / 'users.db'}"

    added = sochat("user", "add", "alice", "--password", "S3cret!", "--role", "admin", "--database", database)
    assert added.returncode == 0, added.stderr
    added = sochat("user", "add", "bob", "--password", "Pw-bob", "--role", "readonly", "--database", database)
    assert added.returncode == 0, added.stderr

    listed = sochat("user", "list", "--database", database)
    assert listed.returncode == 0, listed.stderr
    rows = {line.split()[1]: line.split() for line in listed.stdout.splitlines()[1:] if line.strip()}
    assert set(rows) == {"alice", "bob"}
    assert rows["alice"][2] == "admin"
    assert rows["bob"][2] == "readonly"
    assert "S3cret!" not in listed.stdout


def test_user_add_refuses_a_duplicate(tmp_path):
    """Adding an existing user name fails with a non-zero exit and a message, and keeps one user."""
    database = f"sqlite:///{tmp_path / 'dup.db'}"
    assert sochat("user", "add", "carol", "--password", "Carol-pw1", "--database", database).returncode == 0

    again = sochat("user", "add", "Carol", "--password", "Carol-pw2", "--database", database)
    assert again.returncode != 0
    assert "carol" in again.stderr.lower()

    listed = sochat("user", "list", "--database", database)
    assert listed.stdout.lower().count("carol") == 1


@pytest.mark.anyio
async def test_user_added_by_the_cli_can_sign_in(tmp_path, anyio_backend):
    """A user added with the CLI signs in to the API with that password, and only with it."""
    path = tmp_path / "login.db"
    result = sochat(
        "user", "add", "dave", "--password", "Dave-pw1", "--role", "agent", "--database", f"sqlite:///{path}"
    )
    assert result.returncode == 0, result.stderr

    store = Store(SqliteEngine(path))
    try:
        async with in_process(store) as opened:
            url = "/api/v1/Agents/Chat/SaveChatSessionEntity"
            ok = await opened.client.post(url, json={"CustomerName": "cli"}, auth=("dave", "Dave-pw1"))
            refused = await opened.client.post(url, json={}, auth=("dave", "wrong"))
    finally:
        store.close()
    assert ok.status_code == 200, ok.text
    assert ok.json()["CustomerName"] == "cli"
    assert refused.status_code == 401
