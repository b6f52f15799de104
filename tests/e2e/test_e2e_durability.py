"""A 200 means on disk (docs/deployment.md, the store's promise) on SQLite: the server syncs the database
file or its WAL before it answers a write.

A SIGKILL cannot tell a missing fsync (the page cache survives the process), so the crash tests pass with
SQLite's `synchronous` at OFF; this test watches the real `sochat serve` process with strace instead and
asserts that every acknowledged write was preceded by an fsync or fdatasync of the database's files: strace
writes a call's line when the call returns, before the server goes on to send its answer, so the line is there
when the 200 arrives. It looks only at system calls, so it holds whatever the store's code looks like inside.
PostgreSQL's side (synchronous_commit on for our sessions) is not covered here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from support.api import SAVE
from support.databases import prepare_demo, sqlite_backend
from support.servers import Server, running

pytestmark = pytest.mark.e2e

WRITES = 5
SYNC = re.compile(r"\b(fsync|fdatasync)\((\d+)<([^>]*)>\)\s*=\s*0")


def _strace() -> str:
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("strace is not installed (Debian: apt-get install strace)")
    probe = subprocess.run([strace, "-o", os.devnull, "true"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"strace cannot trace here: {probe.stderr.strip()[:200]}")
    return strace


def _syncs(trace: Path, database: Path) -> int:
    """How many fsync/fdatasync calls on the database's files (the file, its -wal and -journal) the trace holds."""
    if not trace.exists():
        return 0
    names = (str(database), f"{database}-wal", f"{database}-journal")
    return sum(1 for match in SYNC.finditer(trace.read_text(errors="replace")) if match.group(3) in names)


def test_every_acknowledged_sqlite_write_was_synced_first(tmp_path: Path) -> None:
    """Each of several saves answered 200 is preceded by an fsync/fdatasync of the database file or its WAL."""
    strace = _strace()
    database = tmp_path / "durable.db"
    backend = prepare_demo(sqlite_backend(database))
    trace = tmp_path / "strace.txt"
    prefix = [strace, "-f", "-qq", "-y", "-e", "trace=fsync,fdatasync", "-o", str(trace)]
    with (
        running(Server(backend.url, tmp_path, name="durable", prefix=prefix)) as server,
        server.sync_client() as client,
    ):
        for number in range(WRITES):
            before = _syncs(trace, database)
            response = client.post(SAVE, json={"ChatSessionId": 0, "CustomerName": f"durable {number}"})
            assert response.status_code == 200, response.text
            after = _syncs(trace, database)
            assert after > before, (
                f"save {number} was answered 200 without an fsync of {database.name} or its WAL"
                f" ({before} syncs before, {after} after): a 200 would not mean on disk"
            )
