"""Helpers for the reliability tests: a write load of many clients that records every answer, an oracle that
reads the database itself (not through sochat) to check what was kept, and a PostgreSQL server of the test's
own. The sochat processes come from tests/support/servers.py.

Everything runs on 127.0.0.1. The bodies, the expected columns and the date ticks are computed here, apart from
sochat's codecs, so that a bug there cannot hide itself.
"""

from __future__ import annotations

import asyncio
import glob
import os
import pwd
import random
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from support.api import ERROR_KEYS
from support.databases import Backend
from support.ports import free_port
from support.servers import Server, Servers

AGENT = "/api/v1/Agents/Chat/"
SAVE = AGENT + "SaveChatSessionEntity"
GET = AGENT + "GetChatSessionEntity"
DELETE = AGENT + "DeleteChatSessionEntity"

# SuperOffice's ChatSessionStatus values (its documentation, not sochat's table).
STATUSES = {"InQueue": 4, "CustomerLast": 5, "UserLast": 6, "Finished": 7, "Closed": 9}
_TICKS_ORIGIN = datetime(1, 1, 1, tzinfo=UTC)
_TICKS_2020 = (datetime(2020, 1, 1, tzinfo=UTC) - _TICKS_ORIGIN) // timedelta(microseconds=1) * 10
_TICKS_PER_SECOND = 10_000_000

# The chat_session columns every body below sets (the rest keep their defaults), and what the oracle reads.
COLUMNS = (
    "chat_session_id",
    "topic_id",
    "user_id",
    "customer_alias",
    "customer_name",
    "customer_email",
    "customer_phone",
    "customer_consented",
    "customer_company_name",
    "status",
    "first_message",
    "last_message",
    "when_requested",
    "session_key",
    "initial_queue_pos",
    "alert_level",
    "rank",
    "chatbot_is_active",
    "rating",
)
_BOOLEANS = ("customer_consented", "chatbot_is_active")


def reliability_seconds(default: float) -> float:
    """How long a timed load runs: SOCHAT_RELIABILITY_SECONDS when set, else ``default``."""
    value = os.environ.get("SOCHAT_RELIABILITY_SECONDS")
    return float(value) if value else default


# -- bodies and the oracle --------------------------------------------------------------------------


def ticks_text(ticks: int) -> str:
    """A .NET tick count as an ISO 8601 UTC date with SuperOffice's seven fractional digits."""
    moment = _TICKS_ORIGIN + timedelta(seconds=ticks // _TICKS_PER_SECOND)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{ticks % _TICKS_PER_SECOND:07d}"


def make_body(rng: random.Random, tag: str, chat_session_id: int = 0) -> dict[str, Any]:
    """A full save body whose every value differs from write to write; ``tag`` is unique per write."""
    ticks = _TICKS_2020 + rng.randrange(10 * 365 * 86400 * _TICKS_PER_SECOND)
    filler = "".join(rng.choice("abcdefghij ") for _ in range(rng.randrange(0, 300)))
    return {
        "ChatSessionId": chat_session_id,
        "TopicId": rng.choice((1, 2, 3)),
        "User": rng.choice((None, {"AssociateId": 1}, {"AssociateId": 2})),
        "CustomerAlias": tag[:64],
        "CustomerName": f"Kunde {tag} \u00e6\u00f8\u00e5",
        "CustomerEmail": f"{tag}@example.com",
        "CustomerPhone": f"+47 {rng.randrange(10**7, 10**8)}",
        "CustomerConsented": rng.random() < 0.5,
        "CustomerCompanyName": f"Firma {rng.randrange(10**6)}",
        "Status": rng.choice(list(STATUSES)),
        "FirstMessage": f"{tag} {filler}",
        "LastMessage": f"{tag} \u2713 \U0001f600 {rng.random()}",
        "WhenRequested": ticks_text(ticks) + "Z",
        "SessionKey": tag,
        "InitialQueuePos": rng.randrange(100),
        "AlertLevel": rng.randrange(10),
        "Rank": rng.randrange(1000),
        "ChatbotIsActive": rng.random() < 0.5,
        "Rating": rng.randrange(6),
    }


def expected_row(body: dict[str, Any], chat_session_id: int) -> dict[str, Any]:
    """The chat_session columns a save of ``body`` must leave, as the oracle reads them."""
    ticks = _ticks_of(body["WhenRequested"])
    user = body["User"]
    return {
        "chat_session_id": chat_session_id,
        "topic_id": body["TopicId"],
        "user_id": None if user is None else user["AssociateId"],
        "customer_alias": body["CustomerAlias"],
        "customer_name": body["CustomerName"],
        "customer_email": body["CustomerEmail"],
        "customer_phone": body["CustomerPhone"],
        "customer_consented": body["CustomerConsented"],
        "customer_company_name": body["CustomerCompanyName"],
        "status": STATUSES[body["Status"]],
        "first_message": body["FirstMessage"],
        "last_message": body["LastMessage"],
        "when_requested": ticks,
        "session_key": body["SessionKey"],
        "initial_queue_pos": body["InitialQueuePos"],
        "alert_level": body["AlertLevel"],
        "rank": body["Rank"],
        "chatbot_is_active": body["ChatbotIsActive"],
        "rating": body["Rating"],
    }


def _ticks_of(text: str) -> int:
    stamp, fraction = text.rstrip("Z").split(".")
    moment = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    return (moment - _TICKS_ORIGIN) // timedelta(seconds=1) * _TICKS_PER_SECOND + int(fraction)


def answer_problems(body: dict[str, Any], answer: dict[str, Any]) -> list[str]:
    """How a 200 answer differs from the body that was saved (empty when it shows exactly what was sent)."""
    problems = []
    for name, sent in body.items():
        got = answer.get(name)
        if name == "ChatSessionId":
            if sent and got != sent:
                problems.append(f"ChatSessionId {got!r} answered for a save of {sent}")
            continue
        if name == "User":
            got = None if got is None else got.get("AssociateId")
            sent = None if sent is None else sent["AssociateId"]
        elif name == "WhenRequested":
            sent = sent.rstrip("Z") + "+00:00"
        if got != sent:
            problems.append(f"{name}: sent {sent!r}, answered {got!r}")
    return problems


def stored_rows(backend: Backend) -> dict[int, dict[str, Any]]:
    """Every chat session as its columns, read from the database itself (not through sochat)."""
    rows = backend.sql(f"SELECT {', '.join(COLUMNS)}, row_version FROM chat_session")
    found = {}
    for row in rows:
        values = dict(zip((*COLUMNS, "row_version"), row, strict=True))
        for name in _BOOLEANS:
            values[name] = bool(values[name])
        found[values["chat_session_id"]] = values
    return found


def without_version(row: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in row.items() if name != "row_version"}


# -- the load ---------------------------------------------------------------------------------------


@dataclass
class Write:
    """One request of the load and what came of it."""

    kind: str  # "create", "update" or "delete"
    chat_session_id: int  # 0 for a create until it is answered
    body: dict[str, Any] | None
    client: int
    status: int | None = None  # None: no answer (connection refused or reset, timeout)
    answer: Any = None
    error: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    sent_at: float = 0.0  # time.monotonic()
    answered_at: float = 0.0

    @property
    def acknowledged(self) -> bool:
        return self.status in (200, 204)


@dataclass
class Load:
    """Everything a load sent, per client in the order sent."""

    writes: list[Write] = field(default_factory=list)

    def statuses(self) -> Counter[int | None]:
        return Counter(write.status for write in self.writes)

    def sample(self, predicate: Callable[[Write], bool], count: int = 3) -> list[str]:
        found = [w for w in self.writes if predicate(w)][:count]
        return [f"{w.kind} {w.chat_session_id}: {w.status} {w.error or str(w.answer)[:300]}" for w in found]


async def send(client: httpx.AsyncClient, write: Write, headers: dict[str, str] | None = None) -> Write:
    """Send one write and record its answer (or why there was none)."""
    write.sent_at = time.monotonic()
    try:
        if write.kind == "delete":
            response = await client.post(DELETE, params={"ChatSessionEntityId": write.chat_session_id})
        else:
            response = await client.post(SAVE, json=write.body, headers=headers)
    except httpx.TransportError as exc:  # recorded: the caller decides whether an unanswered write is allowed
        write.error = f"{type(exc).__name__}: {exc}"
        write.answered_at = time.monotonic()
        return write
    write.answered_at = time.monotonic()
    write.status = response.status_code
    write.headers = dict(response.headers)
    if response.content:
        try:
            write.answer = response.json()
        except ValueError:
            write.answer = response.text
    if write.kind == "create" and write.status == 200 and isinstance(write.answer, dict):
        write.chat_session_id = write.answer["ChatSessionId"]
    return write


async def client_loop(
    client: httpx.AsyncClient,
    number: int,
    load: Load,
    keep_going: Callable[[], bool],
    *,
    seed: int,
    update_share: float = 0.5,
    delete_share: float = 0.0,
    stop_on_no_answer: bool = False,
    pause: float = 0.0,
) -> None:
    """One client: creates sessions, updates and deletes its own, one request at a time, until told to stop.

    Each client only touches the sessions it created, so the last write it had acknowledged for a session
    is what the database must hold at the end."""
    rng = random.Random(f"{seed}-{number}")
    mine: list[int] = []
    count = 0
    while keep_going():
        count += 1
        tag = f"s{seed}-c{number}-w{count}"
        roll = rng.random()
        if mine and roll < delete_share:
            target = mine.pop(rng.randrange(len(mine)))
            write = Write("delete", target, None, number)
        elif mine and roll < delete_share + update_share:
            target = rng.choice(mine)
            write = Write("update", target, make_body(rng, tag, target), number)
        else:
            write = Write("create", 0, make_body(rng, tag), number)
        load.writes.append(write)
        await send(client, write)
        if write.kind == "create" and write.status == 200:
            mine.append(write.chat_session_id)
        if write.status is None and stop_on_no_answer:
            return
        if pause:
            await asyncio.sleep(pause)


def final_state_problems(
    load: Load, rows: dict[int, dict[str, Any]], *, unclear: Iterable[int | None] = (None,)
) -> list[str]:
    """Check the database against the load: each acknowledged write is there with exactly what was sent, and
    nothing else is.

    Per session the last acknowledged write must be stored, unless a later write of it got an unclear answer
    (a status in ``unclear``; None is no answer at all, e.g. a reset connection): that one may be stored
    instead. Every other answer, 503 included unless listed, means the write did not happen. Every row must be
    exactly one write's body (never a mix of two), and belong to an acknowledged create, or to a create whose
    answer was unclear. Answers the problems found (empty: all is well)."""
    unclear = set(unclear)
    problems: list[str] = []
    by_id: dict[int, list[Write]] = {}
    for write in load.writes:
        if write.chat_session_id:
            by_id.setdefault(write.chat_session_id, []).append(write)
    created = {w.chat_session_id for w in load.writes if w.kind == "create" and w.acknowledged}
    tags = {w.body["SessionKey"]: w for w in load.writes if w.body is not None}
    for chat_session_id, writes in by_id.items():
        acknowledged = [i for i, w in enumerate(writes) if w.acknowledged]
        if not acknowledged:
            continue
        last = acknowledged[-1]
        allowed = [writes[last], *(w for w in writes[last + 1 :] if w.status in unclear)]
        outcomes = [None if w.body is None else expected_row(w.body, chat_session_id) for w in allowed]
        row = rows.get(chat_session_id)
        got = None if row is None else without_version(row)
        if got not in outcomes:
            body = writes[last].body
            problems.append(
                f"session {chat_session_id}: stored {got!r}, but the last acknowledged write was a "
                f"{writes[last].kind}{'' if body is None else ' of ' + body['SessionKey']}"
            )
    for chat_session_id, row in rows.items():
        write = tags.get(row["session_key"])
        if write is None or write.body is None:
            problems.append(f"session {chat_session_id} holds {row['session_key']!r}, which no client sent")
            continue
        if without_version(row) != expected_row(write.body, chat_session_id):
            problems.append(f"session {chat_session_id} is not one write whole: {row!r} vs {write.body!r}")
        if chat_session_id not in created and not (write.kind == "create" and write.status in unclear):
            problems.append(
                f"session {chat_session_id} ({row['session_key']}) is stored, but its create was answered "
                f"{write.status} (acknowledged creates only, or unclear ones)"
            )
    return problems


def id_problems(load: Load, existing_before: Iterable[int] = ()) -> list[str]:
    """Ids answered by creates: each one new, never one in use before, never one answered before (also when
    that session was deleted since)."""
    problems = []
    seen = set(existing_before)
    for write in load.writes:
        if write.kind != "create" or not write.acknowledged:
            continue
        if write.chat_session_id in seen:
            problems.append(f"id {write.chat_session_id} was handed out again")
        seen.add(write.chat_session_id)
    return problems


def check_unavailable(write: Write) -> list[str]:
    """A 503 must carry Retry-After and SuperOffice's error body."""
    problems = []
    if "retry-after" not in write.headers or not write.headers["retry-after"].isdigit():
        problems.append(f"503 without a Retry-After in seconds: {write.headers}")
    if not isinstance(write.answer, dict) or set(write.answer) != ERROR_KEYS or write.answer["Error"] is not True:
        problems.append(f"503 without SuperOffice's error body: {write.answer!r}")
    return problems


# -- a PostgreSQL server of the test's own ------------------------------------------------------------


def postgres_bindir() -> Path | None:
    """The folder of the newest PostgreSQL server programs (initdb, pg_ctl) on this machine, if any."""
    found = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")]
    found.sort(key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0)
    if found:
        return found[-1]
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


class PrivateCluster:
    """A PostgreSQL server of this test alone (initdb in a temporary folder, a free port on 127.0.0.1), so that
    stopping and crashing it disturbs no one else's database. As root it runs as the postgres user, since
    PostgreSQL refuses to run as root."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="sochat-pg-"))
        self.data = self.directory / "data"
        self.user: str | None = None
        if os.geteuid() == 0:
            self.user = "postgres"
            entry = pwd.getpwnam(self.user)
            os.chown(self.directory, entry.pw_uid, entry.pw_gid)
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.running = False

    def _run(self, program: str, *args: str) -> None:
        result = subprocess.run(
            [str(self.bindir / program), *args],
            user=self.user,
            cwd=self.directory,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, f"{program} {' '.join(args)} failed: {result.stdout}{result.stderr}"

    def init(self) -> PrivateCluster:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        return self

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.directory / "log"), "-w", "-o", options, "start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """pg_ctl stop: "fast" ends every session and shuts down cleanly; "immediate" is a crash (recovery from
        the WAL on the next start)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")
        self.running = False

    def close(self) -> None:
        if self.running:
            self.stop("immediate")
        shutil.rmtree(self.directory)

    def log(self) -> str:
        path = self.directory / "log"
        return path.read_text(errors="replace") if path.exists() else ""


__all__ = ["PrivateCluster", "Server", "Servers"]
