"""Many processes and clients writing at once, on SQLite and on PostgreSQL: no acknowledged write is lost or
changed, ids are unique and never reused, nothing answers 5xx, and simultaneous saves of one session store one
body whole.

The load runs SOCHAT_RELIABILITY_SECONDS (default: the issue's 20 s) per database.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from reliability_support import (
    GET,
    Load,
    Server,
    Servers,
    Write,
    answer_problems,
    client_loop,
    expected_row,
    final_state_problems,
    id_problems,
    make_body,
    reliability_seconds,
    send,
    stored_rows,
    without_version,
)

from support.databases import Backend

pytestmark = pytest.mark.reliability

PROCESSES = 4
CLIENTS_PER_PROCESS = 50
MIN_WRITES = 3  # each client writes at least this often, whatever the time allows
POOL_SIZE = 8  # PostgreSQL connections per process: 4 x (8 + 1) stays far below max_connections
RACE_SERVERS = 2
RACE_WRITERS = 40
RACE_ROUNDS = 10


def server_args(backend: Backend) -> list[str]:
    return ["--db-pool-size", str(POOL_SIZE)] if backend.name == "postgresql" else []


async def run_load(servers: list[Server], clients_per_server: int, seconds: float, seed: int) -> Load:
    """``clients_per_server`` clients on each server, creating, updating and deleting for ``seconds``, and each
    at least MIN_WRITES times however busy the machine is (so what the test checks does not hang on its speed)."""
    load = Load()
    deadline = time.monotonic() + seconds

    def keep_going() -> Callable[[], bool]:
        calls = 0

        def ask() -> bool:
            nonlocal calls
            calls += 1
            return calls <= MIN_WRITES or time.monotonic() < deadline

        return ask

    async with AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(s.client(connections=clients_per_server)) for s in servers]
        await asyncio.gather(
            *(
                client_loop(
                    clients[number % len(clients)],
                    number,
                    load,
                    keep_going(),
                    seed=seed,
                    update_share=0.55,
                    delete_share=0.05,
                )
                for number in range(clients_per_server * len(clients))
            )
        )
    return load


def test_four_processes_of_fifty_clients_lose_no_acknowledged_write(backend: Backend, tmp_path: Path) -> None:
    """4 processes x 50 clients create, update and delete for 20 s: all 200/204, every write stored as sent."""
    seconds = reliability_seconds(20.0)
    seed = random.randrange(10**6)
    servers = [Server(backend.url, tmp_path, name=f"p{i}", args=server_args(backend)) for i in range(PROCESSES)]
    before = set(stored_rows(backend))
    with Servers(servers) as running:
        started = time.monotonic()
        load = asyncio.run(run_load(running, CLIENTS_PER_PROCESS, seconds, seed))
        elapsed = time.monotonic() - started
    statuses = load.statuses()
    print(
        f"\n{backend.name}: {len(load.writes)} writes in {elapsed:.1f}s from {PROCESSES * CLIENTS_PER_PROCESS}"
        f" clients ({len(load.writes) / elapsed:.0f}/s), answers {dict(statuses)}, seed {seed}"
    )

    assert set(statuses) <= {200, 204}, (statuses, load.sample(lambda w: not w.acknowledged))
    # every client wrote at least MIN_WRITES times, starting with a create
    assert statuses[200] >= PROCESSES * CLIENTS_PER_PROCESS, "the load hardly ran"
    assert len(load.writes) >= PROCESSES * CLIENTS_PER_PROCESS * MIN_WRITES
    kinds = Counter(w.kind for w in load.writes)
    assert kinds["create"] and kinds["update"] and kinds["delete"], kinds
    wrong_answers = [
        (w.chat_session_id, problem)
        for w in load.writes
        if w.body is not None
        for problem in answer_problems(w.body, w.answer)
    ]
    assert wrong_answers == [], wrong_answers[:5]
    assert id_problems(load, before) == []
    rows = stored_rows(backend)
    assert final_state_problems(load, rows, unclear=()) == [], f"seed {seed}"
    created = {w.chat_session_id for w in load.writes if w.kind == "create"}
    deleted = {w.chat_session_id for w in load.writes if w.kind == "delete"}
    assert set(rows) == created - deleted


async def race(server_list: list[Server], seed: int) -> list[tuple[int, list[Write], dict[str, Any]]]:
    """RACE_ROUNDS rounds of RACE_WRITERS simultaneous full saves of one session, spread over the servers.

    Answers each round's version before, its writes, and the row the oracle read after it."""
    rng = random.Random(seed)
    rounds = []
    async with AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(s.client(connections=RACE_WRITERS)) for s in server_list]
        created = await send(clients[0], Write("create", 0, make_body(rng, f"race{seed}-start"), 0))
        assert created.status == 200, created.answer
        chat_session_id = created.chat_session_id
        # Open every connection first, so that the saves of a round leave together.
        await asyncio.gather(
            *(clients[n % len(clients)].post(GET, params={"chatSessionEntityId": 0}) for n in range(RACE_WRITERS))
        )
        version = 1
        for number in range(RACE_ROUNDS):
            writes = [
                Write("update", chat_session_id, make_body(rng, f"race{seed}-r{number}-w{w}", chat_session_id), w)
                for w in range(RACE_WRITERS)
            ]
            go = asyncio.Event()
            tasks = [asyncio.create_task(_when_set(go, clients[w.client % len(clients)], w)) for w in writes]
            await asyncio.sleep(0.05)
            go.set()
            await asyncio.gather(*tasks)
            rounds.append((version, writes, await _stored(clients[0], chat_session_id)))
            version += RACE_WRITERS
    return rounds


async def _when_set(go: asyncio.Event, client: httpx.AsyncClient, write: Write) -> Write:
    await go.wait()
    return await send(client, write)


async def _stored(client: httpx.AsyncClient, chat_session_id: int) -> dict[str, Any]:
    response = await client.post(GET, params={"chatSessionEntityId": chat_session_id})
    assert response.status_code == 200, response.text
    return {"etag": response.headers["etag"], "answer": response.json()}


def test_simultaneous_saves_of_one_session_store_one_body_whole(backend: Backend, tmp_path: Path) -> None:
    """40 clients on 2 processes save one session at once, 10 times: the row is always one body whole."""
    seed = random.randrange(10**6)
    servers = [Server(backend.url, tmp_path, name=f"r{i}", args=server_args(backend)) for i in range(RACE_SERVERS)]
    with Servers(servers) as running:
        rounds = asyncio.run(race(running, seed))

    for version_before, writes, after in rounds:
        statuses = Counter(w.status for w in writes)
        assert statuses == {200: RACE_WRITERS}, (statuses, [w.answer for w in writes if w.status != 200][:3])
        for write in writes:
            assert write.body is not None
            assert answer_problems(write.body, write.answer) == [], write.body["SessionKey"]
        # Each save was applied once, one after the other: versions version+1 .. version+WRITERS, no gaps.
        versions = sorted(int(w.headers["etag"].strip('"').split(".")[1]) for w in writes)
        assert versions == list(range(version_before + 1, version_before + RACE_WRITERS + 1))
        last = max(writes, key=lambda w: int(w.headers["etag"].strip('"').split(".")[1]))
        assert last.body is not None
        assert after["answer"]["SessionKey"] == last.body["SessionKey"]
        assert answer_problems(last.body, after["answer"]) == []
    final_writes = rounds[-1][1]
    chat_session_id = final_writes[0].chat_session_id
    row = stored_rows(backend)[chat_session_id]
    bodies = [expected_row(w.body, chat_session_id) for w in final_writes if w.body is not None]
    assert without_version(row) in bodies, f"the stored row is no single body (seed {seed}): {row}"
    assert row["row_version"] == 1 + RACE_WRITERS * RACE_ROUNDS
