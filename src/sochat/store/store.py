"""The store, written once over either engine (sochat.store.sqlite, sochat.store.postgres), which only know
how to connect, which threads run the jobs, and how their database's failures read.

A job is a function of a Unit (sochat.store.sql): ``await store.write(job)`` runs it in one durable
transaction, ``await store.read(job)`` on a read connection, ``store.run_admin(job)`` synchronously for the
CLI. The named methods below are the use cases the agents, the CLI and sochat.transfer call; a use case of
several steps (pick-up with a welcome message and an event row) is one job, hence one transaction."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Protocol, TypeVar

import sqlalchemy

from sochat.domain import datetimes
from sochat.domain.chat_session import ChatSession
from sochat.domain.errors import Conflict, ImportConflict
from sochat.domain.query import ListQuery
from sochat.domain.writes import IdempotencyKey, Precondition
from sochat.security.usernames import is_user_name
from sochat.store.records import (
    AppRecord,
    ListPage,
    NewAssociate,
    NewToken,
    NewTopic,
    Row,
    SaveOutcome,
    StoredChatSession,
    TokenRecord,
    TopicRow,
    UserRecord,
)
from sochat.store.repositories import Unit
from sochat.store.repositories.accounts import NEVER_LOCKS
from sochat.store.repositories.transfer import ID_COLUMNS, Transfer
from sochat.store.sql import Row as DbRow

T = TypeVar("T")
Observer = Callable[[str, float], None]


class Engine(Protocol):
    dialect: str
    integrity_error: type[Exception]

    async def read(self, job: Callable[[Unit], T], point: bool) -> T: ...

    async def write(self, job: Callable[[Unit], T]) -> T: ...

    def admin(self, job: Callable[[Unit], T], write: bool) -> T: ...

    def stream(self, text: str, params: dict[str, object]) -> Iterator[DbRow]: ...

    def migrate(self, upgrade: Callable[[sqlalchemy.Connection], T]) -> T: ...

    async def ping(self) -> None: ...

    def integrity_check(self) -> str: ...

    def close(self) -> None: ...


def _now() -> int:
    return datetimes.from_datetime(datetime.now(UTC))


class SqlStore:
    """Async storage for request handling, plus synchronous administration for the CLI."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        self.observe: Observer | None = None  # told each request-path job's duration (sochat_database_seconds)

    # -- units of work --------------------------------------------------------------------------------

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

    # -- chat sessions ----------------------------------------------------------------------------------

    async def save_chat_session(
        self,
        session: ChatSession,
        *,
        create_if_missing: bool,
        precondition: Precondition | None = None,
        idempotency: IdempotencyKey | None = None,
        keep: tuple[str, ...] = (),
    ) -> SaveOutcome:
        """Insert (id 0) or replace a session in one durable transaction and answer it as stored.

        ``keep`` names attributes an update must leave as stored (fields the caller may not change).

        For a non-zero id that is not stored, or stored outside ``precondition.scope``: insert with a fresh
        id when ``create_if_missing``, otherwise answer ``SaveOutcome(None)`` and store nothing. A
        ``precondition`` that does not hold raises PreconditionFailed. With ``idempotency``, an unexpired
        key of the same owner answers the session it created (``replayed``) as it is now, whoever it is
        assigned to (the caller decides what it may show), instead of inserting again; the same key with
        another fingerprint raises Conflict.
        """
        now = _now()
        return await self.write(
            lambda unit: unit.sessions.save(
                session,
                now,
                create_if_missing=create_if_missing,
                precondition=precondition,
                idempotency=idempotency,
                keep=keep,
            ),
            "save_chat_session",
        )

    async def get_chat_session(self, chat_session_id: int) -> StoredChatSession | None:
        return await self.read(lambda unit: unit.sessions.get(chat_session_id), "get_chat_session", point=True)

    async def list_chat_sessions(self, query: ListQuery) -> ListPage:
        """One page of sessions matching the query, in its order (keyset paging through ``query.after``)."""
        return await self.read(lambda unit: unit.sessions.page(query), "list_chat_sessions")

    async def count_chat_sessions_by_status(self) -> dict[int, int]:
        """How many sessions are stored in each status (for the metrics)."""
        return await self.read(lambda unit: unit.sessions.count_by_status(), "count_chat_sessions_by_status")

    async def delete_chat_session(self, chat_session_id: int, *, precondition: Precondition | None = None) -> bool:
        """Delete a session; False when it was not stored (or is outside ``precondition.scope``, which is
        answered the same). The id is never handed out again."""
        return await self.write(lambda unit: unit.sessions.delete(chat_session_id, precondition), "delete_chat_session")

    async def find_links(self, wanted: Mapping[str, Iterable[int]]) -> dict[tuple[str, int], dict[str, object]]:
        """Reference records by carrier name ("Associate", "Person", ..., "ChatTopic") and id: {(carrier, id):
        carrier properties} for the ids sochat knows; unknown ids are absent."""
        plan = {carrier: sorted(set(ids)) for carrier, ids in wanted.items() if ids}
        if not plan:
            return {}
        return await self.read(lambda unit: unit.references.find(plan), "find_links", point=True)

    # -- users and credentials ----------------------------------------------------------------------------

    async def find_user(self, user_name: str) -> UserRecord | None:
        """A live user by name, ignoring ASCII case; None for a name that cannot be a user name."""
        if not is_user_name(user_name):
            return None  # a name that cannot be stored is not stored (and PostgreSQL refuses NUL in text)
        return await self.read(lambda unit: unit.users.find(user_name), "find_user", point=True)

    async def find_user_by_id(self, associate_id: int) -> UserRecord | None:
        return await self.read(lambda unit: unit.users.find_by_id(associate_id), "find_user_by_id", point=True)

    async def add_token(self, token: NewToken, now_ticks: int) -> None:
        await self.write(lambda unit: unit.tokens.add(token, now_ticks), "add_token")

    async def find_token(self, token_hash: str, kind: str, now_ticks: int) -> TokenRecord | None:
        """A live token: not revoked, not past its end of life or idle limit, its user not deleted."""
        return await self.read(lambda unit: unit.tokens.find(token_hash, kind, now_ticks), "find_token", point=True)

    async def touch_token(self, token_hash: str, now_ticks: int) -> None:
        """Record a use (for idle expiry)."""
        await self.write(lambda unit: unit.tokens.touch(token_hash, now_ticks), "touch_token")

    async def revoke_token(self, token_hash: str) -> bool:
        return await self.write(lambda unit: unit.tokens.revoke(token_hash), "revoke_token")

    async def find_application(self, token_hash: str) -> AppRecord | None:
        return await self.read(lambda unit: unit.applications.find(token_hash), "find_application", point=True)

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
        """Count a failed login against each key and each ``count_only`` key; lock a key of ``keys`` (never
        one of ``count_only``) once it reaches ``lock_after`` failures within the window. Answers the highest
        failure count among all of them. Counters whose window and lock are both over are removed."""
        limits = {key: NEVER_LOCKS for key in count_only} | {key: lock_after for key in keys}
        return await self.write(
            lambda unit: unit.lockout.note(limits, now_ticks, window_ticks, lock_ticks), "note_auth_failure"
        )

    async def auth_locked_until(self, keys: list[str]) -> int:
        """The latest lock end among the keys (ticks; 0 when none is locked)."""
        return await self.read(lambda unit: unit.lockout.locked_until(keys), "auth_locked_until", point=True)

    async def auth_failures(self, keys: list[str], now_ticks: int, window_ticks: int) -> int:
        """The highest failure count within the window among the keys."""
        since = now_ticks - window_ticks
        return await self.read(lambda unit: unit.lockout.failures(keys, since), "auth_failures", point=True)

    async def clear_auth_failures(self, keys: list[str], now_ticks: int) -> None:
        """Forget the failures of keys that are not locked at ``now_ticks`` (after a successful sign-in)."""
        await self.write(lambda unit: unit.lockout.clear(keys, now_ticks), "clear_auth_failures")

    async def ping(self) -> None:
        """Raise Unavailable if the database cannot be reached or cannot take writes (readiness)."""
        await self.engine.ping()

    # -- administration (CLI); synchronous, beside or before a server ---------------------------------------

    def add_application(self, name: str, token_hash: str, owner_id: int | None) -> int:
        try:
            return self.run_admin(lambda unit: unit.applications.add(name, token_hash, owner_id, _now()))
        except self.engine.integrity_error:
            raise Conflict(f"an application named {name!r} exists already") from None

    def list_applications(self) -> list[AppRecord]:
        return self.run_admin(lambda unit: unit.applications.list(), write=False)

    def remove_application(self, name: str) -> bool:
        """Delete the application of that name (ignoring ASCII case) and revoke the access tokens issued to
        it; False when there is none."""
        return self.run_admin(lambda unit: unit.applications.remove(name))

    def remove_auth_failures(self, keys: list[str]) -> int:
        """Forget the failures and locks of these keys whatever their state; answers how many were stored."""
        return self.run_admin(lambda unit: unit.lockout.remove(keys))

    def add_associate(self, associate: NewAssociate) -> int:
        try:
            return self.run_admin(lambda unit: unit.users.add(associate))
        except self.engine.integrity_error:
            raise Conflict(f"a user named {associate.user_name!r} exists already") from None

    def set_password(self, user_name: str, password_hash: str) -> bool:
        """Set the user's password hash and revoke every ticket, access token and browser session of the
        user in the same transaction; False when no such user is stored."""
        return is_user_name(user_name) and self.run_admin(
            lambda unit: unit.users.set_password(user_name, password_hash)
        )

    def delete_user(self, user_name: str) -> bool:
        """Retire a live user (associate.deleted, as SuperOffice does; chat sessions keep their link), clear
        the password and revoke every credential, in one transaction; False when no live user has the name."""
        return is_user_name(user_name) and self.run_admin(lambda unit: unit.users.retire(user_name))

    def list_users(self) -> list[UserRecord]:
        return self.run_admin(lambda unit: unit.users.list(), write=False)

    def add_topic(self, topic: NewTopic) -> int:
        row = TopicRow(0, topic.name, topic.description, topic.welcome_message)
        return self.run_admin(lambda unit: unit.transfer.topic(row)[0])

    def is_empty(self) -> bool:
        """True when no associate, topic or chat session is stored yet."""
        return self.run_admin(lambda unit: unit.users.nothing_stored(), write=False)

    def import_records(self, rows: Iterable[Row]) -> dict[str, int]:
        """Upsert every row by id in ONE transaction (all or nothing); answer counts per kind.

        Rows with id 0 are inserted with a fresh id. Ids given explicitly are never handed out again.
        """
        now = _now()

        def job(unit: Unit) -> dict[str, int]:
            counts: dict[str, int] = {}
            highest: dict[str, int] = {}  # the largest explicit id per kind
            for row in rows:
                kind, given = unit.transfer.put(row, now)
                counts[kind] = counts.get(kind, 0) + 1
                highest[kind] = max(highest.get(kind, 0), given)
            for kind, given in highest.items():
                if given and kind in ID_COLUMNS:
                    unit.ids_given(*ID_COLUMNS[kind], given)
            return counts

        try:
            return self.run_admin(job)
        except self.engine.integrity_error as exc:
            reason = str(exc).strip().splitlines()[0]
            raise ImportConflict(f"the import breaks a uniqueness rule ({reason}); nothing was loaded") from None

    def export_records(self, kind: str) -> Iterator[Row]:
        """Every stored record of a kind (see sochat.transfer.records.KINDS), in id order, streamed."""
        statement, params, make = Transfer.export(kind)
        for row in self.engine.stream(statement.text(self.dialect), params):
            yield make(row)

    def migrate(self) -> list[str]:
        """Apply pending migrations; answer the names of those applied."""
        from sochat.store.alembic import upgrade

        return self.engine.migrate(upgrade)

    def integrity_check(self) -> str:
        return self.engine.integrity_check()

    def close(self) -> None:
        self.engine.close()
