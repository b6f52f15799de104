"""Work done on the databases directly, without sochat's server.

Reference point (b), the raw database: the save's INSERT (or UPDATE) of a chat_session row in a tight loop with
the server's durability settings, one transaction and one commit per row. SQLite: WAL, synchronous=FULL, as
sochat's store opens it. PostgreSQL: psycopg in autocommit mode, so each statement is its own transaction,
committed (WAL flushed, fsync=on, synchronous_commit=on) before the next starts.

Growth: fill a migrated database with generated chat sessions, in SQL on the database side, fast.
"""

from __future__ import annotations

import random
import sqlite3
import time
from pathlib import Path
from typing import Any

COLUMNS = (
    "topic_id",
    "user_id",
    "person_id",
    "customer_alias",
    "customer_host",
    "customer_name",
    "customer_email",
    "customer_phone",
    "customer_consented",
    "customer_company_name",
    "status",
    "first_message",
    "last_message",
    "when_requested",
    "when_started",
    "when_ended",
    "when_idle",
    "when_fetched",
    "session_key",
    "initial_queue_pos",
    "alert_level",
    "rank",
    "flags",
    "contact_id",
    "project_id",
    "sale_id",
    "ticket_id",
    "transfer_to_id",
    "chatbot_is_active",
    "rating",
    "updated_ticks",
)
# SuperOffice's sample body (lua/chat.lua), as sochat stores it.
_SAMPLE = {
    "topic_id": 1,
    "customer_alias": "soluta",
    "customer_host": "qui",
    "customer_email": "mckayla@sengeryost.uk",
    "customer_phone": "546-196-2294",
    "customer_consented": False,
    "customer_company_name": "Williamson, Weber and Grimes",
    "status": 9,
    "first_message": "rerum",
    "when_requested": 631639434590850049,
    "when_started": 636956562590850049,
    "when_ended": 631531434590850049,
    "when_idle": 630641490590850049,
    "when_fetched": 634063698590850049,
    "session_key": "est",
    "initial_queue_pos": 613,
    "alert_level": 418,
    "rank": 235,
    "flags": 0,
    "chatbot_is_active": False,
}


def sample_row(n: int, *, sqlite: bool) -> list[Any]:
    values = {**_SAMPLE, "customer_name": f"Customer raw-{n}", "last_message": f"message {n}", "rating": n % 1000}
    values["updated_ticks"] = 639000000000000000 + n
    row = [values.get(column) for column in COLUMNS]
    if sqlite:
        row = [int(v) if isinstance(v, bool) else v for v in row]
    return row


def insert_sql(mark: str) -> str:
    return f"INSERT INTO chat_session ({', '.join(COLUMNS)}) VALUES ({', '.join([mark] * len(COLUMNS))})"


def update_sql(mark: str) -> str:
    sets = ", ".join(f"{c} = {mark}" for c in COLUMNS)
    return f"UPDATE chat_session SET {sets}, row_version = row_version + 1 WHERE chat_session_id = {mark}"


# -- reference (b): raw single-commit loops --------------------------------------------------------------


def sqlite_loop(path: Path, seconds: float, *, op: str, ids: tuple[int, int] = (1, 1), per_commit: int = 1) -> float:
    """Rows per second: ``op`` is insert or update; ``per_commit`` rows in each transaction."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        sql = insert_sql("?") if op == "insert" else update_sql("?")
        rows = 0
        started = time.perf_counter()
        deadline = started + seconds
        while time.perf_counter() < deadline:
            conn.execute("BEGIN IMMEDIATE")
            for _ in range(per_commit):
                rows += 1
                values = sample_row(rows, sqlite=True)
                if op == "update":
                    values.append(random.randint(*ids))
                conn.execute(sql, values)
            conn.execute("COMMIT")
        return rows / (time.perf_counter() - started)
    finally:
        conn.close()


def pg_loop(url: str, seconds: float, *, op: str, ids: tuple[int, int] = (1, 1)) -> float:
    """Rows per second, each statement its own committed transaction (psycopg autocommit)."""
    import psycopg

    from sochat.store.postgres import postgres_conninfo

    conninfo, _ = postgres_conninfo(url)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        sql = insert_sql("%s") if op == "insert" else update_sql("%s")
        rows = 0
        started = time.perf_counter()
        deadline = started + seconds
        while time.perf_counter() < deadline:
            rows += 1
            values = sample_row(rows, sqlite=False)
            if op == "update":
                values.append(random.randint(*ids))
            conn.execute(sql, values, prepare=True)
        return rows / (time.perf_counter() - started)


# -- growth: generated rows --------------------------------------------------------------------------------

_GENERATED = {
    "topic_id": "1 + x % 3",
    "user_id": "NULL",
    "person_id": "NULL",
    "customer_alias": "'alias'",
    "customer_host": "'host'",
    "customer_name": "'Customer ' || x",
    "customer_email": "'c' || x || '@example.com'",
    "customer_phone": "'555-' || (x % 10000)",
    "customer_consented": "{bool_odd}",
    "customer_company_name": "'Company ' || (x % 5000)",
    "status": "x % 12",
    "first_message": "'Hello from ' || x",
    "last_message": "'Bye ' || x",
    "when_requested": "630822816000000000 + x * 10000000",
    "when_started": "630822816000000000 + x * 10000000 + 600000000",
    "when_ended": "NULL",
    "when_idle": "NULL",
    "when_fetched": "NULL",
    "session_key": "'k' || x",
    "initial_queue_pos": "x % 10",
    "alert_level": "0",
    "rank": "0",
    "flags": "0",
    "contact_id": "NULL",
    "project_id": "NULL",
    "sale_id": "NULL",
    "ticket_id": "NULL",
    "transfer_to_id": "NULL",
    "chatbot_is_active": "{false}",
    "rating": "x % 10",
    "updated_ticks": "638000000000000000 + x",
}


def _generated(bool_odd: str, false: str) -> str:
    return ", ".join(_GENERATED[c].format(bool_odd=bool_odd, false=false) for c in COLUMNS)


def sqlite_count(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM chat_session").fetchone()[0])
    finally:
        conn.close()


def sqlite_id_range(path: Path) -> tuple[int, int]:
    conn = sqlite3.connect(path)
    try:
        low, high = conn.execute("SELECT MIN(chat_session_id), MAX(chat_session_id) FROM chat_session").fetchone()
        return int(low or 0), int(high or 0)
    finally:
        conn.close()


def sqlite_grow(path: Path, total: int, *, chunk: int = 500_000, offline: bool = True) -> int:
    """Add generated rows until chat_session holds ``total``; answer how many were added.

    ``offline`` (no server has the file open): load without a journal and without syncs, then put the file
    back in WAL mode, which is what sochat opens it with."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=60)
    try:
        if offline:
            conn.execute("PRAGMA journal_mode = DELETE")
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute("PRAGMA cache_size = -262144")
        have = int(conn.execute("SELECT COUNT(*) FROM chat_session").fetchone()[0])
        start = have
        while have < total:
            n = min(chunk, total - have)
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                f"WITH RECURSIVE g(x) AS (SELECT {have + 1} UNION ALL SELECT x + 1 FROM g WHERE x < {have + n}) "
                f"INSERT INTO chat_session ({', '.join(COLUMNS)}) SELECT {_generated('x % 2', '0')} FROM g"
            )
            conn.execute("COMMIT")
            have += n
        if offline:
            conn.execute("ANALYZE")
            conn.execute("PRAGMA journal_mode = WAL")
        return have - start
    finally:
        conn.close()


def pg_connect(url: str) -> Any:
    import psycopg

    from sochat.store.postgres import postgres_conninfo

    conninfo, _ = postgres_conninfo(url)
    return psycopg.connect(conninfo, autocommit=True)


def pg_count(url: str) -> int:
    with pg_connect(url) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM chat_session").fetchone()[0])


def pg_id_range(url: str) -> tuple[int, int]:
    with pg_connect(url) as conn:
        low, high = conn.execute("SELECT MIN(chat_session_id), MAX(chat_session_id) FROM chat_session").fetchone()
        return int(low or 0), int(high or 0)


def pg_grow(url: str, total: int, *, chunk: int = 1_000_000, vacuum: bool = True) -> int:
    with pg_connect(url) as conn:
        conn.execute("SET synchronous_commit = off")
        have = int(conn.execute("SELECT COUNT(*) FROM chat_session").fetchone()[0])
        start = have
        while have < total:
            n = min(chunk, total - have)
            conn.execute(
                f"INSERT INTO chat_session ({', '.join(COLUMNS)}) "
                f"SELECT {_generated('(x % 2 = 1)', 'false')} FROM generate_series({have + 1}::bigint, {have + n}) x"
            )
            have += n
        if vacuum:
            conn.execute("VACUUM ANALYZE chat_session")
            # The load wrote gigabytes of WAL: flush it now, or the checkpoint it forces runs during the measurement.
            conn.execute("CHECKPOINT")
        return have - start
