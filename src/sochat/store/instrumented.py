"""A Store that times every call into the one it wraps, for the database-time metric."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from typing import TypeVar

from sochat.domain.chat_session import ChatSession
from sochat.domain.query import ListQuery
from sochat.domain.writes import IdempotencyKey, Precondition
from sochat.store.protocol import (
    AppRecord,
    ListPage,
    NewAssociate,
    NewToken,
    NewTopic,
    SaveOutcome,
    Store,
    StoredChatSession,
    TokenRecord,
    UserRecord,
)
from sochat.store.records import Row

Observer = Callable[[str, float], None]
T = TypeVar("T")


class InstrumentedStore:
    """Delegates every Store method; the request-path ones report their duration to ``observe``."""

    def __init__(self, inner: Store, observe: Observer) -> None:
        self.inner = inner
        self.dialect = inner.dialect
        self._observe = observe

    async def save_chat_session(
        self,
        session: ChatSession,
        *,
        create_if_missing: bool,
        precondition: Precondition | None = None,
        idempotency: IdempotencyKey | None = None,
        keep: tuple[str, ...] = (),
    ) -> SaveOutcome:
        started = time.perf_counter()
        try:
            return await self.inner.save_chat_session(
                session,
                create_if_missing=create_if_missing,
                precondition=precondition,
                idempotency=idempotency,
                keep=keep,
            )
        finally:
            self._observe("save_chat_session", time.perf_counter() - started)

    async def get_chat_session(self, chat_session_id: int) -> StoredChatSession | None:
        started = time.perf_counter()
        try:
            return await self.inner.get_chat_session(chat_session_id)
        finally:
            self._observe("get_chat_session", time.perf_counter() - started)

    async def list_chat_sessions(self, query: ListQuery) -> ListPage:
        started = time.perf_counter()
        try:
            return await self.inner.list_chat_sessions(query)
        finally:
            self._observe("list_chat_sessions", time.perf_counter() - started)

    async def delete_chat_session(self, chat_session_id: int, *, precondition: Precondition | None = None) -> bool:
        started = time.perf_counter()
        try:
            return await self.inner.delete_chat_session(chat_session_id, precondition=precondition)
        finally:
            self._observe("delete_chat_session", time.perf_counter() - started)

    async def count_chat_sessions_by_status(self) -> dict[int, int]:
        started = time.perf_counter()
        try:
            return await self.inner.count_chat_sessions_by_status()
        finally:
            self._observe("count_chat_sessions_by_status", time.perf_counter() - started)

    async def find_links(self, wanted: Mapping[str, Iterable[int]]) -> dict[tuple[str, int], dict[str, object]]:
        started = time.perf_counter()
        try:
            return await self.inner.find_links(wanted)
        finally:
            self._observe("find_links", time.perf_counter() - started)

    async def find_user(self, user_name: str) -> UserRecord | None:
        started = time.perf_counter()
        try:
            return await self.inner.find_user(user_name)
        finally:
            self._observe("find_user", time.perf_counter() - started)

    async def find_user_by_id(self, associate_id: int) -> UserRecord | None:
        return await self._timed("find_user_by_id", self.inner.find_user_by_id(associate_id))

    async def add_token(self, token: NewToken, now_ticks: int) -> None:
        await self._timed("add_token", self.inner.add_token(token, now_ticks))

    async def find_token(self, token_hash: str, kind: str, now_ticks: int) -> TokenRecord | None:
        return await self._timed("find_token", self.inner.find_token(token_hash, kind, now_ticks))

    async def touch_token(self, token_hash: str, now_ticks: int) -> None:
        await self._timed("touch_token", self.inner.touch_token(token_hash, now_ticks))

    async def revoke_token(self, token_hash: str) -> bool:
        return await self._timed("revoke_token", self.inner.revoke_token(token_hash))

    async def find_application(self, token_hash: str) -> AppRecord | None:
        return await self._timed("find_application", self.inner.find_application(token_hash))

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
        return await self._timed(
            "note_auth_failure",
            self.inner.note_auth_failure(keys, now_ticks, window_ticks, lock_after, lock_ticks, count_only=count_only),
        )

    async def auth_locked_until(self, keys: list[str]) -> int:
        return await self._timed("auth_locked_until", self.inner.auth_locked_until(keys))

    async def auth_failures(self, keys: list[str], now_ticks: int, window_ticks: int) -> int:
        return await self._timed("auth_failures", self.inner.auth_failures(keys, now_ticks, window_ticks))

    async def clear_auth_failures(self, keys: list[str], now_ticks: int) -> None:
        await self._timed("clear_auth_failures", self.inner.clear_auth_failures(keys, now_ticks))

    def add_application(self, name: str, token_hash: str, owner_id: int | None) -> int:
        return self.inner.add_application(name, token_hash, owner_id)

    def list_applications(self) -> list[AppRecord]:
        return self.inner.list_applications()

    def remove_application(self, name: str) -> bool:
        return self.inner.remove_application(name)

    def remove_auth_failures(self, keys: list[str]) -> int:
        return self.inner.remove_auth_failures(keys)

    def import_records(self, rows: Iterable[Row]) -> dict[str, int]:
        return self.inner.import_records(rows)

    def export_records(self, kind: str) -> Iterator[Row]:
        return self.inner.export_records(kind)

    async def _timed(self, operation: str, call: Awaitable[T]) -> T:
        started = time.perf_counter()
        try:
            return await call
        finally:
            self._observe(operation, time.perf_counter() - started)

    async def ping(self) -> None:
        await self.inner.ping()

    def close(self) -> None:
        self.inner.close()

    def migrate(self) -> list[str]:
        return self.inner.migrate()

    def add_associate(self, associate: NewAssociate) -> int:
        return self.inner.add_associate(associate)

    def set_password(self, user_name: str, password_hash: str) -> bool:
        return self.inner.set_password(user_name, password_hash)

    def delete_user(self, user_name: str) -> bool:
        return self.inner.delete_user(user_name)

    def list_users(self) -> list[UserRecord]:
        return self.inner.list_users()

    def add_topic(self, topic: NewTopic) -> int:
        return self.inner.add_topic(topic)

    def is_empty(self) -> bool:
        return self.inner.is_empty()
