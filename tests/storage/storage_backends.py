"""The databases the storage tests run on, and how to reach them (used by conftest.py and the tests)."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sochat.store.protocol import Store
from sochat.store.url import open_store

POSTGRES_URL = os.environ.get("SOCHAT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("SOCHAT_REQUIRE_POSTGRES") == "1"
BACKENDS = ("sqlite", "postgresql")

Rows = list[tuple[Any, ...]]


def postgres_missing(reason: str) -> None:
    """Skip a PostgreSQL test for ``reason``, or fail it when SOCHAT_REQUIRE_POSTGRES=1."""
    if REQUIRE_POSTGRES:
        pytest.fail(f"{reason} (SOCHAT_REQUIRE_POSTGRES=1, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


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

    def open(self) -> Store:
        """A new store on this database, not migrated."""
        return open_store(self.url)

    def sql(self, statement: str, *params: object) -> Rows:
        """Run one statement with ``?`` placeholders in its own transaction; answer the rows it returns."""
        return self._execute(statement, params)


def sqlite_backend(path: Path) -> Backend:
    """The SQLite file at ``path`` (created by the first store that opens it)."""

    def execute(statement: str, params: Sequence[object]) -> Rows:
        with closing(sqlite3.connect(path, timeout=10)) as conn, conn:
            return conn.execute(statement, params).fetchall()

    return Backend("sqlite", f"sqlite:///{path}", sqlite3.IntegrityError, execute)


@contextmanager
def postgres_backend(url: str) -> Iterator[Backend]:
    """A fresh schema on the PostgreSQL server at ``url``, named by ``?schema=`` and dropped afterwards.

    The schema itself is created by the first migrate, as it would be for a real deployment."""
    import psycopg
    from psycopg import sql

    from sochat.store.postgres import postgres_conninfo

    schema = unique_name("sochat_test")
    schema_url = with_query(url, f"schema={schema}")
    conninfo, _ = postgres_conninfo(schema_url)

    def execute(statement: str, params: Sequence[object]) -> Rows:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            cursor = conn.execute(statement.replace("?", "%s"), params)
            return cursor.fetchall() if cursor.description else []

    try:
        yield Backend("postgresql", schema_url, psycopg.IntegrityError, execute)
    finally:
        with psycopg.connect(postgres_conninfo(url)[0], autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
