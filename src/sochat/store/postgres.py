"""PostgreSQL through psycopg 3: a pool of connections (psycopg_pool.ConnectionPool) with the jobs run on a
thread pool of the same size, so that a job never waits for a thread while a connection is free.

Ids come from identity columns, so they are never reused. Dates are .NET ticks in BIGINT columns, exactly as
in SQLite. A URL may name the schema to keep the tables in (``?schema=NAME``, or
``options=-csearch_path=NAME``); ``migrate`` creates it when it is missing. Connection and operational
failures become Unavailable (503).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import re
import select
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar
from urllib.parse import unquote, urlsplit, urlunsplit

import psycopg
import sqlalchemy
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import TupleRow
from psycopg_pool import ConnectionPool

from sochat.domain.errors import IdsExhausted, Unavailable
from sochat.store import migrations
from sochat.store.repositories import Unit
from sochat.store.sql import Row
from sochat.store.url import DEFAULT_POOL_SIZE, DatabaseUrlError

T = TypeVar("T")
Connection = psycopg.Connection[TupleRow]

DEFAULT_CONNECT_TIMEOUT = 5  # seconds; libpq's connect_timeout unless the URL sets one
DEFAULT_TIMEOUT = 10.0  # seconds a request waits for a pooled connection before it is refused with 503
# First key of the advisory lock that migrations hold; the second is the schema's name hashed.
_MIGRATION_LOCK = 0x50C4A7
_CANNOT_READ = "The database cannot be read right now"
_CANNOT_WRITE = "The database cannot take writes right now"
_SCHEMA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_SEARCH_PATH_OPTION = re.compile(r"-c\s*search_path\s*=\s*([A-Za-z_][A-Za-z0-9_]{0,62})(?![^\s,])")
_CONNECTION_ERRORS = (psycopg.OperationalError, psycopg.InterfaceError)


def postgres_conninfo(url: str) -> tuple[str, str | None]:
    """The libpq connection string for a ``postgresql://`` URL, and the schema that holds sochat's tables.

    ``?schema=NAME`` is sochat's own parameter: it becomes ``options=-csearch_path=NAME``. A search_path
    given in ``options`` names the schema too. The name is folded to lower case, as PostgreSQL folds an
    unquoted name; None means the server's default (usually ``public``).
    """
    parts = urlsplit(url)
    kept: list[str] = []
    schemas: list[str] = []
    for item in parts.query.split("&") if parts.query else []:
        key, _, value = item.partition("=")
        if unquote(key) == "schema":
            schemas.append(unquote(value))
        else:
            kept.append(item)  # verbatim: libpq decodes it, and "+" is no space there
    if len(schemas) > 1:
        raise DatabaseUrlError("the PostgreSQL URL names more than one schema")
    schema: str | None = None
    if schemas:
        if not _SCHEMA_NAME.fullmatch(schemas[0]):
            raise DatabaseUrlError(
                f"schema={schemas[0]!r}: a schema name is a letter or '_' and then up to 62 letters, digits or '_'"
            )
        schema = schemas[0].lower()
    try:
        params = conninfo_to_dict(urlunsplit(parts._replace(query="&".join(kept))))
    except psycopg.ProgrammingError as exc:
        raise DatabaseUrlError(f"this is not a PostgreSQL URL libpq can read: {exc}") from None
    options = str(params.get("options") or "")
    if schema is not None:
        params["options"] = f"{options} -csearch_path={schema}".strip()
    else:
        match = _SEARCH_PATH_OPTION.search(options)
        schema = match[1].lower() if match else None
    params.setdefault("connect_timeout", DEFAULT_CONNECT_TIMEOUT)
    params.setdefault("application_name", "sochat")
    return make_conninfo("", **params), schema


class PostgresEngine:
    dialect = "postgresql"

    def __init__(self, url: str, *, pool_size: int = DEFAULT_POOL_SIZE, timeout: float = DEFAULT_TIMEOUT) -> None:
        if pool_size < 1:
            raise ValueError(f"the connection pool needs at least one connection, not {pool_size}")
        self.conninfo, self.schema = postgres_conninfo(url)
        self._pool_size = pool_size
        self._timeout = timeout
        self._lock = threading.Lock()
        self._closed = False
        self._pool: ConnectionPool[Connection] | None = None
        self._admin: Connection | None = None  # administration (run_admin): one plain connection, kept open
        self._admin_lock = threading.Lock()
        self._threads = concurrent.futures.ThreadPoolExecutor(pool_size, thread_name_prefix="sochat-postgres")

    def _opened(self) -> ConnectionPool[Connection]:
        with self._lock:
            if self._closed:
                raise Unavailable("The database connection is closed")
            if self._pool is None:  # opened on first use: open_store does not connect
                self._pool = ConnectionPool(
                    self.conninfo,
                    min_size=self._pool_size,
                    max_size=self._pool_size,
                    kwargs={"autocommit": True},
                    timeout=self._timeout,
                    name="sochat",
                    open=False,
                )
                self._pool.open(wait=False)
            return self._pool

    @contextmanager
    def _pooled(self, deadline: float) -> Iterator[Connection]:
        """A pooled connection, waited for until ``deadline`` (time.monotonic), counted from when the job was
        handed in: a job that waited for a thread waits that much less for a connection."""
        with self._opened().connection(timeout=max(deadline - time.monotonic(), 0.001)) as conn:
            yield conn

    @contextmanager
    def _administration(self, deadline: float) -> Iterator[Connection]:
        with self._admin_lock:
            if self._closed:
                raise Unavailable("The database connection is closed")
            if self._admin is None or self._admin.closed:
                self._admin = psycopg.connect(self.conninfo, autocommit=True)
            yield self._admin

    def _run(self, job: Callable[[Unit], T], write: bool, failure: str, deadline: float, admin: bool = False) -> T:
        connection = self._administration if admin else self._pooled
        try:
            # A pooled connection the server has ended is skipped (the pool replaces it); after a restart every
            # pooled one is, so one more try than the pool holds reaches a new connection.
            for _ in range(self._pool_size + 1):
                with connection(deadline) as conn:
                    if _ended_by_server(conn):
                        continue
                    unit = Unit(conn, "postgresql", psycopg.IntegrityError)
                    if not write:
                        return job(unit)
                    with conn.transaction():
                        return job(unit)
            raise psycopg.OperationalError("every connection the pool opened was closed by the server")
        except psycopg.errors.SequenceGeneratorLimitExceeded as exc:
            raise IdsExhausted(_kind_of_sequence(exc)) from None
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            raise Unavailable(f"{failure} ({_reason(exc)})") from exc

    async def read(self, job: Callable[[Unit], T], point: bool) -> T:
        return await self._hop(job, False, _CANNOT_READ)

    async def write(self, job: Callable[[Unit], T]) -> T:
        return await self._hop(job, True, _CANNOT_WRITE)

    async def _hop(self, job: Callable[[Unit], T], write: bool, failure: str) -> T:
        if self._closed:
            raise Unavailable("The database connection is closed")
        deadline = time.monotonic() + self._timeout
        return await asyncio.get_running_loop().run_in_executor(self._threads, self._run, job, write, failure, deadline)

    def admin(self, job: Callable[[Unit], T], write: bool) -> T:
        return self._run(job, write, "The database cannot be used right now", time.monotonic(), admin=True)

    def stream(self, text: str, params: dict[str, object]) -> Iterator[Row]:
        """Through a server-side cursor on a connection of its own, in one snapshot."""
        try:
            with psycopg.connect(self.conninfo) as conn, conn.cursor(name="sochat_export") as cursor:
                cursor.execute(text, params)
                yield from cursor
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            raise Unavailable(f"{_CANNOT_READ} ({_reason(exc)})") from exc

    def migrate(self, upgrade: Callable[[sqlalchemy.Connection], T]) -> T:
        """Run ``upgrade`` on the administration connection in one transaction that holds an advisory lock per
        schema, so that several processes starting at once migrate once; the others wait, then find it done.
        Creates the schema when it is missing."""

        def job(unit: Unit) -> T:
            unit.raw(
                "SELECT pg_advisory_xact_lock(%(lock)s, hashtext(coalesce(%(schema)s::text, current_schema(), '')))",
                {"lock": _MIGRATION_LOCK, "schema": self.schema},
            )
            exists = unit.raw("SELECT 1 FROM pg_namespace WHERE nspname = %(schema)s", {"schema": self.schema})
            if self.schema is not None and exists.fetchone() is None:
                # asked first: CREATE SCHEMA IF NOT EXISTS needs the CREATE right even when the schema exists
                unit.raw(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(self.schema)).as_string(), {})
            return unit.lend(
                "postgresql+psycopg://", upgrade, use_native_hstore=False
            )  # its hstore probe wants a real psycopg connection

        try:
            return self.admin(job, write=True)
        except sqlalchemy.exc.DBAPIError as exc:
            if isinstance(exc.orig, psycopg.OperationalError | psycopg.InterfaceError):
                raise Unavailable(f"The database cannot be used right now ({_reason(exc.orig)})") from exc
            raise

    async def ping(self) -> None:
        """Readiness: the server answers and takes writes (a hot standby, or default_transaction_read_only, makes
        every transaction read-only: Unavailable saying so)."""
        row = await self._hop(
            lambda unit: unit.raw("SHOW transaction_read_only", {}).fetchone(), False, "The database cannot be reached"
        )
        if row is not None and row[0] == "on":
            raise Unavailable(
                "The database cannot take writes: its transactions are read-only (transaction_read_only is on)"
            )

    def integrity_check(self) -> str:
        """Answer "ok" when every table can be read and no migration is pending; otherwise what is wrong.

        The server itself keeps the files consistent (WAL, checksums); this checks what sochat adds."""

        def job(unit: Unit) -> str:
            for table in ("associate", "chat_topic", "reference_record", "chat_session"):
                unit.raw(f"SELECT 1 FROM {table} LIMIT 1", {})
            applied = {row[0] for row in unit.raw("SELECT version FROM schema_migration", {}).fetchall()}
            pending = [f"{m.version:04d}_{m.name}" for m in migrations.load("postgresql") if m.version not in applied]
            return "ok" if not pending else f"migrations not applied: {', '.join(pending)}"

        try:
            return self.admin(job, write=False)
        except (psycopg.Error, Unavailable) as exc:
            return f"the schema cannot be read: {_reason(exc)}"

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._threads.shutdown(wait=True)
        if self._pool is not None:
            self._pool.close()
        with self._admin_lock:
            if self._admin is not None:
                self._admin.close()


# The tables whose ids come from identity sequences, by the start of their sequence's name.
_SEQUENCE_KINDS = (
    ("chat_session_", "ChatSession"),
    ("associate_", "Associate"),
    ("chat_topic_", "ChatTopic"),
    ("application_", "application"),
)


def _kind_of_sequence(exc: psycopg.Error) -> str:
    """What ran out of ids, from PostgreSQL's 'reached maximum value of sequence "..."' error."""
    message = exc.diag.message_primary or ""
    sequence = message.split('"')[1] if message.count('"') >= 2 else ""
    return next((kind for prefix, kind in _SEQUENCE_KINDS if sequence.startswith(prefix)), "record")


def _ended_by_server(conn: Connection) -> bool:
    """Whether the server has ended an idle pooled connection (a restart, a terminated backend); if so, close
    it, and the pool discards it and opens a new one.

    An idle connection has nothing to read: the server's goodbye or the socket's end makes it readable. A
    poll costs no round trip, unlike the pool's check_connection, which sends a query per checkout and makes
    the next checkout wait a second of back-off after a failed check."""
    if not conn.closed and not _readable(conn.fileno()):
        return False
    conn.close()
    return True


def _readable(fd: int) -> bool:
    """Whether a socket has something to read, without waiting (poll where there is one: select stops at
    descriptor 1023)."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(0))
    return bool(select.select([fd], [], [], 0)[0])


def _reason(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
