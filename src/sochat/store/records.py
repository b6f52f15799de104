"""The records the store answers and takes: users, tokens, applications, stored sessions, and one type per kind
of row it reads and writes in bulk (sochat import / export).

They belong to the store, whose import_records and export_records speak them; sochat.transfer converts them
from and to files. (They lived in sochat.transfer.records, which made store and transfer import each other.)
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from sochat.domain.chat_session import ChatSession
from sochat.domain.principal import Role


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


@dataclass(frozen=True, slots=True)
class AssociateRow:
    associate_id: int  # 0: a new associate
    name: str
    user_name: str
    full_name: str
    formal_name: str
    person_id: int
    rank: int
    tooltip: str
    user_type: int
    group_idx: int
    deleted: bool
    ej_user_id: int
    role: Role
    password_hash: str | None  # None: keep the stored one (or none for a new associate)


@dataclass(frozen=True, slots=True)
class TopicRow:
    chat_topic_id: int
    name: str
    description: str
    welcome_message: str


@dataclass(frozen=True, slots=True)
class ReferenceRow:
    carrier: str
    id: int
    data: dict[str, object]  # carrier properties; dates as ticks


Row = ChatSession | AssociateRow | TopicRow | ReferenceRow
# The associate columns that import and export carry (beside the id and the password hash).
ASSOCIATE_COLUMNS = [f.name for f in fields(AssociateRow)][1:-1]
