"""Failed logins cannot grow the database (issue 12, section 3): names that are not stored get no counter of
their own, every name shares one of NAME_BUCKETS buckets, address counters are per IPv4 address or IPv6 /64,
and expired counters are removed. Run on SQLite and PostgreSQL, measuring the database itself."""

from __future__ import annotations

import base64
import ipaddress
import json
import secrets
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher
from auth_support import (
    app_client,
)

from sochat.agents.lockout import NAME_BUCKETS
from sochat.security import passwords
from sochat.store.store import Store
from support.api import GET

pytestmark = pytest.mark.anyio

LOGIN = "/api/v1/Authentication/Login"
TOKEN = "/api/v1/oauth/token"
ATTEMPTS = 1000
MEGABYTE = 1_000_000
NO_SLOWING = {"lockout_slow_after": 10 * ATTEMPTS}  # the test measures storage; no answer is delayed
ATTACKER_NETWORK = ipaddress.IPv6Network("2001:db8:1:2::/64")  # one subscriber's /64


@pytest.fixture
def cheap_unknown_user_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    """A name that is not stored is verified against a dummy hash at production cost (about 0.1 s), so that it
    takes as long as a wrong password. The demo users' hashes are cheap in tests; the dummy is made as cheap
    (same algorithm, same code path) so that a thousand attempts take seconds, not minutes."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", cheap.hash(secrets.token_urlsafe(16)))


Sql = Callable[[str], list[tuple[object, ...]]]


@pytest.fixture
def database_sql(database: str, store: Store, request: pytest.FixtureRequest) -> Sql:
    """Run one statement on the test's database through a connection of its own; answers the rows."""
    if database == "sqlite":
        path: Path = request.getfixturevalue("db_path")

        def on_sqlite(statement: str) -> list[tuple[object, ...]]:
            with closing(sqlite3.connect(path)) as conn:
                return conn.execute(statement).fetchall()

        return on_sqlite
    import psycopg

    from sochat.store.postgres import postgres_conninfo
    from support.databases import with_query

    url: str = request.getfixturevalue("postgres_url")
    schema: str = request.getfixturevalue("postgres_module_schema")
    conninfo = postgres_conninfo(with_query(url, f"schema={schema}"))[0]

    def on_postgres(statement: str) -> list[tuple[object, ...]]:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            return conn.execute(statement).fetchall()

    return on_postgres


def database_bytes(database: str, sql: Sql) -> int:
    """The size of the test's database as the database reports it: SQLite's pages (the WAL's included), or
    PostgreSQL's tables of the schema with their indexes and TOAST."""
    if database == "sqlite":
        pages = sql("PRAGMA page_count")[0][0]
        return int(str(pages)) * int(str(sql("PRAGMA page_size")[0][0]))
    rows = sql(
        "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'"
    )
    return int(str(rows[0][0]))


def counters(sql: Sql) -> list[str]:
    """The keys of the failed-login counters stored."""
    return sorted(str(row[0]) for row in sql("SELECT key FROM auth_failure"))


async def fail_login(client: httpx.AsyncClient, attempt: int, name: str) -> None:
    """One failed sign-in for ``name``, through Basic, the login call or the password grant in turn."""
    password = secrets.token_urlsafe(8)
    if attempt % 3 == 0:
        header = "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode("ascii")
        response = await client.post(GET, params={"chatSessionEntityId": 1}, headers={"Authorization": header})
        # A header over 8 KiB is refused (431) before authentication even starts.
        assert response.status_code == (431 if len(header) > 8192 else 401), response.text
    elif attempt % 3 == 1:
        body = json.dumps({"Username": name, "Password": password}).encode()
        response = await client.post(LOGIN, content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 401, response.text
    else:
        response = await client.post(TOKEN, data={"grant_type": "password", "username": name, "password": password})
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "invalid_grant"


async def test_a_thousand_failed_logins_with_megabyte_names_grow_the_database_by_less_than_a_megabyte(
    store: Store, database: str, database_sql: Sql, anyio_backend: str
) -> None:
    """1,000 failed logins with random 1 MB names, each from another address of one IPv6 /64, through Basic,
    the login call and the password grant: every one is a plain refusal, the database grows < 1 MB, and the
    only counter is the /64's."""
    before = database_bytes(database, database_sql)
    async with app_client(store, **NO_SLOWING) as client_at:
        for attempt in range(ATTEMPTS):
            address = str(ATTACKER_NETWORK[secrets.randbits(64)])
            await fail_login(client_at(address), attempt, secrets.token_hex(MEGABYTE // 2))
    grown = database_bytes(database, database_sql) - before
    assert grown < MEGABYTE, f"the database grew by {grown} bytes"
    assert counters(database_sql) == [f"addr:{ATTACKER_NETWORK}"]


async def test_a_thousand_failed_logins_with_random_short_names_grow_the_database_by_less_than_a_megabyte(
    store: Store, database: str, database_sql: Sql, cheap_unknown_user_hash: None, anyio_backend: str
) -> None:
    """1,000 failed logins with random short names from the loopback address (which no address lock stops):
    the database grows < 1 MB and holds no counter of a name, only at most one per name bucket."""
    before = database_bytes(database, database_sql)
    async with app_client(store, **NO_SLOWING) as client_at:
        client = client_at("127.0.0.1")
        for attempt in range(ATTEMPTS):
            await fail_login(client, attempt, secrets.token_urlsafe(12))
    grown = database_bytes(database, database_sql) - before
    assert grown < MEGABYTE, f"the database grew by {grown} bytes"
    stored = counters(database_sql)
    assert 0 < len(stored) <= NAME_BUCKETS
    assert all(key.startswith("name:") for key in stored), stored[:5]
