"""Database faults during a write load: PostgreSQL restarted and crashed, an SQLite disk that fills up, an SQLite
file that cannot be written. sochat answers 503 with Retry-After (never 500, never 200 for a write it lost),
leaves the database sound, and serves again by itself once the database is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import random
import resource
import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from reliability_support import (
    GET,
    Load,
    PrivateCluster,
    Server,
    Servers,
    Write,
    check_unavailable,
    client_loop,
    final_state_problems,
    id_problems,
    make_body,
    postgres_bindir,
    send,
    stored_rows,
)

from support.databases import Backend, postgres_backend, postgres_missing, prepare_demo, sqlite_backend
from support.servers import unprivileged

pytestmark = pytest.mark.reliability

# sochat waits this long for a pooled PostgreSQL connection before it answers 503 (sochat.store.postgres).
POSTGRES_WAIT = 10.0


async def load_during(
    servers: list[Server], clients_per_server: int, chaos: Callable[[], Awaitable[None]], *, tail: float, seed: int
) -> Load:
    """Clients write (create, update, delete) while ``chaos`` runs, and ``tail`` seconds after it is done."""
    load = Load()
    done_at: list[float] = []

    def keep_going() -> bool:
        return not done_at or time.monotonic() < done_at[0] + tail

    async def run_chaos() -> None:
        await chaos()
        done_at.append(time.monotonic())

    async with AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(s.client(connections=clients_per_server)) for s in servers]
        await asyncio.gather(
            run_chaos(),
            *(
                client_loop(
                    clients[n % len(clients)],
                    n,
                    load,
                    keep_going,
                    seed=seed,
                    update_share=0.5,
                    delete_share=0.05,
                    pause=0.02,
                )
                for n in range(clients_per_server * len(clients))
            ),
        )
    return load


def sent_between(load: Load, start: float, end: float) -> list[Write]:
    return [w for w in load.writes if start <= w.sent_at < end]


def after_recovery(load: Load, since: float, processes: int) -> list[Write]:
    """The writes each server process got after its first acknowledged write sent at ``since`` or later: the
    moment it had recovered, by what it answered rather than by a guess of how long recovery takes. Clients are
    spread over the processes by number (client % processes)."""
    found: list[Write] = []
    for process in range(processes):
        mine = [w for w in load.writes if w.client % processes == process and w.sent_at >= since]
        first_ok = next((w.sent_at for w in sorted(mine, key=lambda w: w.sent_at) if w.acknowledged), None)
        if first_ok is not None:
            found += [w for w in mine if w.sent_at > first_ok]
    return found


def unavailable_problems(load: Load) -> list[str]:
    return [problem for w in load.writes if w.status == 503 for problem in check_unavailable(w)]


# -- PostgreSQL ------------------------------------------------------------------------------------------


def test_postgresql_restart_and_crash_lose_no_acknowledged_write(tmp_path: Path) -> None:
    """PostgreSQL restarted, then crashed and down 12 s under load: 200 or 503 only, no lost 200, recovery."""
    bindir = postgres_bindir()
    if bindir is None:
        postgres_missing("no PostgreSQL server programs (initdb, pg_ctl) on this machine for a server of our own")
    cluster = PrivateCluster(bindir).init()
    marks: dict[str, float] = {}

    async def chaos() -> None:
        await asyncio.sleep(1.5)
        marks["restart"] = time.monotonic()
        await asyncio.to_thread(cluster.stop, "fast")
        await asyncio.to_thread(cluster.start)
        marks["restarted"] = time.monotonic()
        await asyncio.sleep(2.0)
        marks["crash"] = time.monotonic()
        await asyncio.to_thread(cluster.stop, "immediate")
        await asyncio.sleep(POSTGRES_WAIT + 2.0)
        await asyncio.to_thread(cluster.start)
        marks["back"] = time.monotonic()

    try:
        cluster.start()
        with postgres_backend(cluster.url) as backend:
            prepare_demo(backend)
            servers = [Server(backend.url, tmp_path, name=f"pg{i}", args=["--db-pool-size", "4"]) for i in range(2)]
            with Servers(servers):
                load = asyncio.run(load_during(servers, 10, chaos, tail=6.0, seed=7))
            rows = stored_rows(backend)
    finally:
        log = cluster.log()
        cluster.close()

    statuses = load.statuses()
    print(f"\nPostgreSQL restart + crash: {len(load.writes)} writes, answers {dict(statuses)}")
    assert set(statuses) <= {200, 204, 503}, (statuses, load.sample(lambda w: w.status not in (200, 204, 503)))
    assert unavailable_problems(load) == []
    outage = sent_between(load, marks["crash"], marks["back"])
    refused = [w for w in outage if w.status == 503]
    assert refused, f"no 503 while PostgreSQL was down for {marks['back'] - marks['crash']:.0f}s: {outage[:3]}"
    # Every write was answered (200, 204 or 503 above, never no answer); how long a write waits for PostgreSQL
    # before its 503 is a timing promise, not checked here.
    recovered = after_recovery(load, marks["back"], processes=2)
    assert recovered, "no write was acknowledged after PostgreSQL came back"
    assert {w.status for w in recovered} <= {200, 204}, load.sample(lambda w: w in recovered and w.status == 503)
    assert {w.client % 2 for w in recovered} == {0, 1}, "both sochat processes must serve again"
    # A 503 may hide a COMMIT that the server made before the connection dropped: such a write may be stored.
    assert final_state_problems(load, rows, unclear=(None, 503)) == [], log[-2000:]
    assert id_problems(load) == []


# -- SQLite: a full disk ---------------------------------------------------------------------------------


class SmallDisk:
    """A folder on a small disk of its own that the test can fill and empty.

    As root it is a 8 MB tmpfs: a full disk is a real ENOSPC. Where mounting is not allowed, the disk is
    simulated with RLIMIT_FSIZE on the server process (writes past the limit fail with EFBIG), which is lifted
    again to free it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir()
        self.mounted = False
        mount = shutil.which("mount")
        if os.geteuid() == 0 and mount is not None:
            result = subprocess.run(
                [mount, "-t", "tmpfs", "-o", "size=8m,mode=0755", "tmpfs", str(directory)],
                capture_output=True,
                text=True,
                check=False,
            )
            self.mounted = result.returncode == 0
            self.why = "" if self.mounted else result.stderr.strip()
        else:
            self.why = "mounting needs root and mount(8)"
        self.filler = directory / "filler"

    def fill(self, server: Server) -> None:
        if self.mounted:
            chunk = b"\0" * 65536
            with self.filler.open("wb", buffering=0) as out:
                while True:
                    try:
                        out.write(chunk)
                    except OSError as exc:
                        assert exc.errno == errno.ENOSPC, exc
                        chunk = chunk[: len(chunk) // 2]
                        if not chunk:
                            return
        else:
            assert server.process is not None
            largest = max(path.stat().st_size for path in self.directory.iterdir())
            resource.prlimit(server.process.pid, resource.RLIMIT_FSIZE, (largest, resource.RLIM_INFINITY))

    def free(self, server: Server) -> None:
        if self.mounted:
            self.filler.unlink()
        else:
            assert server.process is not None
            resource.prlimit(server.process.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY,) * 2)

    def close(self) -> None:
        if self.mounted:
            subprocess.run([shutil.which("umount") or "/usr/bin/umount", str(self.directory)], check=True)


@contextlib.contextmanager
def small_disk(directory: Path) -> Iterator[SmallDisk]:
    disk = SmallDisk(directory)
    print(f"\nsmall disk: {'tmpfs' if disk.mounted else 'RLIMIT_FSIZE (' + disk.why + ')'}")
    try:
        yield disk
    finally:
        disk.close()


def test_sqlite_full_disk_answers_503_keeps_the_file_sound_and_recovers(tmp_path: Path) -> None:
    """The disk fills up under load: 503 with Retry-After, nothing half-written, writes work once space is free."""
    marks: dict[str, float] = {}
    reads: list[int] = []
    with small_disk(tmp_path / "disk") as disk:
        backend = prepare_demo(sqlite_backend(disk.directory / "sochat.db"))
        server = Server(backend.url, tmp_path, name="full")

        async def chaos() -> None:
            await asyncio.sleep(1.0)
            await asyncio.to_thread(disk.fill, server)
            marks["full"] = time.monotonic()
            await asyncio.sleep(2.5)
            await asyncio.to_thread(disk.free, server)
            marks["free"] = time.monotonic()

        async def reader() -> None:
            """Reads the first session over and over: reading needs no space."""
            async with server.client(connections=1) as client:
                while "free" not in marks:
                    response = await client.post(GET, params={"chatSessionEntityId": 1})
                    reads.append(response.status_code)
                    await asyncio.sleep(0.05)

        async def run() -> Load:
            async with server.client(connections=1) as client:
                first = await send(client, Write("create", 0, make_body(random.Random(1), "first"), 99))
            assert first.status == 200 and first.chat_session_id == 1, first.answer
            load_task = asyncio.create_task(load_during([server], 10, chaos, tail=3.0, seed=11))
            await reader()
            load = await load_task
            load.writes.insert(0, first)
            return load

        with Servers([server]):
            load = asyncio.run(run())
        assert backend.sql("PRAGMA integrity_check") == [("ok",)]
        rows = stored_rows(backend)

    statuses = load.statuses()
    print(f"full disk: {len(load.writes)} writes, answers {dict(statuses)}, reads {dict(Counter(reads))}")
    assert set(statuses) <= {200, 204, 503}, (statuses, load.sample(lambda w: w.status not in (200, 204, 503)))
    assert unavailable_problems(load) == []
    full = sent_between(load, marks["full"], marks["free"])
    assert any(w.status == 503 for w in full), f"the disk was full, yet no write was refused: {full[:3]}"
    recovered = after_recovery(load, marks["free"], processes=1)
    assert recovered, "no write was acknowledged after the disk had room again"
    assert {w.status for w in recovered} <= {200, 204}, load.sample(lambda w: w in recovered and w.status == 503)
    assert set(reads) == {200}, f"reads during the full disk answered {sorted(set(reads))}"
    # SQLite says "nothing was saved" with its 503: a refused write must not be stored, only acknowledged ones.
    assert final_state_problems(load, rows, unclear=(None,)) == []
    assert id_problems(load) == []


# -- SQLite: a file that cannot be written ---------------------------------------------------------------


def test_sqlite_read_only_file_answers_503_and_recovers_when_writable(sqlite_db: Backend, tmp_path: Path) -> None:
    """On a read-only database file writes answer 503 and store nothing; once writable they work, no restart."""
    database = Path(sqlite_db.url.removeprefix("sqlite:///"))
    rng = random.Random(5)
    load = Load()

    async def scenario(server: Server) -> tuple[list[int], list[int]]:
        async with server.client(connections=4) as client:
            reads = []
            for number in range(20):
                write = Write("create", 0, make_body(rng, f"ro-{number}"), number)
                load.writes.append(await send(client, write))
                reads.append((await client.post(GET, params={"chatSessionEntityId": 1})).status_code)
            for path in database.parent.glob(database.name + "*"):
                path.chmod(0o644)
            after = []
            deadline = time.monotonic() + 5.0
            while time.monotonic() < deadline and (not after or after[-1] != 200):
                write = Write("create", 0, make_body(rng, f"rw-{len(after)}"), 100)
                load.writes.append(await send(client, write))
                after.append(write.status or 0)
            for number in range(5):
                write = Write("create", 0, make_body(rng, f"rw-more-{number}"), 101)
                load.writes.append(await send(client, write))
                after.append(write.status or 0)
            return reads, after

    async def seed(server: Server) -> None:
        async with server.client(connections=1) as client:
            write = Write("create", 0, make_body(rng, "before"), 0)
            load.writes.append(await send(client, write))
            assert write.status == 200 and write.chat_session_id == 1, write.answer

    with Servers([Server(sqlite_db.url, tmp_path, name="writable")]) as (server,):
        asyncio.run(seed(server))
    database.chmod(0o444)  # the server stopped cleanly: no -wal or -shm file is left
    # Not ready while the file is read-only (/health/ready answers 503): wait for the process to be live instead.
    readonly = Server(sqlite_db.url, tmp_path, name="readonly", prefix=unprivileged(), ready_path="/health/live")
    with Servers([readonly]) as (server,):
        reads, after = asyncio.run(scenario(server))
    refused = load.writes[1:21]

    assert [w.status for w in refused] == [503] * 20, load.sample(lambda w: w in refused and w.status != 503)
    assert unavailable_problems(load) == []
    assert "readonly" in refused[0].answer["ErrorMessage"], refused[0].answer
    # Reads are served from the read-only file. (The very first request, a save, was refused before it got that
    # far: a process's first login of a user clears the user's failed logins, a write.)
    assert set(reads) == {200}, reads
    assert after[-5:] == [200] * 5, f"writes after the file became writable again: {after}"
    assert sqlite_db.sql("PRAGMA integrity_check") == [("ok",)]
    assert final_state_problems(load, stored_rows(sqlite_db), unclear=()) == []
