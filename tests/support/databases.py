"""The databases tests run on, and how to reach them: shared by support.fixtures (the API suite on both
databases), tests/storage (the Store contract), tests/crm and the end-to-end, reliability and deployment tests.

PostgreSQL comes from SOCHAT_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test). When it
cannot be reached its tests are skipped with the reason, unless SOCHAT_REQUIRE_POSTGRES=1 (CI): then they fail.
Every test that uses it gets a schema of its own, created for it and dropped afterwards.
"""

from __future__ import annotations

import functools
import graphlib
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

from sochat.store.records import UserRecord
from sochat.store.store import Store
from sochat.store.url import open_store

POSTGRES_URL = os.environ.get("SOCHAT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("SOCHAT_REQUIRE_POSTGRES") == "1"
BACKENDS = ("sqlite", "postgresql")
# Suites that ran on SQLite only before issue 19: their PostgreSQL half runs in CI (CI=true) and with
# SOCHAT_REQUIRE_POSTGRES=1, not in a plain local run, which stays as fast as it was (docs/development.md,
# "Test selection"). The API, storage, crm, fuzz, reliability and e2e suites run on both databases everywhere.
CI_ONLY_POSTGRES_SUITES = ("auth", "formats", "lifecycle", "locale")
ALL_DATABASES = REQUIRE_POSTGRES or os.environ.get("CI", "").lower() in ("1", "true", "yes")


def backends_for(path: str | Path) -> tuple[str, ...]:
    """The databases the tests in ``path`` (a test file or folder) run on: both, except that a suite of
    CI_ONLY_POSTGRES_SUITES runs on SQLite only outside CI."""
    suite = Path(path).resolve().relative_to(Path(__file__).resolve().parent.parent).parts[0]
    if suite in CI_ONLY_POSTGRES_SUITES and not ALL_DATABASES:
        return ("sqlite",)
    return BACKENDS


Rows = list[tuple[Any, ...]]


def postgres_missing(reason: str) -> NoReturn:
    """Skip a PostgreSQL test for ``reason``, or fail it when SOCHAT_REQUIRE_POSTGRES=1."""
    if REQUIRE_POSTGRES:
        pytest.fail(f"{reason} (SOCHAT_REQUIRE_POSTGRES=1, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


def check_postgres(url: str = POSTGRES_URL) -> str:
    """``url`` after checking that the server answers (else skip or fail the calling test, see postgres_missing)."""
    try:
        import psycopg
    except ImportError as exc:
        postgres_missing(f"psycopg is not installed ({exc}); pip install 'sochat[postgres]'")
    from sochat.store.postgres import postgres_conninfo

    try:
        conninfo, _ = postgres_conninfo(url)
        with psycopg.connect(conninfo, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        postgres_missing(f"PostgreSQL at {url} cannot be reached: {exc}")
    return url


def stored_users(store: Store) -> list[UserRecord]:
    """Every user the store holds, retired ones included (what `sochat user list` shows)."""
    return store.run_admin(lambda unit: unit.users.list(), write=False)


def load_cheap_demo(store: Store, *, sessions: bool = False) -> None:
    """Load the demo users and topics (and with ``sessions`` the demo company: contacts, sales, tickets and
    sessions) into an empty store, their passwords hashed with argon2 at its lowest cost: hashing, and verifying
    on each test's first login, at sochat's production cost would dominate the run time.
    Same passwords, same algorithm."""
    from unittest import mock

    from argon2 import PasswordHasher

    from sochat.demo import load_demo

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    with mock.patch("sochat.demo.hash_password", cheap.hash):
        assert load_demo(store, sessions=sessions)
    assert all(
        "m=1024,t=1,p=1" in (user.password_hash or "")
        for user in store.run_admin(lambda unit: unit.users.list(), write=False)
    )


def prepare_demo(backend: Backend) -> Backend:
    """Migrate ``backend``'s database and load the demo users and topics (cheap hashes), as `serve --demo` would
    for an empty database; for servers the test starts itself."""
    store = backend.open(pool_size=1) if backend.name == "postgresql" else backend.open()
    try:
        store.migrate()
        load_cheap_demo(store)
    finally:
        store.close()
    return backend


def copy_sqlite(template: Path, path: Path) -> Path:
    """A private copy of the SQLite database ``template`` at ``path`` (SQLite's backup API, so the template's WAL
    is included)."""
    source = sqlite3.connect(template)
    target = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return path


def with_query(url: str, parameter: str) -> str:
    """``url`` with one more query parameter."""
    return f"{url}{'&' if '?' in url else '?'}{parameter}"


def unique_name(prefix: str) -> str:
    """A name no other test run uses at the same time (schemas, application names)."""
    return f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"


@dataclass
class Backend:
    """One test's database: opens stores on it and runs raw SQL for what the Store protocol does not offer."""

    name: str
    url: str
    integrity_error: type[Exception]  # what a broken constraint raises
    _execute: Callable[[str, Sequence[object]], Rows]

    def open(self, **options: Any) -> Store:
        """A new store on this database, not migrated (``options`` as for open_store, e.g. pool_size)."""
        return open_store(self.url, **options)

    def sql(self, statement: str, *params: object) -> Rows:
        """Run one statement with ``?`` placeholders in its own transaction; answer the rows it returns."""
        return self._execute(statement, params)

    def record(self, table: str, key: str, value: object) -> dict[str, Any] | None:
        """The row of ``table`` whose column ``key`` is ``value``, by column name (None when there is none)."""
        columns = self.columns(table)
        rows = self.sql(f"SELECT {', '.join(columns)} FROM {table} WHERE {key} = ?", value)
        return dict(zip(columns, rows[0], strict=True)) if rows else None

    def columns(self, table: str) -> list[str]:
        """The column names of ``table`` in their order (from the database's own catalogue)."""
        if self.name == "sqlite":
            return [str(row[1]) for row in self.sql(f"PRAGMA table_info({table})")]
        return [
            str(row[0])
            for row in self.sql(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
                " AND table_name = ? ORDER BY ordinal_position",
                table,
            )
        ]


def sqlite_backend(path: Path) -> Backend:
    """The SQLite file at ``path`` (created by the first store that opens it)."""

    def execute(statement: str, params: Sequence[object]) -> Rows:
        with closing(sqlite3.connect(path, timeout=10)) as conn, conn:
            return conn.execute(statement, params).fetchall()

    return Backend("sqlite", f"sqlite:///{path}", sqlite3.IntegrityError, execute)


def drop_schema(url: str, schema: str) -> None:
    """DROP SCHEMA ... CASCADE on the server at ``url`` (nothing happens when it is missing)."""
    import psycopg
    from psycopg import sql

    from sochat.store.postgres import postgres_conninfo

    with psycopg.connect(postgres_conninfo(url)[0], autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def postgres_schema_backend(url: str, schema: str) -> Backend:
    """The schema ``schema`` on the PostgreSQL server at ``url`` (left as it is afterwards)."""
    import psycopg

    from sochat.store.postgres import postgres_conninfo

    schema_url = with_query(url, f"schema={schema}")
    conninfo, _ = postgres_conninfo(schema_url)

    def execute(statement: str, params: Sequence[object]) -> Rows:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            cursor = conn.execute(statement.replace("?", "%s"), params)
            return cursor.fetchall() if cursor.description else []

    return Backend("postgresql", schema_url, psycopg.IntegrityError, execute)


@contextmanager
def postgres_backend(url: str, schema: str | None = None) -> Iterator[Backend]:
    """A fresh schema on the PostgreSQL server at ``url``, named by ``?schema=`` and dropped afterwards.

    The schema itself is created by the first migrate, as it would be for a real deployment."""
    schema = schema or unique_name("sochat_test")
    try:
        yield postgres_schema_backend(url, schema)
    finally:
        drop_schema(url, schema)


@functools.cache
def _schema_plan(url: str, source: str) -> tuple[tuple[str, ...], tuple[tuple[str, int | None], ...]]:
    """The tables of ``source`` parents first (foreign keys), schema_migration left out, and its sequences
    with their last values (None: never used)."""
    import psycopg

    from sochat.store.postgres import postgres_conninfo

    with psycopg.connect(postgres_conninfo(url)[0]) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s"
                " AND table_type = 'BASE TABLE' AND table_name <> 'schema_migration'",
                (source,),
            )
        ]
        order: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter({table: () for table in tables})
        for child, parent in conn.execute(
            "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c"
            " WHERE c.contype = 'f' AND c.connamespace = %s::regnamespace",
            (source,),
        ):
            # regclass::text is schema-qualified when the schema is not on the search_path
            order.add(child.rsplit(".", 1)[-1], parent.rsplit(".", 1)[-1])
        sequences = conn.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = %s", (source,)
        ).fetchall()
    return tuple(order.static_order()), tuple(sequences)


def copy_schema_rows(url: str, source: str, target: str) -> None:
    """Make the rows of the migrated schema ``target`` those of ``source`` (same migrations, and ``source``
    unchanged since the first call), with the id sequences where the source left them: PostgreSQL's stand-in
    for copying a template SQLite file.

    Whatever ``target`` held is deleted first; tables are filled parents first (foreign keys); schema_migration
    is left as migrate wrote it. One transaction of a few milliseconds (DELETE, not TRUNCATE: the tables are
    small, and TRUNCATE's new files cost more than the rows)."""
    import psycopg
    from psycopg import sql

    from sochat.store.postgres import postgres_conninfo

    tables, sequences = _schema_plan(url, source)
    with psycopg.connect(postgres_conninfo(url)[0]) as conn, conn.transaction():
        conn.execute("SET LOCAL lock_timeout = '10s'")  # a store a test left open fails loudly, not forever
        for table in reversed(tables):
            conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(target, table)))
        for table in tables:
            conn.execute(
                sql.SQL("INSERT INTO {} OVERRIDING SYSTEM VALUE SELECT * FROM {}").format(
                    sql.Identifier(target, table), sql.Identifier(source, table)
                )
            )
        for name, last_value in sequences:
            qualified = sql.Identifier(target, name).as_string(conn)
            if last_value is None:
                conn.execute("SELECT setval(%s, 1, false)", (qualified,))
            else:
                conn.execute("SELECT setval(%s, %s)", (qualified, last_value))


def sqlite_template(path: Path, load: Callable[[Store], None]) -> Path:
    """An SQLite database at ``path`` filled by ``load`` (which migrates it), for tests to copy (copy_sqlite)."""
    from sochat.store.sqlite import SqliteEngine

    store = Store(SqliteEngine(path))
    try:
        load(store)
    finally:
        store.close()
    return path


@contextmanager
def postgres_template(url: str, prefix: str, load: Callable[[Store], None]) -> Iterator[str]:
    """A PostgreSQL schema filled by ``load`` (which migrates it), for tests to copy (copy_schema_rows); dropped
    afterwards."""
    schema = unique_name(prefix)
    store = open_store(with_query(url, f"schema={schema}"), pool_size=1)
    try:
        load(store)
    finally:
        store.close()
    try:
        yield schema
    finally:
        drop_schema(url, schema)


@contextmanager
def postgres_copy(url: str, template: str, schema: str) -> Iterator[Store]:
    """A store on the migrated ``schema`` with its rows reset to those of ``template`` (and nothing a test before
    left), on a pool of its own."""
    copy_schema_rows(url, template, schema)
    store = open_store(with_query(url, f"schema={schema}"), pool_size=2)
    try:
        assert store.migrate() == []
        yield store
    finally:
        store.close()
