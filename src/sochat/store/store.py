"""The store, written once over either engine (sochat.store.sqlite, sochat.store.postgres), which only know
how to connect, which threads run the jobs, and how their database's failures read.

A use case's storage work is a job, a function of a Unit (sochat.store.repositories): ``await store.write(job,
name)`` runs it in one durable transaction, ``await store.read(job, name)`` on a read connection,
``store.run_admin(job)`` synchronously for the CLI. A use case of several steps is one job, hence one
transaction; each request-path job's time goes to ``observe`` under its name (sochat_database_seconds)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, TypeVar

from sochat.store.records import Row
from sochat.store.repositories import Unit
from sochat.store.repositories.transfer import Transfer

if TYPE_CHECKING:  # the engines import the driver; mypy checks both against what Store asks of them
    from sochat.store.postgres import PostgresEngine
    from sochat.store.sqlite import SqliteEngine

T = TypeVar("T")
Observer = Callable[[str, float], None]


class Store:
    """Async storage for request handling, plus synchronous administration for the CLI."""

    def __init__(self, engine: SqliteEngine | PostgresEngine) -> None:
        self.engine = engine
        self.observe: Observer | None = None  # told each request-path job's duration (sochat_database_seconds)

    async def write(self, job: Callable[[Unit], T], name: str = "") -> T:
        """Run ``job`` in one durable transaction: all its writes are stored, or (it raised) none."""
        started = time.perf_counter()
        try:
            return await self.engine.write(job)
        finally:
            self._timed(name or job.__name__, started)

    async def read(self, job: Callable[[Unit], T], name: str = "", *, point: bool = False) -> T:
        """Run ``job`` on a read connection; ``point``: a read by key, cheap enough to run inline (SQLite)."""
        started = time.perf_counter()
        try:
            return await self.engine.read(job, point)
        finally:
            self._timed(name or job.__name__, started)

    def run_admin(self, job: Callable[[Unit], T], *, write: bool = True) -> T:
        """Run ``job`` now, on the caller's thread (the CLI), in one transaction when it writes."""
        return self.engine.admin(job, write)

    def _timed(self, name: str, started: float) -> None:
        if self.observe is not None:
            self.observe(name, time.perf_counter() - started)

    async def ping(self) -> None:
        """Raise Unavailable if the database cannot be reached or cannot take writes (readiness)."""
        await self.engine.ping()

    def export_records(self, kind: str) -> Iterator[Row]:
        """Every stored record of a kind (see sochat.transfer.records.KINDS), in id order, streamed."""
        statement, params, make = Transfer.export(kind)
        for row in self.engine.stream(statement.text(self.engine.dialect), params):
            yield make(row)

    def migrate(self) -> list[str]:
        """Apply pending migrations; answer the names of those applied."""
        from sochat.store.alembic import upgrade

        return self.engine.migrate(upgrade)

    def integrity_check(self) -> str:
        return self.engine.integrity_check()

    def close(self) -> None:
        self.engine.close()
