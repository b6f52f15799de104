"""SQLite storage: WAL, synchronous=FULL, one writer thread that commits several requests at once.

Every write goes through a single thread that owns the only writing connection. When several
requests are waiting, it runs each in its own savepoint inside one transaction and commits once
(group commit), then answers each request. A request is answered only after the COMMIT that
holds its write returned, so with synchronous=FULL a 200 means the write is on disk.

Reads run on a small pool of threads, each with its own connection; WAL lets them read while
the writer writes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import json
import logging
import queue
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sochat.domain import datetimes
from sochat.domain.carriers import ASSOCIATE
from sochat.domain.chat_session import FIELDS, ChatSession
from sochat.domain.enums import USER_TYPE
from sochat.domain.errors import Conflict, IdsExhausted, ImportConflict, Unavailable
from sochat.domain.fields import INT32_MAX
from sochat.domain.principal import Role
from sochat.domain.query import ListQuery
from sochat.domain.writes import IdempotencyKey, Precondition
from sochat.security.usernames import is_user_name
from sochat.store import migrations
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
from sochat.store.sql_query import SQLITE, compile_list

log = logging.getLogger(__name__)
T = TypeVar("T")
Job = Callable[[sqlite3.Connection], Any]

_COLUMNS = [field.attr for field in FIELDS]
_SESSION_COLUMNS = f"{', '.join(_COLUMNS)}, row_version, updated_ticks"
_SELECT_SESSION = f"SELECT {_SESSION_COLUMNS} FROM chat_session WHERE chat_session_id = ?"
_DATA_COLUMNS = _COLUMNS[1:]
_INSERT_SESSION = (
    f"INSERT INTO chat_session ({', '.join(_DATA_COLUMNS)}, updated_ticks) "
    f"VALUES ({', '.join('?' * len(_DATA_COLUMNS))}, ?)"
)


@functools.cache
def _update_statement(keep: tuple[str, ...]) -> str:
    """UPDATE of every data column except those kept as stored."""
    columns = [column for column in _DATA_COLUMNS if column not in keep]
    return (
        f"UPDATE chat_session SET {', '.join(c + ' = ?' for c in columns)}, "
        "updated_ticks = ?, row_version = row_version + 1 WHERE chat_session_id = ?"
    )


_BOOL_COLUMNS = frozenset(f.attr for f in FIELDS if f.kind.value == "bool")
_MAX_BATCH = 128


class SqliteStore:
    """Store on one SQLite file."""

    dialect = "sqlite"

    def __init__(self, path: str | Path, *, synchronous: str = "FULL", readers: int = 4) -> None:
        self.path = str(path)
        self._synchronous = synchronous
        self._local = threading.local()
        self._reader_connections: list[sqlite3.Connection] = []
        self._reader_lock = threading.Lock()
        self._readers = concurrent.futures.ThreadPoolExecutor(readers, thread_name_prefix="sochat-read")
        self._writer = _Writer(self._connect)

    # -- connections -------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10.0)
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA foreign_keys = ON")
        mode = _switch_to_wal(conn)
        if mode.lower() != "wal":
            raise RuntimeError(f"could not switch {self.path} to WAL mode (got {mode})")
        conn.execute(f"PRAGMA synchronous = {self._synchronous}")
        return conn

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            conn.execute("PRAGMA query_only = ON")
            self._local.conn = conn
            with self._reader_lock:
                self._reader_connections.append(conn)
        return conn

    async def _read(self, job: Callable[[sqlite3.Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._readers, lambda: job(self._reader()))
        except sqlite3.OperationalError as exc:
            raise Unavailable(f"The database cannot be read right now: {exc}") from exc

    def _lookup(self, job: Callable[[sqlite3.Connection], T]) -> T:
        """A point read by key, run right here on the caller's thread (the event loop's).

        In WAL mode a read never waits for the writer, and these reads take microseconds, so handing them
        to a thread would cost more than it saves. Scans (the list, counts) still go to the reader threads.
        """
        try:
            return job(self._reader())
        except sqlite3.OperationalError as exc:
            raise Unavailable(f"The database cannot be read right now: {exc}") from exc

    async def _write(self, job: Callable[[sqlite3.Connection], T]) -> T:
        result: T = await asyncio.wrap_future(self._writer.submit(job))
        return result

    def _write_now(self, job: Callable[[sqlite3.Connection], T]) -> T:
        result: T = self._writer.submit(job).result()
        return result

    def close(self) -> None:
        """Stop the writer and close every connection; the last one to close checkpoints the WAL."""
        self._readers.shutdown(wait=True)
        with self._reader_lock:
            for conn in self._reader_connections:
                conn.close()
            self._reader_connections.clear()
        self._local = threading.local()
        self._writer.stop()

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
        values = [_to_column(name, getattr(session, name)) for name in _DATA_COLUMNS]
        update_sql, update_values = (
            _update_statement(keep),
            [value for name, value in zip(_DATA_COLUMNS, values, strict=True) if name not in keep],
        )
        now = datetimes.from_datetime(datetime.now(UTC))

        def job(conn: sqlite3.Connection) -> SaveOutcome:
            if idempotency is not None:
                earlier = _replay(conn, idempotency, now)
                if earlier is not None:
                    return SaveOutcome(_read_session(conn, earlier), replayed=True)
            session_id = session.chat_session_id
            updated = 0
            if session_id > 0 and _check(conn, session_id, precondition):
                updated = conn.execute(update_sql, [*update_values, now, session_id]).rowcount
            if not updated:
                if session_id > 0 and not create_if_missing:
                    return SaveOutcome(None)
                session_id = _new_id(conn.execute(_INSERT_SESSION, [*values, now]), "ChatSession")
                if idempotency is not None:
                    conn.execute(
                        "INSERT INTO idempotency_key (owner, key, fingerprint, chat_session_id, expires_ticks)"
                        " VALUES (?, ?, ?, ?, ?)",
                        (
                            idempotency.owner,
                            idempotency.key,
                            idempotency.fingerprint,
                            session_id,
                            idempotency.expires_ticks,
                        ),
                    )
            return SaveOutcome(_read_session(conn, session_id))

        return await self._write(job)

    async def get_chat_session(self, chat_session_id: int) -> StoredChatSession | None:
        return self._lookup(lambda conn: _read_session(conn, chat_session_id))

    async def list_chat_sessions(self, query: ListQuery) -> ListPage:
        sql, params = compile_list(query, _SESSION_COLUMNS, SQLITE)

        def job(conn: sqlite3.Connection) -> ListPage:
            rows = conn.execute(sql, params).fetchall()
            width = len(_COLUMNS) + 2
            stored = [_stored_from_row(row[:width]) for row in rows]
            full = len(rows) == query.limit and rows
            return ListPage(stored, tuple(rows[-1][width:]) if full else None)

        return await self._read(job)

    async def count_chat_sessions_by_status(self) -> dict[int, int]:
        def job(conn: sqlite3.Connection) -> dict[int, int]:
            rows = conn.execute("SELECT status, COUNT(*) FROM chat_session GROUP BY status").fetchall()
            return {int(status): int(count) for status, count in rows}

        return await self._read(job)

    async def delete_chat_session(self, chat_session_id: int, *, precondition: Precondition | None = None) -> bool:
        def job(conn: sqlite3.Connection) -> bool:
            if not _check(conn, chat_session_id, precondition):
                return False  # outside the caller's scope: answered as not stored
            deleted = conn.execute("DELETE FROM chat_session WHERE chat_session_id = ?", (chat_session_id,))
            return deleted.rowcount == 1

        return await self._write(job)

    # -- reference data ----------------------------------------------------------------------------

    async def find_links(self, wanted: Mapping[str, Iterable[int]]) -> dict[tuple[str, int], dict[str, object]]:
        plan = {carrier: sorted(set(ids)) for carrier, ids in wanted.items() if ids}
        if not plan:
            return {}
        return self._lookup(lambda conn: _find_links(conn, plan))

    async def find_user(self, user_name: str) -> UserRecord | None:
        if not is_user_name(user_name):
            return None  # a name that cannot be stored is not stored
        return self._lookup(lambda conn: _find_user(conn, user_name))

    async def find_user_by_id(self, associate_id: int) -> UserRecord | None:
        return self._lookup(lambda conn: _find_user(conn, associate_id=associate_id))

    # -- credentials ----------------------------------------------------------------------------

    async def add_token(self, token: NewToken, now_ticks: int) -> None:
        def job(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO auth_token (token_hash, kind, associate_id, xsrf_hash, app_id, created_ticks,"
                " expires_ticks, idle_ticks, used_ticks) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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

        await self._write(job)

    async def find_token(self, token_hash: str, kind: str, now_ticks: int) -> TokenRecord | None:
        def job(conn: sqlite3.Connection) -> TokenRecord | None:
            row = conn.execute(_LIVE_CREDENTIAL_SQL, (token_hash, kind, now_ticks, now_ticks)).fetchone()
            if row is None:
                return None
            user = UserRecord(row[4], row[5], Role(row[6]), row[7], row[8])
            return TokenRecord(row[0], user, row[1], row[2], row[3])

        return self._lookup(job)

    async def touch_token(self, token_hash: str, now_ticks: int) -> None:
        await self._write(
            lambda conn: conn.execute(
                "UPDATE auth_token SET used_ticks = ? WHERE token_hash = ?", (now_ticks, token_hash)
            )
        )

    async def revoke_token(self, token_hash: str) -> bool:
        def job(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "UPDATE auth_token SET revoked = 1 WHERE token_hash = ? AND revoked = 0", (token_hash,)
            )
            return cursor.rowcount == 1

        return await self._write(job)

    async def find_application(self, token_hash: str) -> AppRecord | None:
        def job(conn: sqlite3.Connection) -> AppRecord | None:
            row = conn.execute(
                "SELECT app_id, name, owner_id, revoked FROM application WHERE token_hash = ?", (token_hash,)
            ).fetchone()
            return None if row is None else AppRecord(row[0], row[1], row[2], bool(row[3]))

        return self._lookup(job)

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
        limits = {key: NEVER_LOCKS for key in count_only} | {key: lock_after for key in keys}

        def job(conn: sqlite3.Connection) -> int:
            conn.execute(_FORGET_EXPIRED_FAILURES, (now_ticks - window_ticks, now_ticks))
            highest = 0
            for key, limit in limits.items():
                row = conn.execute("SELECT failures, window_ticks FROM auth_failure WHERE key = ?", (key,)).fetchone()
                failures = 1 if row is None or row[1] + window_ticks < now_ticks else row[0] + 1
                start = now_ticks if row is None or row[1] + window_ticks < now_ticks else row[1]
                locked = now_ticks + lock_ticks if failures >= limit else 0
                conn.execute(
                    "INSERT INTO auth_failure (key, failures, window_ticks, locked_until) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,"
                    " window_ticks = excluded.window_ticks,"
                    " locked_until = MAX(auth_failure.locked_until, excluded.locked_until)",
                    (key, failures, start, locked),
                )
                highest = max(highest, failures)
            return highest

        return await self._write(job)

    async def auth_locked_until(self, keys: list[str]) -> int:
        marks = ", ".join("?" * len(keys))
        return self._lookup(
            lambda conn: int(
                conn.execute(
                    f"SELECT COALESCE(MAX(locked_until), 0) FROM auth_failure WHERE key IN ({marks})", keys
                ).fetchone()[0]
            )
        )

    async def auth_failures(self, keys: list[str], now_ticks: int, window_ticks: int) -> int:
        marks = ", ".join("?" * len(keys))
        return self._lookup(
            lambda conn: int(
                conn.execute(
                    f"SELECT COALESCE(MAX(failures), 0) FROM auth_failure WHERE key IN ({marks}) AND window_ticks >= ?",
                    [*keys, now_ticks - window_ticks],
                ).fetchone()[0]
            )
        )

    async def clear_auth_failures(self, keys: list[str], now_ticks: int) -> None:
        marks = ", ".join("?" * len(keys))

        def job(conn: sqlite3.Connection) -> None:
            conn.execute(f"DELETE FROM auth_failure WHERE key IN ({marks}) AND locked_until <= ?", [*keys, now_ticks])

        await self._write(job)

    def add_application(self, name: str, token_hash: str, owner_id: int | None) -> int:
        def job(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(
                "INSERT INTO application (name, token_hash, owner_id, created_ticks) VALUES (?, ?, ?, ?)",
                (name, token_hash, owner_id, datetimes.from_datetime(datetime.now(UTC))),
            )
            return _new_id(cursor, "application")

        try:
            return self._write_now(job)
        except sqlite3.IntegrityError:
            raise Conflict(f"an application named {name!r} exists already") from None

    def list_applications(self) -> list[AppRecord]:
        rows = (
            self._reader().execute("SELECT app_id, name, owner_id, revoked FROM application ORDER BY app_id").fetchall()
        )
        return [AppRecord(r[0], r[1], r[2], bool(r[3])) for r in rows]

    def remove_application(self, name: str) -> bool:
        def job(conn: sqlite3.Connection) -> bool:
            row = conn.execute("SELECT app_id FROM application WHERE name = ?", (name,)).fetchone()
            if row is None:
                return False
            conn.execute("DELETE FROM application WHERE app_id = ?", (row[0],))
            conn.execute("UPDATE auth_token SET revoked = 1 WHERE app_id = ? AND revoked = 0", (row[0],))
            return True

        return self._write_now(job)

    def remove_auth_failures(self, keys: list[str]) -> int:
        marks = ", ".join("?" * len(keys))
        return self._write_now(
            lambda conn: conn.execute(f"DELETE FROM auth_failure WHERE key IN ({marks})", keys).rowcount
        )

    # -- bulk transfer ----------------------------------------------------------------------------

    def import_records(self, rows: Iterable[Row]) -> dict[str, int]:
        now = datetimes.from_datetime(datetime.now(UTC))

        def job(conn: sqlite3.Connection) -> dict[str, int]:
            counts: dict[str, int] = {}
            for row in rows:
                kind = _import_one(conn, row, now)
                counts[kind] = counts.get(kind, 0) + 1
            return counts

        try:
            return self._write_now(job)
        except sqlite3.IntegrityError as exc:
            raise ImportConflict(f"the import breaks a uniqueness rule ({exc}); nothing was loaded") from None

    def export_records(self, kind: str) -> Iterator[Row]:
        conn = self._connect()
        try:
            yield from _export(conn, kind)
        finally:
            conn.close()

    async def ping(self) -> None:
        """Readiness: the file can be read, and the writer can write to it (a read-only file, or one opened while
        it was read-only, reads fine but refuses every write: Unavailable naming SQLite's reason)."""
        self._lookup(lambda conn: conn.execute("SELECT 1").fetchone())
        try:
            await self._write(_probe_write)
        except Unavailable as exc:
            reason = exc.__cause__ or exc.message
            raise Unavailable(f"The database cannot take writes: {reason} ({self.path})") from exc

    # -- administration ----------------------------------------------------------------------------

    def migrate(self) -> list[str]:
        return self._write_now(_migrate)

    def add_associate(self, associate: NewAssociate) -> int:
        def job(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(
                "INSERT INTO associate (name, user_name, full_name, formal_name, user_type, tooltip, role,"
                " password_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
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
            )
            return _new_id(cursor, "Associate")

        try:
            return self._write_now(job)
        except sqlite3.IntegrityError:
            raise Conflict(f"a user named {associate.user_name!r} exists already") from None

    def set_password(self, user_name: str, password_hash: str) -> bool:
        if not is_user_name(user_name):
            return False  # no such user can be stored

        def job(conn: sqlite3.Connection) -> bool:
            row = conn.execute("SELECT associate_id FROM associate WHERE user_name = ?", (user_name,)).fetchone()
            if row is None:
                return False
            conn.execute("UPDATE associate SET password_hash = ? WHERE associate_id = ?", (password_hash, row[0]))
            conn.execute(_REVOKE_CREDENTIALS, (row[0],))  # a new password ends every sign-in made with the old
            return True

        return self._write_now(job)

    def delete_user(self, user_name: str) -> bool:
        if not is_user_name(user_name):
            return False  # no such user can be stored

        def job(conn: sqlite3.Connection) -> bool:
            row = conn.execute(
                "SELECT associate_id FROM associate WHERE user_name = ? AND deleted = 0", (user_name,)
            ).fetchone()
            if row is None:
                return False
            conn.execute("UPDATE associate SET deleted = 1, password_hash = NULL WHERE associate_id = ?", (row[0],))
            conn.execute(_REVOKE_CREDENTIALS, (row[0],))
            return True

        return self._write_now(job)

    def list_users(self) -> list[UserRecord]:
        conn = self._reader()
        rows = conn.execute(
            "SELECT associate_id, user_name, role, password_hash, full_name, deleted FROM associate"
            " ORDER BY associate_id"
        ).fetchall()
        return [UserRecord(r[0], r[1], Role(r[2]), r[3], r[4], bool(r[5])) for r in rows]

    def add_topic(self, topic: NewTopic) -> int:
        def job(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(
                "INSERT INTO chat_topic (name, description, welcome_message) VALUES (?, ?, ?)",
                (topic.name, topic.description, topic.welcome_message),
            )
            return _new_id(cursor, "ChatTopic")

        return self._write_now(job)

    def is_empty(self) -> bool:
        conn = self._reader()
        return not conn.execute(
            "SELECT EXISTS (SELECT 1 FROM associate) OR EXISTS (SELECT 1 FROM chat_topic)"
            " OR EXISTS (SELECT 1 FROM chat_session)"
        ).fetchone()[0]

    def integrity_check(self) -> str:
        """SQLite's own consistency check; "ok" when the file is sound."""
        return str(self._reader().execute("PRAGMA integrity_check").fetchone()[0])


# -- row mapping ---------------------------------------------------------------------------------------


def _switch_to_wal(conn: sqlite3.Connection) -> str:
    """PRAGMA journal_mode=WAL, retried: on a brand-new file, processes starting together (serve --workers)
    can find it locked for a moment, and busy_timeout does not cover this pragma."""
    for attempt in range(50):
        try:
            return str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 49:
                raise
            time.sleep(0.05 + random.random() * 0.05)
    raise AssertionError("unreachable")


def _to_column(name: str, value: object) -> object:
    if name in _BOOL_COLUMNS:
        return 1 if value else 0
    return value


def _probe_write(conn: sqlite3.Connection) -> None:
    """Write the database header's user_version (unchanged) and undo it: SQLite refuses the write on a database
    it can only read, and the undone write costs no disk access."""
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    conn.execute("SAVEPOINT probe")
    try:
        conn.execute(f"PRAGMA user_version = {int(version)}")
    finally:
        conn.execute("ROLLBACK TO probe")
        conn.execute("RELEASE probe")


def _new_id(cursor: sqlite3.Cursor, kind: str) -> int:
    """The id an INSERT just gave, refused above int32: SQLite's rowid goes on to 2**63, SuperOffice's ids and
    our PostgreSQL columns stop at 2**31 - 1 (an import may take the highest one). Raised inside the writer's
    savepoint, the refusal undoes the row."""
    new_id = cursor.lastrowid or 0
    if new_id > INT32_MAX:
        raise IdsExhausted(kind)
    return new_id


def _read_session(conn: sqlite3.Connection, session_id: int) -> StoredChatSession | None:
    row = conn.execute(_SELECT_SESSION, (session_id,)).fetchone()
    return None if row is None else _stored_from_row(row)


_UPSERT_SESSION = (
    f"INSERT INTO chat_session (chat_session_id, {', '.join(_DATA_COLUMNS)}, updated_ticks)"
    f" VALUES (?, {', '.join('?' * len(_DATA_COLUMNS))}, ?) ON CONFLICT (chat_session_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _DATA_COLUMNS)
    + ", updated_ticks = excluded.updated_ticks, row_version = chat_session.row_version + 1"
)


def _import_one(conn: sqlite3.Connection, row: Row, now: int) -> str:
    if isinstance(row, ChatSession):
        values = [_to_column(name, getattr(row, name)) for name in _DATA_COLUMNS]
        if row.chat_session_id > 0:
            conn.execute(_UPSERT_SESSION, [row.chat_session_id, *values, now])
        else:
            _new_id(conn.execute(_INSERT_SESSION, [*values, now]), "ChatSession")
        return "ChatSession"
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
            int(row.deleted),
            row.ej_user_id,
            row.role.value,
        ]
        updates = ", ".join(f"{c} = excluded.{c}" for c in ASSOCIATE_COLUMNS)
        cursor = conn.execute(
            f"INSERT INTO associate (associate_id, {', '.join(ASSOCIATE_COLUMNS)}, password_hash)"
            f" VALUES (?, {', '.join('?' * len(ASSOCIATE_COLUMNS))}, ?) ON CONFLICT (associate_id) DO UPDATE SET"
            f" {updates}, password_hash = COALESCE(excluded.password_hash, associate.password_hash)",
            [row.associate_id or None, *values, row.password_hash],
        )
        if not row.associate_id:
            _new_id(cursor, "Associate")
        return "Associate"
    if isinstance(row, TopicRow):
        cursor = conn.execute(
            "INSERT INTO chat_topic (chat_topic_id, name, description, welcome_message) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (chat_topic_id) DO UPDATE SET name = excluded.name, description = excluded.description,"
            " welcome_message = excluded.welcome_message",
            (row.chat_topic_id or None, row.name, row.description, row.welcome_message),
        )
        if not row.chat_topic_id:
            _new_id(cursor, "ChatTopic")
        return "ChatTopic"
    conn.execute(
        "INSERT INTO reference_record (carrier, id, data) VALUES (?, ?, ?)"
        " ON CONFLICT (carrier, id) DO UPDATE SET data = excluded.data",
        (row.carrier, row.id, json.dumps(row.data, ensure_ascii=False)),
    )
    return row.carrier


def _export(conn: sqlite3.Connection, kind: str) -> Iterator[Row]:
    if kind == "ChatSession":
        for row in conn.execute(f"SELECT {_SESSION_COLUMNS} FROM chat_session ORDER BY chat_session_id"):
            yield _stored_from_row(row).session
    elif kind == "Associate":
        query = (
            f"SELECT associate_id, {', '.join(ASSOCIATE_COLUMNS)}, password_hash FROM associate ORDER BY associate_id"
        )
        for r in conn.execute(query):
            yield AssociateRow(
                r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], bool(r[10]), r[11], Role(r[12]), r[13]
            )
    elif kind == "ChatTopic":
        query = "SELECT chat_topic_id, name, description, welcome_message FROM chat_topic ORDER BY chat_topic_id"
        for r in conn.execute(query):
            yield TopicRow(r[0], r[1], r[2], r[3])
    else:
        for r in conn.execute("SELECT id, data FROM reference_record WHERE carrier = ? ORDER BY id", (kind,)):
            yield ReferenceRow(kind, r[0], json.loads(r[1]))


def _stored_from_row(row: tuple[Any, ...]) -> StoredChatSession:
    values = dict(zip(_COLUMNS, row[: len(_COLUMNS)], strict=True))
    for name in _BOOL_COLUMNS:
        values[name] = bool(values[name])
    return StoredChatSession(ChatSession(**values), version=row[-2], updated_ticks=row[-1])


def _check(conn: sqlite3.Connection, session_id: int, precondition: Precondition | None) -> bool:
    """Apply the precondition to the stored row; runs inside the write transaction (one writer at a time).
    False: the row is outside the caller's scope, and the write treats it as not stored."""
    if precondition is None:
        return True
    row = conn.execute(
        "SELECT row_version, updated_ticks, user_id FROM chat_session WHERE chat_session_id = ?", (session_id,)
    ).fetchone()
    return check_precondition(session_id, row, precondition)


def _replay(conn: sqlite3.Connection, key: IdempotencyKey, now: int) -> int | None:
    """The session an unexpired earlier request with this key created, if any."""
    row = conn.execute(
        "SELECT fingerprint, chat_session_id, expires_ticks FROM idempotency_key WHERE owner = ? AND key = ?",
        (key.owner, key.key),
    ).fetchone()
    earlier, expired = replay_of(row, key, now)
    if expired:
        conn.execute("DELETE FROM idempotency_key WHERE owner = ? AND key = ?", (key.owner, key.key))
    return earlier


NEVER_LOCKS = 2**31 - 1  # the lock limit of counters that only count
_FORGET_EXPIRED_FAILURES = "DELETE FROM auth_failure WHERE window_ticks < ? AND locked_until <= ?"
_REVOKE_CREDENTIALS = "UPDATE auth_token SET revoked = 1 WHERE associate_id = ? AND revoked = 0"


def _end_replaced_credentials(conn: sqlite3.Connection, row: AssociateRow) -> None:
    """Revoke the credentials of a stored user whose password an import changes or who it retires."""
    if row.associate_id <= 0:
        return
    stored = conn.execute("SELECT password_hash, deleted FROM associate WHERE associate_id = ?", (row.associate_id,))
    if replaces_credentials(stored.fetchone(), row.password_hash, row.deleted):
        conn.execute(_REVOKE_CREDENTIALS, (row.associate_id,))


_LIVE_CREDENTIAL_SQL = (
    "SELECT t.kind, t.xsrf_hash, t.app_id, t.used_ticks, a.associate_id, a.user_name, a.role, a.password_hash,"
    " a.full_name FROM auth_token t JOIN associate a ON a.associate_id = t.associate_id"
    " WHERE t.token_hash = ? AND t.kind = ? AND t.revoked = 0 AND a.deleted = 0 AND t.expires_ticks > ?"
    " AND (t.idle_ticks = 0 OR t.used_ticks + t.idle_ticks > ?)"
)


def _find_user(
    conn: sqlite3.Connection, user_name: str | None = None, associate_id: int | None = None
) -> UserRecord | None:
    column, value = ("user_name", user_name) if associate_id is None else ("associate_id", associate_id)
    row = conn.execute(
        "SELECT associate_id, user_name, role, password_hash, full_name FROM associate"
        f" WHERE {column} = ? AND deleted = 0",
        (value,),
    ).fetchone()
    return None if row is None else UserRecord(row[0], row[1], Role(row[2]), row[3], row[4])


def _find_links(conn: sqlite3.Connection, plan: dict[str, list[int]]) -> dict[tuple[str, int], dict[str, object]]:
    found: dict[tuple[str, int], dict[str, object]] = {}
    for carrier, ids in plan.items():
        marks = ", ".join("?" * len(ids))
        if carrier == "Associate":
            rows = conn.execute(
                "SELECT associate_id, name, person_id, rank, tooltip, user_type, group_idx, full_name,"
                f" formal_name, deleted, ej_user_id, user_name FROM associate WHERE associate_id IN ({marks})",
                ids,
            ).fetchall()
            for row in rows:
                found[(carrier, row[0])] = _associate_properties(row)
        elif carrier == "ChatTopic":
            rows = conn.execute(
                f"SELECT chat_topic_id, name FROM chat_topic WHERE chat_topic_id IN ({marks})",
                ids,
            ).fetchall()
            for row in rows:
                found[(carrier, row[0])] = {"ChatTopicId": row[0], "Name": row[1]}
        else:
            rows = conn.execute(
                f"SELECT id, data FROM reference_record WHERE carrier = ? AND id IN ({marks})",
                [carrier, *ids],
            ).fetchall()
            for row in rows:
                found[(carrier, row[0])] = json.loads(row[1])
    return found


def _associate_properties(row: tuple[Any, ...]) -> dict[str, object]:
    names = [name for name, _ in ASSOCIATE.properties][:12]
    values = list(row)
    values[5] = USER_TYPE.format(values[5])
    values[9] = bool(values[9])
    return dict(zip(names, values, strict=True))


def _migrate(conn: sqlite3.Connection) -> list[str]:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migration (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
        " applied_ticks INTEGER NOT NULL)"
    )
    done = {row[0] for row in conn.execute("SELECT version FROM schema_migration")}
    applied: list[str] = []
    for migration in migrations.load("sqlite"):
        if migration.version in done:
            continue
        for statement in _statements(migration.sql):
            conn.execute(statement)
        conn.execute(
            "INSERT INTO schema_migration (version, name, applied_ticks) VALUES (?, ?, ?)",
            (migration.version, migration.name, datetimes.from_datetime(datetime.now(UTC))),
        )
        applied.append(f"{migration.version:04d}_{migration.name}")
    return applied


def _statements(sql: str) -> list[str]:
    """Split a migration file into statements (our files keep ';' out of strings and comments)."""
    lines = [line.split("--", 1)[0] for line in sql.splitlines()]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]


# -- the writer thread ---------------------------------------------------------------------------------


class _Writer:
    """Owns the writing connection; runs queued jobs in batches, one COMMIT per batch."""

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self._connect = connect
        self._queue: queue.SimpleQueue[tuple[Job, concurrent.futures.Future[Any]] | None] = queue.SimpleQueue()
        self._conn: sqlite3.Connection | None = None
        self._thread = threading.Thread(target=self._run, name="sochat-writer", daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        if not self._thread.is_alive():
            future.set_exception(Unavailable("The database writer has stopped"))
            return future
        self._queue.put((job, future))
        return future

    def stop(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            item = self._queue.get()
            if item is None:
                break
            batch = [item]
            while len(batch) < _MAX_BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                batch.append(more)
            self._run_batch(batch)
        if self._conn is not None:
            self._conn.close()

    def _run_batch(self, batch: list[tuple[Job, concurrent.futures.Future[Any]]]) -> None:
        outcomes: list[tuple[concurrent.futures.Future[Any], Any, BaseException | None]] = []
        database_failed = False
        try:
            if self._conn is None:
                self._conn = self._connect()
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            for job, future in batch:
                conn.execute("SAVEPOINT job")
                try:
                    result = job(conn)
                except Exception as exc:  # the job's own failure: undo just that job
                    conn.execute("ROLLBACK TO job")
                    conn.execute("RELEASE job")
                    outcomes.append((future, None, _translate(exc)))
                    database_failed = database_failed or _is_database_failure(exc)
                else:
                    conn.execute("RELEASE job")
                    outcomes.append((future, result, None))
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            log.error("database write failed, %d request(s) refused: %s", len(batch), exc)
            self._abandon()
            failure = _translate(exc)
            for _, future in batch:
                future.set_exception(failure)
            return
        if database_failed:
            # The database itself refused a statement (a file opened read-only, an I/O error): this connection
            # may never write again, e.g. it opened the file while it was read-only. The next batch opens anew.
            self._abandon()
        for future, result, error in outcomes:
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)

    def _abandon(self) -> None:
        """After a failed batch, drop the connection so the next batch starts clean."""
        if self._conn is not None:
            try:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
            except sqlite3.Error as exc:
                log.warning("rollback after a failed write also failed: %s", exc)
            self._conn.close()
            self._conn = None


def _is_database_failure(exc: BaseException) -> bool:
    """A failure of the database (locked, read-only, full, I/O), not a broken rule of the data."""
    return isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError) and not isinstance(
        exc, sqlite3.IntegrityError
    )


def _translate(exc: BaseException) -> BaseException:
    if _is_database_failure(exc):
        unavailable = Unavailable(f"The database cannot take writes right now ({exc}); nothing was saved")
        unavailable.__cause__ = exc  # SQLite's own words, for readiness (ping)
        return unavailable
    return exc
