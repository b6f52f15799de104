"""SIGKILL in the middle of a write load, again and again (SQLite): after each crash every acknowledged write is
in the file exactly as sent, nothing else is, and SQLite's integrity check passes.

SOCHAT_CRASH_ROUNDS sets the number of crashes (default: the issue's 20).
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest
from reliability_support import Load, Server, client_loop, final_state_problems, id_problems, stored_rows

from support.databases import Backend

pytestmark = pytest.mark.reliability

ROUNDS = int(os.environ.get("SOCHAT_CRASH_ROUNDS", "20"))
CLIENTS = 16
KILL_AT_LEAST = 20  # acknowledged writes in a round before its SIGKILL (at random, up to 400)


async def write_until_killed(server: Server, load: Load, round_number: int, kill_at: int) -> None:
    """CLIENTS clients write until the server is SIGKILLed, once ``kill_at`` writes of this round have been
    acknowledged (an event, not a time, so a busy machine changes nothing the test checks); each client stops at
    its first write without an answer."""
    killed = False
    first = len(load.writes)
    stopped: list[int] = []  # clients that ended on their own (a write without an answer before the kill)

    async def killer() -> None:
        nonlocal killed
        while sum(w.acknowledged for w in load.writes[first:]) < kill_at and len(stopped) < CLIENTS:
            await asyncio.sleep(0.005)
        server.kill()
        killed = True

    async def writer(client: httpx.AsyncClient, number: int) -> None:
        await client_loop(
            client,
            number,
            load,
            lambda: not killed,
            seed=round_number,
            update_share=0.5,
            delete_share=0.05,
            stop_on_no_answer=True,
        )
        stopped.append(number)

    async with AsyncExitStack() as stack:
        client = await stack.enter_async_context(server.client(connections=CLIENTS, timeout=10.0))
        await asyncio.gather(killer(), *(writer(client, number) for number in range(CLIENTS)))


def test_sigkill_during_writes_loses_no_acknowledged_write(sqlite_db: Backend, tmp_path: Path) -> None:
    """20 times: start, write from 16 clients, SIGKILL mid-load; every acknowledged write survives intact."""
    rng = random.Random()
    load = Load()
    unanswered = 0
    started = time.monotonic()
    for round_number in range(ROUNDS):
        server = Server(sqlite_db.url, tmp_path, name="crash").start().wait_ready()
        before = len(load.writes)
        asyncio.run(write_until_killed(server, load, round_number, kill_at=rng.randint(KILL_AT_LEAST, 400)))
        this_round = load.writes[before:]
        assert server.process is not None
        assert server.process.returncode == -9, "the server was to be killed, not to stop by itself"
        assert sum(w.acknowledged for w in this_round) >= KILL_AT_LEAST, (
            f"round {round_number}: the server failed early"
        )
        unanswered += sum(w.status is None for w in this_round)
        statuses = {w.status for w in this_round}
        assert statuses <= {200, 204, None}, load.sample(lambda w: w.status not in (200, 204, None))

        assert sqlite_db.sql("PRAGMA integrity_check") == [("ok",)], f"round {round_number}"
        assert sqlite_db.sql("PRAGMA foreign_key_check") == [], f"round {round_number}"
        problems = final_state_problems(load, stored_rows(sqlite_db), unclear=(None,))
        assert problems == [], f"after crash {round_number + 1}: {problems[:5]}"
    assert id_problems(load) == []
    # The kills must have hit writes in flight, or this test proved nothing about them.
    assert unanswered >= ROUNDS // 2, f"only {unanswered} writes were in flight at the {ROUNDS} kills"
    print(
        f"\n{ROUNDS} crashes in {time.monotonic() - started:.1f}s: {len(load.writes)} writes,"
        f" {sum(w.acknowledged for w in load.writes)} acknowledged, {unanswered} cut off by SIGKILL"
    )
