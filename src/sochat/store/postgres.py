"""PostgreSQL storage through psycopg 3: a pool of async connections for requests, one plain connection for
administration.

Requests run on an event loop that the store owns, in a thread of its own, where the AsyncConnectionPool lives.
An async pool belongs to the loop that opened it, but a Store is awaited from whatever loop its caller runs
(the server's, each test's ``asyncio.run``) and is closed synchronously, from the server's lifespan handler
inside that server's running loop. Owning the loop lets any caller await the store and lets ``close()`` shut
the pool down cleanly; a request pays one hop between threads, as a request to the SQLite store does.

Each save is one transaction that writes the row and reads it back (``RETURNING``). Ids come from identity
columns, so they are never reused. Dates are .NET ticks in BIGINT columns, exactly as in SQLite. A URL may
name the schema to keep the tables in (``?schema=NAME``, or ``options=-csearch_path=NAME``); ``migrate``
creates it when it is missing. Connection and operational failures become Unavailable (503).
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import re
import select
import threading
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit, urlunsplit

import psycopg
from psycopg import AsyncConnection, sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import TupleRow
from psycopg_pool import AsyncConnectionPool

from sochat.domain import datetimes
from sochat.domain.carriers import ASSOCIATE
from sochat.domain.chat_session import FIELDS, ChatSession
from sochat.domain.enums import USER_TYPE
from sochat.domain.errors import Conflict, IdsExhausted, ImportConflict, Unavailable
from sochat.domain.principal import Role
from sochat.domain.query import ListQuery
from sochat.domain.writes import IdempotencyKey, Precondition
from sochat.security.usernames import is_user_name
from sochat.store import migrations
from sochat.store.connection import DEFAULT_POOL_SIZE, DatabaseUrlError
from sochat.store.protocol import (
    AppRecord,
    ListPage,
    NewAssociate,
    NewToken,
    NewTopic,
    SaveOutcome,
    StoredChatSession,
    TokenRecord,
    UserRecord,
)
from sochat.store.records import AssociateRow, ReferenceRow, Row, TopicRow
from sochat.store.rules import ASSOCIATE_COLUMNS, check_precondition, replaces_credentials, replay_of
from sochat.store.sql_query import POSTGRESQL, compile_list

T = TypeVar("T")
Connection = psycopg.Connection[TupleRow]
AsyncConn = AsyncConnection[TupleRow]

DEFAULT_CONNECT_TIMEOUT = 5  # seconds; libpq's connect_timeout unless the URL sets one
DEFAULT_TIMEOUT = 10.0  # seconds a request waits for a pooled connection before it is refused with 503
# First key of the advisory lock that migrations hold; the second is the schema's name hashed.
_MIGRATION_LOCK = 0x50C4A7

_COLUMNS = [field.attr for field in FIELDS]
_DATA_COLUMNS = _COLUMNS[1:]
_STORED_COLUMNS = f"{', '.join(_COLUMNS)}, row_version, updated_ticks"
_RETURNING = f"RETURNING {_STORED_COLUMNS}"
_SELECT_SESSION = f"SELECT {_STORED_COLUMNS} FROM chat_session WHERE chat_session_id = %s"
_INSERT_SESSION = (
    f"INSERT INTO chat_session ({', '.join(_DATA_COLUMNS)}, updated_ticks) "
    f"VALUES ({', '.join(['%s'] * len(_DATA_COLUMNS))}, %s) {_RETURNING}"
)


@functools.cache
def _update_statement(keep: tuple[str, ...]) -> str:
    """UPDATE of every data column except those kept as stored, answering the row as stored."""
    columns = [column for column in _DATA_COLUMNS if column not in keep]
    return (
        f"UPDATE chat_session SET {', '.join(c + ' = %s' for c in columns)}, "
        f"updated_ticks = %s, row_version = row_version + 1 WHERE chat_session_id = %s {_RETURNING}"
    )


_USER_COLUMNS = "associate_id, user_name, role, password_hash, full_name"
# SQLite's COLLATE NOCASE: lower() under the "C" collation folds ASCII letters only; matches the unique index.
_SAME_USER_NAME = 'lower(user_name COLLATE "C") = lower(%s::text COLLATE "C")'

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


class PostgresStore:
    """Store on a PostgreSQL database (one schema of it)."""

    dialect = "postgresql"

    def __init__(self, url: str, *, pool_size: int = DEFAULT_POOL_SIZE, timeout: float = DEFAULT_TIMEOUT) -> None:
        if pool_size < 1:
            raise ValueError(f"the connection pool needs at least one connection, not {pool_size}")
        self._conninfo, self.schema = postgres_conninfo(url)
        self._pool_size = pool_size
        self._timeout = timeout
        self._state_lock = threading.Lock()
        self._closed = False
        self._admin: Connection | None = None
        self._admin_lock = threading.Lock()
        # Only ever touched on self._loop:
        self._pool: AsyncConnectionPool[AsyncConn] | None = None
        self._pool_opening: asyncio.Task[AsyncConnectionPool[AsyncConn]] | None = None
        self._jobs: set[asyncio.Task[Any]] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="sochat-postgres", daemon=True)
        self._thread.start()

    # -- the request path: jobs on the store's loop ---------------------------------------------------

    async def _run(self, job: Callable[[AsyncConn], Awaitable[T]], failure: str) -> T:
        with self._state_lock:
            if self._closed:
                raise Unavailable("The database connection is closed")
            future = asyncio.run_coroutine_threadsafe(self._on_loop(job, failure), self._loop)
        return await asyncio.wrap_future(future)

    async def _on_loop(self, job: Callable[[AsyncConn], Awaitable[T]], failure: str) -> T:
        task = asyncio.current_task()
        if task is not None:
            self._jobs.add(task)
        try:
            pool = await self._open_pool()
            # A pooled connection the server has ended is skipped (the pool replaces it); after a restart every
            # pooled one is, so one more try than the pool holds reaches a new connection.
            for _ in range(self._pool_size + 1):
                async with pool.connection() as conn:
                    if await _ended_by_server(conn):
                        continue
                    return await job(conn)
            raise psycopg.OperationalError("every connection the pool opened was closed by the server")
        except _CONNECTION_ERRORS as exc:
            raise Unavailable(f"{failure} ({_reason(exc)})") from exc
        finally:
            if task is not None:
                self._jobs.discard(task)

    async def _open_pool(self) -> AsyncConnectionPool[AsyncConn]:
        if self._pool is not None:
            return self._pool
        if self._pool_opening is None or self._pool_opening.done():  # not yet, or it failed
            self._pool_opening = asyncio.ensure_future(self._start_pool())
        return await asyncio.shield(self._pool_opening)

    async def _start_pool(self) -> AsyncConnectionPool[AsyncConn]:
        pool: AsyncConnectionPool[AsyncConn] = AsyncConnectionPool(
            self._conninfo,
            min_size=self._pool_size,
            max_size=self._pool_size,
            kwargs={"autocommit": True},
            timeout=self._timeout,
            name="sochat",
            open=False,
        )
        await pool.open()
        self._pool = pool
        return pool

    async def _shut_down(self) -> None:
        if self._jobs:
            _, late = await asyncio.wait(set(self._jobs), timeout=self._timeout)
            for task in late:
                task.cancel()
        if self._pool_opening is not None:
            await asyncio.wait([self._pool_opening])
        if self._pool is not None:
            await self._pool.close()

    def close(self) -> None:
        with self._state_lock:
            if self._closed:
                return
            self._closed = True
        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._shut_down(), self._loop).result()
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
        self._loop.close()
        with self._admin_lock:
            if self._admin is not None:
                self._admin.close()
                self._admin = None

    # -- chat sessions -----------------------------------------------------------------------------

    async def save_chat_session(
        self,
        session: ChatSession,
        *,
        create_if_missing: bool,
        precondition: Precondition | None = None,
        idempotency: IdempotencyKey | None = None,
        keep: tuple[str, ...] = (),
    ) -> SaveOutcome:
        values = [getattr(session, name) for name in _DATA_COLUMNS]
        update = _update_statement(keep)
        update_values = [value for name, value in zip(_DATA_COLUMNS, values, strict=True) if name not in keep]
        now = datetimes.from_datetime(datetime.now(UTC))

        async def job(conn: AsyncConn) -> SaveOutcome:
            session_id = session.chat_session_id
            async with conn.transaction():
                if idempotency is not None:
                    earlier = await _replay(conn, idempotency, now)
                    if earlier is not None:
                        return SaveOutcome(await _read_session(conn, earlier), replayed=True)
                row = None
                if session_id > 0:
                    if await _check(conn, session_id, precondition):
                        row = await (await conn.execute(update, [*update_values, now, session_id])).fetchone()
                    if row is None and not create_if_missing:
                        return SaveOutcome(None)
                if row is None:
                    try:
                        row = await (await conn.execute(_INSERT_SESSION, [*values, now])).fetchone()
                    except psycopg.errors.SequenceGeneratorLimitExceeded:
                        raise IdsExhausted("ChatSession") from None
                    assert row is not None
                    if idempotency is not None:
                        await conn.execute(
                            "INSERT INTO idempotency_key (owner, key, fingerprint, chat_session_id, expires_ticks)"
                            " VALUES (%s, %s, %s, %s, %s)",
                            (
                                idempotency.owner,
                                idempotency.key,
                                idempotency.fingerprint,
                                row[0],
                                idempotency.expires_ticks,
                            ),
                        )
            return SaveOutcome(_stored(row))

        return await self._run(job, _CANNOT_WRITE)

    async def get_chat_session(self, chat_session_id: int) -> StoredChatSession | None:
        return await self._run(lambda conn: _read_session(conn, chat_session_id), _CANNOT_READ)

    async def list_chat_sessions(self, query: ListQuery) -> ListPage:
        statement, params = compile_list(query, _STORED_COLUMNS, POSTGRESQL)
        width = len(_COLUMNS) + 2

        async def job(conn: AsyncConn) -> ListPage:
            rows = await (await conn.execute(statement, params)).fetchall()
            stored = [_stored(row[:width]) for row in rows]
            full = len(rows) == query.limit and rows
            return ListPage(stored, tuple(rows[-1][width:]) if full else None)

        return await self._run(job, _CANNOT_READ)

    async def count_chat_sessions_by_status(self) -> dict[int, int]:
        async def job(conn: AsyncConn) -> dict[int, int]:
            cursor = await conn.execute("SELECT status, count(*) FROM chat_session GROUP BY status")
            return {int(status): int(count) for status, count in await cursor.fetchall()}

        return await self._run(job, _CANNOT_READ)

    async def delete_chat_session(self, chat_session_id: int, *, precondition: Precondition | None = None) -> bool:
        async def job(conn: AsyncConn) -> bool:
            async with conn.transaction():
                if not await _check(conn, chat_session_id, precondition):
                    return False  # outside the caller's scope: answered as not stored
                cursor = await conn.execute("DELETE FROM chat_session WHERE chat_session_id = %s", (chat_session_id,))
                return cursor.rowcount == 1

        return await self._run(job, _CANNOT_WRITE)

    # -- reference data ----------------------------------------------------------------------------

    async def find_links(self, wanted: Mapping[str, Iterable[int]]) -> dict[tuple[str, int], dict[str, object]]:
        plan = {carrier: sorted(set(ids)) for carrier, ids in wanted.items() if ids}
        if not plan:
            return {}

        async def job(conn: AsyncConn) -> dict[tuple[str, int], dict[str, object]]:
            found: dict[tuple[str, int], dict[str, object]] = {}
            for carrier, ids in plan.items():
                if carrier == "Associate":
                    cursor = await conn.execute(
                        "SELECT associate_id, name, person_id, rank, tooltip, user_type, group_idx, full_name,"
                        " formal_name, deleted, ej_user_id, user_name FROM associate WHERE associate_id = ANY(%s)",
                        (ids,),
                    )
                    for row in await cursor.fetchall():
                        found[(carrier, row[0])] = _associate_properties(row)
                elif carrier == "ChatTopic":
                    cursor = await conn.execute(
                        "SELECT chat_topic_id, name FROM chat_topic WHERE chat_topic_id = ANY(%s)", (ids,)
                    )
                    for row in await cursor.fetchall():
                        found[(carrier, row[0])] = {"ChatTopicId": row[0], "Name": row[1]}
                else:
                    # Parsed here, as the SQLite store parses it, so both answer the same objects.
                    cursor = await conn.execute(
                        "SELECT id, data::text FROM reference_record WHERE carrier = %s AND id = ANY(%s)",
                        (carrier, ids),
                    )
                    for row in await cursor.fetchall():
                        found[(carrier, row[0])] = json.loads(row[1])
            return found

        return await self._run(job, _CANNOT_READ)

    async def find_user(self, user_name: str) -> UserRecord | None:
        if not is_user_name(user_name):
            return None  # a name that cannot be stored is not stored (and PostgreSQL refuses NUL in text)

        async def job(conn: AsyncConn) -> UserRecord | None:
            cursor = await conn.execute(
                f"SELECT {_USER_COLUMNS} FROM associate WHERE {_SAME_USER_NAME} AND NOT deleted", (user_name,)
            )
            row = await cursor.fetchone()
            return None if row is None else _user(row)

        return await self._run(job, _CANNOT_READ)

    async def find_user_by_id(self, associate_id: int) -> UserRecord | None:
        async def job(conn: AsyncConn) -> UserRecord | None:
            cursor = await conn.execute(
                f"SELECT {_USER_COLUMNS} FROM associate WHERE associate_id = %s AND NOT deleted", (associate_id,)
            )
            row = await cursor.fetchone()
            return None if row is None else _user(row)

        return await self._run(job, _CANNOT_READ)

    # -- credentials ----------------------------------------------------------------------------

    async def add_token(self, token: NewToken, now_ticks: int) -> None:
        async def job(conn: AsyncConn) -> None:
            await conn.execute(
                "INSERT INTO auth_token (token_hash, kind, associate_id, xsrf_hash, app_id, created_ticks,"
                " expires_ticks, idle_ticks, used_ticks) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    token.token_hash,
                    token.kind,
                    token.associate_id,
                    token.xsrf_hash,
                    token.app_id,
                    now_ticks,
                    token.expires_ticks,
                    token.idle_ticks,
                    now_ticks,
                ),
            )

        await self._run(job, _CANNOT_WRITE)

    async def find_token(self, token_hash: str, kind: str, now_ticks: int) -> TokenRecord | None:
        async def job(conn: AsyncConn) -> TokenRecord | None:
            cursor = await conn.execute(_LIVE_CREDENTIAL_SQL, (token_hash, kind, now_ticks, now_ticks))
            row = await cursor.fetchone()
            if row is None:
                return None
            return TokenRecord(row[0], _user(row[4:]), row[1], row[2], row[3])

        return await self._run(job, _CANNOT_READ)

    async def touch_token(self, token_hash: str, now_ticks: int) -> None:
        async def job(conn: AsyncConn) -> None:
            await conn.execute("UPDATE auth_token SET used_ticks = %s WHERE token_hash = %s", (now_ticks, token_hash))

        await self._run(job, _CANNOT_WRITE)

    async def revoke_token(self, token_hash: str) -> bool:
        async def job(conn: AsyncConn) -> bool:
            cursor = await conn.execute(
                "UPDATE auth_token SET revoked = TRUE WHERE token_hash = %s AND NOT revoked", (token_hash,)
            )
            return cursor.rowcount == 1

        return await self._run(job, _CANNOT_WRITE)

    async def find_application(self, token_hash: str) -> AppRecord | None:
        async def job(conn: AsyncConn) -> AppRecord | None:
            cursor = await conn.execute(f"SELECT {_APP_COLUMNS} FROM application WHERE token_hash = %s", (token_hash,))
            row = await cursor.fetchone()
            return None if row is None else AppRecord(*row)

        return await self._run(job, _CANNOT_READ)

    async def note_auth_failure(
        self,
        keys: list[str],
        now_ticks: int,
        window_ticks: int,
        lock_after: int,
        lock_ticks: int,
        *,
        count_only: Sequence[str] = (),
    ) -> int:
        limits = {key: _NEVER_LOCKS for key in count_only} | {key: lock_after for key in keys}

        async def job(conn: AsyncConn) -> int:
            highest = 0
            async with conn.transaction():
                await conn.execute(_FORGET_EXPIRED_FAILURES, (now_ticks - window_ticks, now_ticks))
                for key in sorted(limits):  # one order for every caller: concurrent failures cannot deadlock
                    cursor = await conn.execute(
                        _NOTE_FAILURE_SQL,
                        {
                            "key": key,
                            "now": now_ticks,
                            "window": window_ticks,
                            "after": limits[key],
                            "lock": lock_ticks,
                        },
                    )
                    row = await cursor.fetchone()
                    assert row is not None
                    highest = max(highest, int(row[0]))
            return highest

        return await self._run(job, _CANNOT_WRITE)

    async def auth_locked_until(self, keys: list[str]) -> int:
        async def job(conn: AsyncConn) -> int:
            cursor = await conn.execute(
                "SELECT COALESCE(MAX(locked_until), 0) FROM auth_failure WHERE key = ANY(%s)", (keys,)
            )
            row = await cursor.fetchone()
            return 0 if row is None else int(row[0])

        return await self._run(job, _CANNOT_READ)

    async def auth_failures(self, keys: list[str], now_ticks: int, window_ticks: int) -> int:
        async def job(conn: AsyncConn) -> int:
            cursor = await conn.execute(
                "SELECT COALESCE(MAX(failures), 0) FROM auth_failure WHERE key = ANY(%s) AND window_ticks >= %s",
                (keys, now_ticks - window_ticks),
            )
            row = await cursor.fetchone()
            return 0 if row is None else int(row[0])

        return await self._run(job, _CANNOT_READ)

    async def clear_auth_failures(self, keys: list[str], now_ticks: int) -> None:
        async def job(conn: AsyncConn) -> None:
            await conn.execute("DELETE FROM auth_failure WHERE key = ANY(%s) AND locked_until <= %s", (keys, now_ticks))

        await self._run(job, _CANNOT_WRITE)

    async def ping(self) -> None:
        """Readiness: the server answers and takes writes (a hot standby, or default_transaction_read_only, makes
        every transaction read-only: Unavailable saying so)."""

        async def job(conn: AsyncConn) -> None:
            row = await (await conn.execute("SELECT current_setting('transaction_read_only')")).fetchone()
            if row is not None and row[0] == "on":
                raise Unavailable(
                    "The database cannot take writes: its transactions are read-only (transaction_read_only is on)"
                )

        await self._run(job, "The database cannot be reached")

    # -- administration: one plain connection ------------------------------------------------------

    def _admin_run(self, job: Callable[[Connection], T]) -> T:
        """Run ``job`` in one transaction on the administration connection, opened on first use."""
        with self._admin_lock:
            if self._closed:
                raise Unavailable("The database connection is closed")
            try:
                conn = self._admin_connection()
                with conn.transaction():
                    return job(conn)
            except psycopg.errors.SequenceGeneratorLimitExceeded as exc:
                raise IdsExhausted(_kind_of_sequence(exc)) from None
            except _CONNECTION_ERRORS as exc:
                if self._admin is not None:
                    self._admin.close()  # a broken connection; the next call opens a new one
                    self._admin = None
                raise Unavailable(f"The database cannot be used right now ({_reason(exc)})") from exc

    def _admin_connection(self) -> Connection:
        conn = self._admin
        if conn is not None and not conn.closed:
            try:
                conn.execute("")  # one the server dropped since its last use is replaced instead of failing
                return conn
            except _CONNECTION_ERRORS:
                conn.close()
        self._admin = psycopg.connect(self._conninfo, autocommit=True)
        return self._admin

    def migrate(self) -> list[str]:
        return self._admin_run(lambda conn: _migrate(conn, self.schema))

    def add_associate(self, associate: NewAssociate) -> int:
        def job(conn: Connection) -> int:
            row = conn.execute(
                "INSERT INTO associate (name, user_name, full_name, formal_name, user_type, tooltip, role,"
                " password_hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING associate_id",
                (
                    associate.name or associate.user_name,
                    associate.user_name,
                    associate.full_name,
                    associate.formal_name,
                    associate.user_type,
                    associate.tooltip,
                    associate.role.value,
                    associate.password_hash,
                ),
            ).fetchone()
            assert row is not None
            return int(row[0])

        try:
            return self._admin_run(job)
        except psycopg.IntegrityError:
            raise Conflict(f"a user named {associate.user_name!r} exists already") from None

    def set_password(self, user_name: str, password_hash: str) -> bool:
        if not is_user_name(user_name):
            return False  # no such user can be stored

        def job(conn: Connection) -> bool:
            row = conn.execute(
                f"UPDATE associate SET password_hash = %s WHERE {_SAME_USER_NAME} RETURNING associate_id",
                (password_hash, user_name),
            ).fetchone()
            if row is None:
                return False
            conn.execute(_REVOKE_CREDENTIALS, (row[0],))  # a new password ends every sign-in made with the old
            return True

        return self._admin_run(job)

    def delete_user(self, user_name: str) -> bool:
        if not is_user_name(user_name):
            return False  # no such user can be stored

        def job(conn: Connection) -> bool:
            row = conn.execute(
                "UPDATE associate SET deleted = TRUE, password_hash = NULL"
                f" WHERE {_SAME_USER_NAME} AND NOT deleted RETURNING associate_id",
                (user_name,),
            ).fetchone()
            if row is None:
                return False
            conn.execute(_REVOKE_CREDENTIALS, (row[0],))
            return True

        return self._admin_run(job)

    def list_users(self) -> list[UserRecord]:
        def job(conn: Connection) -> list[UserRecord]:
            rows = conn.execute(f"SELECT {_USER_COLUMNS}, deleted FROM associate ORDER BY associate_id").fetchall()
            return [dataclasses.replace(_user(row), deleted=bool(row[5])) for row in rows]

        return self._admin_run(job)

    def add_topic(self, topic: NewTopic) -> int:
        def job(conn: Connection) -> int:
            row = conn.execute(
                "INSERT INTO chat_topic (name, description, welcome_message) VALUES (%s, %s, %s)"
                " RETURNING chat_topic_id",
                (topic.name, topic.description, topic.welcome_message),
            ).fetchone()
            assert row is not None
            return int(row[0])

        return self._admin_run(job)

    def add_application(self, name: str, token_hash: str, owner_id: int | None) -> int:
        def job(conn: Connection) -> int:
            row = conn.execute(
                "INSERT INTO application (name, token_hash, owner_id, created_ticks) VALUES (%s, %s, %s, %s)"
                " RETURNING app_id",
                (name, token_hash, owner_id, datetimes.from_datetime(datetime.now(UTC))),
            ).fetchone()
            assert row is not None
            return int(row[0])

        try:
            return self._admin_run(job)
        except psycopg.IntegrityError:
            raise Conflict(f"an application named {name!r} exists already") from None

    def list_applications(self) -> list[AppRecord]:
        def job(conn: Connection) -> list[AppRecord]:
            rows = conn.execute(f"SELECT {_APP_COLUMNS} FROM application ORDER BY app_id").fetchall()
            return [AppRecord(*row) for row in rows]

        return self._admin_run(job)

    def remove_application(self, name: str) -> bool:
        def job(conn: Connection) -> bool:
            row = conn.execute(
                'DELETE FROM application WHERE lower(name COLLATE "C") = lower(%s::text COLLATE "C") RETURNING app_id',
                (name,),
            ).fetchone()
            if row is None:
                return False
            conn.execute("UPDATE auth_token SET revoked = TRUE WHERE app_id = %s AND NOT revoked", (row[0],))
            return True

        return self._admin_run(job)

    def remove_auth_failures(self, keys: list[str]) -> int:
        return self._admin_run(
            lambda conn: conn.execute("DELETE FROM auth_failure WHERE key = ANY(%s)", (keys,)).rowcount
        )

    # -- bulk transfer ----------------------------------------------------------------------------

    def import_records(self, rows: Iterable[Row]) -> dict[str, int]:
        now = datetimes.from_datetime(datetime.now(UTC))

        def job(conn: Connection) -> dict[str, int]:
            counts: dict[str, int] = {}
            highest: dict[tuple[str, str], int] = {}  # the largest explicit id per (table, id column)
            for row in rows:
                kind, id_column, given = _import_one(conn, row, now)
                counts[kind] = counts.get(kind, 0) + 1
                if given > highest.get(id_column, 0):
                    highest[id_column] = given
            for (table, column), given in highest.items():
                _skip_past(conn, table, column, given)
            return counts

        try:
            return self._admin_run(job)
        except psycopg.IntegrityError as exc:
            raise ImportConflict(f"the import breaks a uniqueness rule ({_reason(exc)}); nothing was loaded") from None

    def export_records(self, kind: str) -> Iterator[Row]:
        """Streamed through a server-side cursor on a connection of its own, in one snapshot."""
        try:
            with psycopg.connect(self._conninfo) as conn, conn.cursor(name="sochat_export") as cursor:
                yield from _export(cursor, kind)
        except _CONNECTION_ERRORS as exc:
            raise Unavailable(f"{_CANNOT_READ} ({_reason(exc)})") from exc

    def is_empty(self) -> bool:
        def job(conn: Connection) -> bool:
            row = conn.execute(
                "SELECT EXISTS (SELECT 1 FROM associate) OR EXISTS (SELECT 1 FROM chat_topic)"
                " OR EXISTS (SELECT 1 FROM chat_session)"
            ).fetchone()
            return row is not None and not row[0]

        return self._admin_run(job)

    def integrity_check(self) -> str:
        """Answer "ok" when every table can be read and no migration is pending; otherwise what is wrong.

        The server itself keeps the files consistent (WAL, checksums); this checks what sochat adds."""

        def job(conn: Connection) -> str:
            for table in ("associate", "chat_topic", "reference_record", "chat_session"):
                conn.execute(sql.SQL("SELECT 1 FROM {} LIMIT 1").format(sql.Identifier(table)))
            applied = {row[0] for row in conn.execute("SELECT version FROM schema_migration")}
            pending = [f"{m.version:04d}_{m.name}" for m in migrations.load("postgresql") if m.version not in applied]
            return "ok" if not pending else f"migrations not applied: {', '.join(pending)}"

        try:
            return self._admin_run(job)
        except (psycopg.Error, Unavailable) as exc:
            return f"the schema cannot be read: {_reason(exc)}"


_CANNOT_READ = "The database cannot be read right now"
_CANNOT_WRITE = "The database cannot take writes right now"
_APP_COLUMNS = "app_id, name, owner_id, revoked"
_LIVE_CREDENTIAL_SQL = (
    f"SELECT t.kind, t.xsrf_hash, t.app_id, t.used_ticks, {_USER_COLUMNS.replace('associate_id', 'a.associate_id')}"
    " FROM auth_token t JOIN associate a ON a.associate_id = t.associate_id"
    " WHERE t.token_hash = %s AND t.kind = %s AND NOT t.revoked AND NOT a.deleted AND t.expires_ticks > %s"
    " AND (t.idle_ticks = 0 OR t.used_ticks + t.idle_ticks > %s)"
)
_NEVER_LOCKS = 2**31 - 1  # the lock limit of counters that only count
_FORGET_EXPIRED_FAILURES = "DELETE FROM auth_failure WHERE window_ticks < %s AND locked_until <= %s"
_REVOKE_CREDENTIALS = "UPDATE auth_token SET revoked = TRUE WHERE associate_id = %s AND NOT revoked"
# One statement, so that concurrent failures for one key are each counted (the row is locked while updated).
# A window that ended starts again at 1; reaching ``after`` failures locks the key, and a lock is never shortened.
_NOTE_FAILURE_SQL = """
INSERT INTO auth_failure AS f (key, failures, window_ticks, locked_until)
VALUES (%(key)s, 1, %(now)s, CASE WHEN 1 >= %(after)s THEN %(now)s + %(lock)s ELSE 0 END)
ON CONFLICT (key) DO UPDATE SET
    failures = CASE WHEN f.window_ticks + %(window)s < %(now)s THEN 1 ELSE f.failures + 1 END,
    window_ticks = CASE WHEN f.window_ticks + %(window)s < %(now)s THEN %(now)s ELSE f.window_ticks END,
    locked_until = GREATEST(
        f.locked_until,
        CASE WHEN (CASE WHEN f.window_ticks + %(window)s < %(now)s THEN 1 ELSE f.failures + 1 END) >= %(after)s
            THEN %(now)s + %(lock)s ELSE 0 END
    )
RETURNING failures
"""


# -- row mapping ---------------------------------------------------------------------------------------


def _stored(row: TupleRow) -> StoredChatSession:
    session = ChatSession(**dict(zip(_COLUMNS, row[: len(_COLUMNS)], strict=True)))
    return StoredChatSession(session, version=row[-2], updated_ticks=row[-1])


async def _read_session(conn: AsyncConn, session_id: int) -> StoredChatSession | None:
    row = await (await conn.execute(_SELECT_SESSION, (session_id,))).fetchone()
    return None if row is None else _stored(row)


async def _check(conn: AsyncConn, session_id: int, precondition: Precondition | None) -> bool:
    """Apply the precondition to the stored row; locks the row until the transaction ends, so that nothing
    can change it (nor reassign it) between the check and the write. False: the row is outside the caller's
    scope, and the write treats it as not stored."""
    if precondition is None:
        return True
    cursor = await conn.execute(
        "SELECT row_version, updated_ticks, user_id FROM chat_session WHERE chat_session_id = %s FOR UPDATE",
        (session_id,),
    )
    row = await cursor.fetchone()
    return check_precondition(session_id, None if row is None else (row[0], row[1], row[2]), precondition)


async def _replay(conn: AsyncConn, key: IdempotencyKey, now: int) -> int | None:
    """The session an unexpired earlier request with this key created, if any.

    Holds a lock on the key until the transaction ends, so that two requests with the same key run one
    after the other: the second finds what the first created."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"idempotency:{key.owner}:{key.key}",))
    cursor = await conn.execute(
        "SELECT fingerprint, chat_session_id, expires_ticks FROM idempotency_key WHERE owner = %s AND key = %s",
        (key.owner, key.key),
    )
    row = await cursor.fetchone()
    earlier, expired = replay_of(None if row is None else (row[0], row[1], row[2]), key, now)
    if expired:
        await conn.execute("DELETE FROM idempotency_key WHERE owner = %s AND key = %s", (key.owner, key.key))
    return earlier


# -- bulk transfer ---------------------------------------------------------------------------------------

_UPSERT_SESSION = (
    f"INSERT INTO chat_session (chat_session_id, {', '.join(_DATA_COLUMNS)}, updated_ticks) OVERRIDING SYSTEM VALUE"
    f" VALUES (%s, {', '.join(['%s'] * len(_DATA_COLUMNS))}, %s) ON CONFLICT (chat_session_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _DATA_COLUMNS)
    + ", updated_ticks = excluded.updated_ticks, row_version = chat_session.row_version + 1"
)
_INSERT_ASSOCIATE = (
    f"INSERT INTO associate ({', '.join(ASSOCIATE_COLUMNS)}, password_hash)"
    f" VALUES ({', '.join(['%s'] * len(ASSOCIATE_COLUMNS))}, %s)"
)
_UPSERT_ASSOCIATE = (
    f"INSERT INTO associate (associate_id, {', '.join(ASSOCIATE_COLUMNS)}, password_hash) OVERRIDING SYSTEM VALUE"
    f" VALUES (%s, {', '.join(['%s'] * len(ASSOCIATE_COLUMNS))}, %s) ON CONFLICT (associate_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in ASSOCIATE_COLUMNS)
    + ", password_hash = COALESCE(excluded.password_hash, associate.password_hash)"
)
_TOPIC_VALUES = "name, description, welcome_message"
_UPSERT_TOPIC = (
    f"INSERT INTO chat_topic (chat_topic_id, {_TOPIC_VALUES}) OVERRIDING SYSTEM VALUE VALUES (%s, %s, %s, %s)"
    " ON CONFLICT (chat_topic_id) DO UPDATE SET name = excluded.name, description = excluded.description,"
    " welcome_message = excluded.welcome_message"
)


def _import_one(conn: Connection, row: Row, now: int) -> tuple[str, tuple[str, str], int]:
    """Upsert one row by id (a fresh id for id 0); answer its kind, its table and id column, and the id it gave."""
    if isinstance(row, ChatSession):
        values = [getattr(row, name) for name in _DATA_COLUMNS]
        if row.chat_session_id > 0:
            conn.execute(_UPSERT_SESSION, [row.chat_session_id, *values, now])
        else:
            conn.execute(_INSERT_SESSION, [*values, now])
        return "ChatSession", ("chat_session", "chat_session_id"), row.chat_session_id
    if isinstance(row, AssociateRow):
        _end_replaced_credentials(conn, row)
        values = [
            row.name or row.user_name,
            row.user_name,
            row.full_name,
            row.formal_name,
            row.person_id,
            row.rank,
            row.tooltip,
            row.user_type,
            row.group_idx,
            row.deleted,
            row.ej_user_id,
            row.role.value,
            row.password_hash,
        ]
        if row.associate_id > 0:
            conn.execute(_UPSERT_ASSOCIATE, [row.associate_id, *values])
        else:
            conn.execute(_INSERT_ASSOCIATE, values)
        return "Associate", ("associate", "associate_id"), row.associate_id
    if isinstance(row, TopicRow):
        if row.chat_topic_id > 0:
            conn.execute(_UPSERT_TOPIC, (row.chat_topic_id, row.name, row.description, row.welcome_message))
        else:
            conn.execute(
                f"INSERT INTO chat_topic ({_TOPIC_VALUES}) VALUES (%s, %s, %s)",
                (row.name, row.description, row.welcome_message),
            )
        return "ChatTopic", ("chat_topic", "chat_topic_id"), row.chat_topic_id
    conn.execute(
        "INSERT INTO reference_record (carrier, id, data) VALUES (%s, %s, %s::json)"
        " ON CONFLICT (carrier, id) DO UPDATE SET data = excluded.data",
        (row.carrier, row.id, json.dumps(row.data, ensure_ascii=False)),
    )
    return row.carrier, ("reference_record", ""), 0


def _end_replaced_credentials(conn: Connection, row: AssociateRow) -> None:
    """Revoke the credentials of a stored user whose password an import changes or who it retires."""
    if row.associate_id <= 0:
        return
    stored = conn.execute("SELECT password_hash, deleted FROM associate WHERE associate_id = %s", (row.associate_id,))
    if replaces_credentials(stored.fetchone(), row.password_hash, row.deleted):
        conn.execute(_REVOKE_CREDENTIALS, (row.associate_id,))


def _skip_past(conn: Connection, table: str, column: str, given: int) -> None:
    """Move the id sequence of ``table`` past an explicitly imported id, never back: ids that were handed out,
    or given, are never handed out again (as SQLite's AUTOINCREMENT does on its own).

    The last id handed out is read, not drawn with nextval: a sequence at int32's end has no next value, and
    importing into such a table must still work (GREATEST skips the NULL of a sequence never used)."""
    conn.execute(
        "SELECT setval(seq, GREATEST(%s, pg_sequence_last_value(seq::regclass)))"
        " FROM (SELECT pg_get_serial_sequence(%s, %s) AS seq) AS s",
        (given, table, column),
    )


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


def _export(cursor: psycopg.ServerCursor[TupleRow], kind: str) -> Iterator[Row]:
    if kind == "ChatSession":
        cursor.execute(f"SELECT {_STORED_COLUMNS} FROM chat_session ORDER BY chat_session_id")
        for row in cursor:
            yield _stored(row).session
    elif kind == "Associate":
        cursor.execute(
            f"SELECT associate_id, {', '.join(ASSOCIATE_COLUMNS)}, password_hash FROM associate ORDER BY associate_id"
        )
        for r in cursor:
            yield AssociateRow(
                r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], Role(r[12]), r[13]
            )
    elif kind == "ChatTopic":
        cursor.execute(f"SELECT chat_topic_id, {_TOPIC_VALUES} FROM chat_topic ORDER BY chat_topic_id")
        for r in cursor:
            yield TopicRow(r[0], r[1], r[2], r[3])
    else:
        cursor.execute("SELECT id, data::text FROM reference_record WHERE carrier = %s ORDER BY id", (kind,))
        for r in cursor:
            yield ReferenceRow(kind, r[0], json.loads(r[1]))


def _user(row: TupleRow) -> UserRecord:
    return UserRecord(row[0], row[1], Role(row[2]), row[3], row[4])


def _associate_properties(row: TupleRow) -> dict[str, object]:
    names = [name for name, _ in ASSOCIATE.properties][:12]
    values = list(row)
    values[5] = USER_TYPE.format(values[5])
    values[9] = bool(values[9])
    return dict(zip(names, values, strict=True))


async def _ended_by_server(conn: AsyncConn) -> bool:
    """Whether the server has ended an idle pooled connection (a restart, a terminated backend); if so, close
    it, and the pool discards it and opens a new one.

    An idle connection has nothing to read: the server's goodbye or the socket's end makes it readable. A
    poll costs no round trip, unlike the pool's check_connection, which sends a query per checkout and makes
    the next checkout wait a second of back-off after a failed check."""
    if not conn.closed and not _readable(conn.fileno()):
        return False
    await conn.close()
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


# -- migrations ----------------------------------------------------------------------------------------


def _migrate(conn: Connection, schema: str | None) -> list[str]:
    """Apply pending migrations in the current transaction, under an advisory lock per schema, so that
    several processes starting at once apply each migration once; the others wait, then find it done."""
    conn.execute(
        "SELECT pg_advisory_xact_lock(%s, hashtext(coalesce(%s::text, current_schema(), '')))",
        (_MIGRATION_LOCK, schema),
    )
    if schema is not None:
        exists = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()
        if exists is None:  # asked first: CREATE SCHEMA IF NOT EXISTS needs the CREATE right even when it exists
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    table = conn.execute("SELECT to_regclass('schema_migration')").fetchone()
    if table is None or table[0] is None:
        conn.execute(
            "CREATE TABLE schema_migration (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_ticks BIGINT NOT NULL)"
        )
    done = {row[0] for row in conn.execute("SELECT version FROM schema_migration")}
    applied: list[str] = []
    for migration in migrations.load("postgresql"):
        if migration.version in done:
            continue
        conn.execute(migration.sql)  # several statements: allowed because nothing is bound
        conn.execute(
            "INSERT INTO schema_migration (version, name, applied_ticks) VALUES (%s, %s, %s)",
            (migration.version, migration.name, datetimes.from_datetime(datetime.now(UTC))),
        )
        applied.append(f"{migration.version:04d}_{migration.name}")
    return applied
