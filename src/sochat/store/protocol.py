"""The contract between the agents and storage. Every backend implements Store."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

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


class Store(Protocol):
    """Async storage used by request handling, plus synchronous administration for the CLI."""

    dialect: str

    async def save_chat_session(self, session: ChatSession, *, create_if_missing: bool) -> ChatSession | None:
        """Insert (id 0) or replace a session in one durable transaction and return it as stored.

        For a non-zero id that is not stored: insert with a fresh id when ``create_if_missing``,
        otherwise return None and store nothing.
        """
        ...

    async def get_chat_session(self, chat_session_id: int) -> ChatSession | None: ...

    async def find_links(self, wanted: Mapping[str, Iterable[int]]) -> dict[tuple[str, int], dict[str, object]]:
        """Reference records by carrier name ("Associate", "Person", ..., "ChatTopic") and id.

        Answers {(carrier, id): carrier properties} for the ids sochat knows; unknown ids are absent.
        """
        ...

    async def find_user(self, user_name: str) -> UserRecord | None: ...

    async def ping(self) -> None:
        """Raise if the database cannot be reached."""
        ...

    def close(self) -> None: ...

    # Administration (CLI); synchronous, they run before or beside a server.
    def migrate(self) -> list[str]:
        """Apply pending migrations; answer the names of those applied."""
        ...

    def add_associate(self, associate: NewAssociate) -> int: ...

    def set_password(self, user_name: str, password_hash: str) -> bool: ...

    def list_users(self) -> list[UserRecord]: ...

    def add_topic(self, topic: NewTopic) -> int: ...

    def is_empty(self) -> bool:
        """True when no associate, topic or chat session is stored yet."""
        ...
