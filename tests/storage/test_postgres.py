"""What only the PostgreSQL store has: URLs with a schema, the connection pool, failures, its own checks."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.abc import Query
from psycopg.conninfo import conninfo_to_dict

from sochat.domain.chat_session import ChatSession
from sochat.domain.errors import Unavailable
from sochat.store.postgres import PostgresEngine, postgres_conninfo
from sochat.store.records import NewTopic
from sochat.store.sqlite import SqliteEngine
from sochat.store.store import Store
from sochat.store.url import DatabaseUrlError, open_store
from support.databases import Backend, postgres_backend, unique_name, with_query

pytestmark = pytest.mark.anyio

# Nothing listens on port 1: connections are refused at once.
UNREACHABLE = "postgresql://postgres@127.0.0.1:1/test"


@pytest.fixture
def pg(postgres_url: str) -> Iterator[Backend]:
    """A fresh schema on the test server (not created yet: the first migrate creates it)."""
    with postgres_backend(postgres_url) as backend:
        yield backend


def server_sql(postgres_url: str, statement: Query, *params: object) -> list[tuple[object, ...]]:
    """Run one statement on the test server outside any test schema."""
    with psycopg.connect(postgres_conninfo(postgres_url)[0], autocommit=True) as conn:
        cursor = conn.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def schema_of(url: str) -> str:
    schema = postgres_conninfo(url)[1]
    assert schema is not None
    return schema


# -- URLs ------------------------------------------------------------------------------------------------


def test_schema_parameter_becomes_the_search_path() -> None:
    """?schema=NAME sets search_path (folded to lower case); other parameters reach libpq untouched."""
    conninfo, schema = postgres_conninfo(
        "postgresql://u:p%40ss@db.example:6543/sochat?schema=Run_1&application_name=a+b"
    )
    params = conninfo_to_dict(conninfo)
    assert schema == "run_1"
    assert params["options"] == "-csearch_path=run_1"
    assert params["application_name"] == "a+b"
    assert (params["user"], params["password"], params["host"], params["port"]) == ("u", "p@ss", "db.example", "6543")
    assert params["dbname"] == "sochat"
    assert params["connect_timeout"] == "5"


def test_schema_joins_options_already_given() -> None:
    """A schema is added to options the URL already has; a search_path in options names the schema too."""
    conninfo, schema = postgres_conninfo("postgres://h/db?options=-c%20statement_timeout%3D5000&schema=s1")
    assert schema == "s1"
    assert conninfo_to_dict(conninfo)["options"] == "-c statement_timeout=5000 -csearch_path=s1"
    _, schema = postgres_conninfo("postgresql://h/db?options=-csearch_path%3DTenant7")
    assert schema == "tenant7"
    _, schema = postgres_conninfo("postgresql://h/db")
    assert schema is None


@pytest.mark.parametrize(
    "query", ["schema=a-b", "schema=1abc", "schema=", f"schema={'s' * 64}", "schema=a%20b", "schema=a&schema=b"]
)
def test_bad_schema_parameters_are_refused(query: str) -> None:
    """A schema that is not one plain identifier, or two schemas, is refused naming the problem."""
    with pytest.raises(DatabaseUrlError, match="schema"):
        postgres_conninfo(f"postgresql://h/db?{query}")


def test_url_libpq_cannot_read_is_refused() -> None:
    """An unknown connection parameter is refused as a URL error, not a driver traceback."""
    with pytest.raises(DatabaseUrlError, match="libpq"):
        postgres_conninfo("postgresql://h/db?no_such_parameter=1")


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_open_store_opens_postgres_for_both_schemes(scheme: str) -> None:
    """open_store answers a Store for postgresql:// and postgres:// without connecting yet."""
    store = open_store(f"{scheme}://postgres@127.0.0.1:1/test?schema=x")
    try:
        assert isinstance(store.engine, PostgresEngine)
        assert store.engine.dialect == "postgresql"
        assert store.engine.schema == "x"
    finally:
        store.close()


def test_open_store_refuses_an_empty_pool() -> None:
    """A pool size below one is refused."""
    with pytest.raises(ValueError, match="at least one connection"):
        open_store(UNREACHABLE, pool_size=0)


def test_missing_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without psycopg, open_store says which extra to install."""
    monkeypatch.setitem(sys.modules, "psycopg", None)  # what Python does for a package that is not installed
    monkeypatch.delitem(sys.modules, "sochat.store.postgres")
    with pytest.raises(DatabaseUrlError, match=r"pip install 'sochat\[postgres\]'"):
        open_store(UNREACHABLE)


# -- failures --------------------------------------------------------------------------------------------


async def test_unreachable_server_answers_unavailable() -> None:
    """With no server, requests and administration fail with Unavailable (503) instead of waiting for one.
    How long the refusal takes is a matter for bench/, not a bound asserted here."""
    store = Store(PostgresEngine(UNREACHABLE, timeout=0.5))
    try:
        with pytest.raises(Unavailable):
            await store.ping()
        with pytest.raises(Unavailable):
            await store.write(lambda unit: unit.sessions.save(ChatSession(), create_if_missing=True))
        with pytest.raises(Unavailable):
            store.migrate()
        assert store.integrity_check() != "ok"
    finally:
        store.close()


async def test_connections_the_server_drops_are_replaced(pg: Backend, postgres_url: str) -> None:
    """After the server ends every connection of the store (as a restart does), the next calls still work."""
    name = unique_name("sochat_drop")
    store = open_store(with_query(pg.url, f"application_name={name}"), pool_size=3)
    try:
        store.migrate()
        outcome = await store.write(
            lambda unit: unit.sessions.save(ChatSession(customer_name="before"), create_if_missing=True)
        )
        assert outcome.stored is not None
        ended = server_sql(
            postgres_url,
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE application_name = %s",
            name,
        )
        assert len(ended) >= 2  # the pool's and the administration connection
        assert (
            await store.read(lambda unit: unit.sessions.get(outcome.stored.session.chat_session_id), point=True)
            == outcome.stored
        )
        assert store.run_admin(lambda unit: unit.transfer.add_topic(NewTopic("after"))) > 0
    finally:
        store.close()


async def test_pool_keeps_pool_size_connections(pg: Backend, postgres_url: str) -> None:
    """The pool opens exactly pool_size connections, even with many more requests at once."""
    name = unique_name("sochat_pool")
    store = open_store(with_query(pg.url, f"application_name={name}"), pool_size=3)
    try:
        await asyncio.gather(*(store.ping() for _ in range(30)))
        count = "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
        assert server_sql(postgres_url, count, name) == [(3,)]
    finally:
        store.close()
    deadline = time.monotonic() + 5
    while server_sql(postgres_url, count, name) != [(0,)] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server_sql(postgres_url, count, name) == [(0,)], "close() left connections open"


# -- schemas and checks ----------------------------------------------------------------------------------


def test_migrate_creates_the_schema_with_the_tables_and_columns_of_sqlite(
    pg: Backend, postgres_url: str, tmp_path: Path
) -> None:
    """migrate creates the missing schema and, in it, the same tables with the same columns in the same order
    as the SQLite migrations create: a migration added for one dialect only fails here."""
    schema = schema_of(pg.url)
    assert server_sql(postgres_url, "SELECT 1 FROM pg_namespace WHERE nspname = %s", schema) == []
    store = pg.open()
    try:
        store.migrate()
    finally:
        store.close()
    rows = server_sql(
        postgres_url,
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = %s"
        " ORDER BY table_name, ordinal_position",
        schema,
    )
    postgres_columns: dict[str, list[str]] = {}
    for table, column in rows:
        postgres_columns.setdefault(str(table), []).append(str(column))

    sqlite_store = Store(SqliteEngine(tmp_path / "reference.db"))
    try:
        sqlite_store.migrate()
    finally:
        sqlite_store.close()
    with closing(sqlite3.connect(tmp_path / "reference.db")) as conn:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        sqlite_columns = {
            table: [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
            for table in sorted(tables)
            if not table.startswith("sqlite_")
        }
    assert postgres_columns == sqlite_columns


async def test_search_path_in_options_works_like_schema(postgres_url: str) -> None:
    """options=-csearch_path=NAME is honoured like ?schema=NAME: the schema is created and used."""
    schema = unique_name("sochat_opt")
    store = open_store(with_query(postgres_url, f"options=-csearch_path%3D{schema}"))
    try:
        assert store.migrate() != []
        await store.write(lambda unit: unit.sessions.save(ChatSession(), create_if_missing=True))
        assert server_sql(postgres_url, sql.SQL("SELECT count(*) FROM {}.chat_session").format(sql.Identifier(schema)))
    finally:
        store.close()
        server_sql(postgres_url, sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


async def test_schemas_are_separate_databases(pg: Backend, postgres_url: str) -> None:
    """Two schemas on one server share nothing: ids, rows and migrations are each their own."""
    with postgres_backend(postgres_url) as other:
        first, second = pg.open(), other.open()
        try:
            assert first.migrate() == second.migrate() != []
            one = await first.write(
                lambda unit: unit.sessions.save(ChatSession(customer_name="one"), create_if_missing=True)
            )
            two = await second.write(
                lambda unit: unit.sessions.save(ChatSession(customer_name="two"), create_if_missing=True)
            )
            assert one.stored is not None and two.stored is not None
            assert one.stored.session.chat_session_id == two.stored.session.chat_session_id == 1
            assert await second.read(lambda unit: unit.sessions.get(1), point=True) == two.stored
            assert not first.run_admin(lambda unit: unit.users.nothing_stored(), write=False) and not second.run_admin(
                lambda unit: unit.users.nothing_stored(), write=False
            )
        finally:
            first.close()
            second.close()


def test_integrity_check_reports_missing_tables_and_migrations(pg: Backend) -> None:
    """integrity_check is "ok" on a migrated schema and names the problem otherwise."""
    store = Store(PostgresEngine(pg.url))
    try:
        assert store.integrity_check() != "ok"  # nothing migrated yet
        store.migrate()
        assert store.integrity_check() == "ok"
        pg.sql("DELETE FROM schema_migration WHERE version = 2")
        assert store.integrity_check() == "migrations not applied: 0002_idempotency"
        pg.sql("DROP TABLE chat_topic")
        assert store.integrity_check().startswith("the schema cannot be read")
    finally:
        store.close()
