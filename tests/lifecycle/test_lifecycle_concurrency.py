"""Issue 9 concurrency on a real server: simultaneous PATCHes of one session all land; If-Match loses no update."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from support.api import REST
from support.servers import Server

pytestmark = pytest.mark.e2e

MERGE = {"Content-Type": "application/merge-patch+json"}
WRITERS = 20

# Twenty properties, each written by exactly one of the concurrent patches: (name, value sent, value answered).
FIELDS: list[tuple[str, Any, Any]] = [
    *((name, f"value-{name}", f"value-{name}") for name in ("CustomerAlias", "CustomerHost", "CustomerName")),
    *((name, f"value-{name}", f"value-{name}") for name in ("CustomerEmail", "CustomerPhone", "CustomerCompanyName")),
    *((name, f"value-{name}", f"value-{name}") for name in ("FirstMessage", "LastMessage", "SessionKey")),
    *((name, number, number) for number, name in enumerate(("InitialQueuePos", "AlertLevel", "Rank", "Rating"), 11)),
    ("TopicId", 3, 3),
    ("CustomerConsented", True, True),
    ("ChatbotIsActive", True, True),
    *(
        (name, f"2024-01-{day:02d}T10:00:00Z", f"2024-01-{day:02d}T10:00:00.0000000+00:00")
        for day, name in enumerate(("WhenStarted", "WhenEnded", "WhenIdle", "WhenFetched"), 1)
    ),
]


def _create(live: Server) -> dict[str, Any]:
    with live.sync_client() as client:
        response = client.post(REST, json={"Status": "InQueue", "CustomerName": "before"})
        assert response.status_code == 200, response.text[:500]
        created: dict[str, Any] = response.json()
        return created


def test_twenty_concurrent_merge_patches_all_land(live):
    """20 simultaneous merge-patches of one session, each setting its own property, all answer 200 and all stick."""
    assert len(FIELDS) == WRITERS
    assert len({name for name, _, _ in FIELDS}) == WRITERS
    chat_session_id = _create(live)["ChatSessionId"]
    path = f"{REST}/{chat_session_id}"

    async def run() -> list[httpx.Response]:
        async with live.client(connections=50, timeout=60.0) as client:
            start = asyncio.Event()

            async def one(name: str, value: Any) -> httpx.Response:
                await start.wait()
                return await client.patch(path, content=json.dumps({name: value}).encode(), headers=MERGE)

            tasks = [asyncio.create_task(one(name, value)) for name, value, _ in FIELDS]
            await asyncio.sleep(0.05)
            start.set()
            return await asyncio.gather(*tasks)

    answers = asyncio.run(run())
    failed = [(name, r.status_code) for (name, _, _), r in zip(FIELDS, answers, strict=True) if r.is_error]
    sample = next((r.text[:300] for r in answers if r.is_error), "")
    assert failed == [], f"{len(failed)} of {WRITERS} concurrent PATCHes did not land: {failed}; e.g. {sample}"
    with live.sync_client() as client:
        final = client.get(path)
    stored = final.json()
    assert {name: stored[name] for name, _, _ in FIELDS} == {name: answered for name, _, answered in FIELDS}
    assert stored["Status"] == "InQueue"
    assert final.headers["etag"] == f'"{chat_session_id}.{1 + WRITERS}"'
    assert len({r.headers["etag"] for r in answers}) == WRITERS


def test_concurrent_if_match_increments_lose_no_update(live):
    """20 clients each add 1 to Rank by read + If-Match PATCH (retrying on 412): Rank ends at exactly 20."""
    chat_session_id = _create(live)["ChatSessionId"]
    path = f"{REST}/{chat_session_id}"

    async def run() -> list[int]:
        async with live.client(connections=50, timeout=60.0) as client:

            async def increment() -> int:
                for attempt in range(1, 200):
                    current = await client.get(path)
                    assert current.status_code == 200, current.text[:500]
                    rank = current.json()["Rank"]
                    headers = MERGE | {"If-Match": current.headers["etag"]}
                    answer = await client.patch(path, content=json.dumps({"Rank": rank + 1}).encode(), headers=headers)
                    if answer.status_code == 200:
                        return attempt
                    assert answer.status_code == 412, answer.text[:500]
                raise AssertionError("never got through")

            return await asyncio.gather(*(increment() for _ in range(WRITERS)))

    attempts = asyncio.run(run())
    assert max(attempts) > 1, "the increments did not overlap, so this proved nothing"
    with live.sync_client() as client:
        final = client.get(path)
    assert final.json()["Rank"] == WRITERS
    assert final.headers["etag"] == f'"{chat_session_id}.{1 + WRITERS}"'
