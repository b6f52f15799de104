"""The contract between the agents and storage. Every backend implements Store."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from sochat.domain.chat_session import ChatSession
from sochat.domain.principal import Role
from sochat.domain.query import ListQuery
from sochat.domain.writes import IdempotencyKey, Precondition
from sochat.store.records import Row


@dataclass(frozen=True, slots=True)
class UserRecord:
    """An associate who can log in. ``password_hash`` is argon2, or None when login is disabled."""

    associate_id: int
    user_name: str
    role: Role
    password_hash: str | None
    full_name: str = ""
    deleted: bool = False  # retired (SuperOffice's associate.deleted); only list_users answers such users


@dataclass(frozen=True, slots=True)
class NewAssociate:
    user_name: str
    role: Role
    password_hash: str | None
    name: str = ""
    full_name: str = ""
    formal_name: str = ""
    user_type: int = 1
    tooltip: str = ""


@dataclass(frozen=True, slots=True)
class NewTopic:
    name: str
    description: str = ""
    welcome_message: str = ""


@dataclass(frozen=True, slots=True)
class StoredChatSession:
    """A session as stored, with the bookkeeping that is not part of the entity."""

    session: ChatSession
    version: int  # 1 on insert, +1 on every write; the ETag is built from it
    updated_ticks: int  # the last write, UTC .NET ticks


@dataclass(frozen=True, slots=True)
class SaveOutcome:
    stored: StoredChatSession | None  # None: a non-zero id that is not stored and create_if_missing is False
    replayed: bool = False  # True: an earlier request with this idempotency key created ``stored``


@dataclass(frozen=True, slots=True)
class ListPage:
    rows: list[StoredChatSession]
    next_after: tuple[object, ...] | None  # the keyset cursor for the next page; None on the last page


@dataclass(frozen=True, slots=True)
class NewToken:
    """A credential to remember: only the hash of its secret is stored."""

    token_hash: str
    kind: str  # "ticket" (SOTicket), "access" (Bearer), "session" (cookie)
    associate_id: int
    expires_ticks: int
    idle_ticks: int = 0  # > 0: also expires this long after its last use
    xsrf_hash: str | None = None
    app_id: int | None = None


@dataclass(frozen=True, slots=True)
class TokenRecord:
    kind: str
    user: UserRecord
    xsrf_hash: str | None
    app_id: int | None
    used_ticks: int


@dataclass(frozen=True, slots=True)
class AppRecord:
    app_id: int
    name: str
    owner_id: int | None
    revoked: bool


class Store(Protocol):
    """Async storage used by request handling, plus synchronous administration for the CLI."""

    dialect: str

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
        ...

    async def get_chat_session(self, chat_session_id: int) -> StoredChatSession | None: ...

    async def list_chat_sessions(self, query: ListQuery) -> ListPage:
        """One page of sessions matching the query, in its order (keyset paging through ``query.after``)."""
        ...

    async def count_chat_sessions_by_status(self) -> dict[int, int]:
        """How many sessions are stored in each status (for the metrics)."""
        ...

    async def delete_chat_session(self, chat_session_id: int, *, precondition: Precondition | None = None) -> bool:
        """Delete a session; False when it was not stored (or is outside ``precondition.scope``, which is
        answered the same). The id is never handed out again."""
        ...

    async def find_links(self, wanted: Mapping[str, Iterable[int]]) -> dict[tuple[str, int], dict[str, object]]:
        """Reference records by carrier name ("Associate", "Person", ..., "ChatTopic") and id.

        Answers {(carrier, id): carrier properties} for the ids sochat knows; unknown ids are absent.
        """
        ...

    async def find_user(self, user_name: str) -> UserRecord | None:
        """A live user by name, ignoring ASCII case; None for a name that cannot be a user name."""
        ...

    async def find_user_by_id(self, associate_id: int) -> UserRecord | None: ...

    # -- credentials other than passwords (sochat.http.auth) --------------------------------------

    async def add_token(self, token: NewToken, now_ticks: int) -> None: ...

    async def find_token(self, token_hash: str, kind: str, now_ticks: int) -> TokenRecord | None:
        """A live token: not revoked, not past its end of life or idle limit, its user not deleted."""
        ...

    async def touch_token(self, token_hash: str, now_ticks: int) -> None:
        """Record a use (for idle expiry)."""
        ...

    async def revoke_token(self, token_hash: str) -> bool: ...

    async def find_application(self, token_hash: str) -> AppRecord | None: ...

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
        ...

    async def auth_locked_until(self, keys: list[str]) -> int:
        """The latest lock end among the keys (ticks; 0 when none is locked)."""
        ...

    async def auth_failures(self, keys: list[str], now_ticks: int, window_ticks: int) -> int:
        """The highest failure count within the window among the keys."""
        ...

    async def clear_auth_failures(self, keys: list[str], now_ticks: int) -> None:
        """Forget the failures of keys that are not locked at ``now_ticks`` (after a successful sign-in)."""
        ...

    def add_application(self, name: str, token_hash: str, owner_id: int | None) -> int: ...

    def list_applications(self) -> list[AppRecord]: ...

    def remove_application(self, name: str) -> bool:
        """Delete the application of that name (ignoring ASCII case) and revoke the access tokens issued to
        it; False when there is none."""
        ...

    def remove_auth_failures(self, keys: list[str]) -> int:
        """Forget the failures and locks of these keys whatever their state; answers how many were stored."""
        ...

    # -- bulk transfer (sochat import / export) -----------------------------------------------------

    def import_records(self, rows: Iterable[Row]) -> dict[str, int]:
        """Upsert every row by id in ONE transaction (all or nothing); answer counts per kind.

        Rows with id 0 are inserted with a fresh id. Ids given explicitly are never handed out again.
        """
        ...

    def export_records(self, kind: str) -> Iterator[Row]:
        """Every stored record of a kind (see sochat.transfer.records.KINDS), in id order, streamed."""
        ...

    async def ping(self) -> None:
        """Raise Unavailable if the database cannot be reached or cannot take writes (readiness)."""
        ...

    def close(self) -> None: ...

    # Administration (CLI); synchronous, they run before or beside a server.
    def migrate(self) -> list[str]:
        """Apply pending migrations; answer the names of those applied."""
        ...

    def add_associate(self, associate: NewAssociate) -> int: ...

    def set_password(self, user_name: str, password_hash: str) -> bool:
        """Set the user's password hash and revoke every ticket, access token and browser session of the
        user in the same transaction; False when no such user is stored."""
        ...

    def delete_user(self, user_name: str) -> bool:
        """Retire a live user (associate.deleted, as SuperOffice does; chat sessions keep their link), clear
        the password and revoke every credential, in one transaction; False when no live user has the name."""
        ...

    def list_users(self) -> list[UserRecord]: ...

    def add_topic(self, topic: NewTopic) -> int: ...

    def is_empty(self) -> bool:
        """True when no associate, topic or chat session is stored yet."""
        ...
