"""SuperOffice's Chat agent, its methods on chat sessions. Every route for chat sessions, agent or REST, goes
through here, so rights, conditions and strict mode are decided in one place."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo

import msgspec

from sochat.domain import datetimes
from sochat.domain.chat_session import LINK_FIELDS, ChatSession, chat_session_from_wire, default_chat_session
from sochat.domain.errors import Forbidden, InvalidInput, NotFound
from sochat.domain.principal import Principal, Role
from sochat.domain.query import And, ListQuery
from sochat.domain.rights import (
    DELETE,
    INSERT,
    SELECT,
    UPDATE,
    SessionScope,
    TableRight,
    chat_session_table_right,
    protected_attributes,
    session_scope,
)
from sochat.domain.writes import IdempotencyKey, Precondition
from sochat.store.records import ListPage, StoredChatSession
from sochat.store.store import Store

_CARRIER_OF_FIELD = {field.name: field.carrier or "" for field in LINK_FIELDS}


@dataclass(frozen=True, slots=True)
class ChatSessionView:
    """A session with what the caller may know about it: linked records, rights and its version."""

    session: ChatSession
    links: dict[tuple[str, int], dict[str, object]]
    table_right: TableRight
    role: Role = Role.ADMIN  # decides the FieldProperties shown
    version: int = 0  # 0: not stored (a default entity)
    updated_ticks: int = 0
    replayed: bool = False  # answered from an earlier request with the same Idempotency-Key


class ChatSessionAgent:
    def __init__(self, store: Store, *, strict: bool = False, idempotency_ttl_seconds: int = 24 * 3600) -> None:
        self._store = store
        self._strict = strict
        self._idempotency_ttl = idempotency_ttl_seconds * datetimes.TICKS_PER_SECOND

    def session_from_wire(self, data: Mapping[str, object], zone: tzinfo) -> ChatSession:
        """The session a decoded body describes; strict mode refuses null for values that cannot be null."""
        return chat_session_from_wire(data, zone, strict=self._strict)

    def idempotency_key(self, principal: Principal, key: str, fingerprint: str) -> IdempotencyKey:
        """An Idempotency-Key as the store keeps it: per caller, for the configured time from now."""
        now = datetimes.from_datetime(datetime.now(UTC))
        return IdempotencyKey(principal.associate_id, key, fingerprint, now + self._idempotency_ttl)

    async def create_default_chat_session_entity(self, principal: Principal) -> ChatSessionView:
        """The default new entity, not stored."""
        right = self._require(principal, SELECT, "read")
        default = default_chat_session(datetimes.from_datetime(datetime.now(UTC)))
        return ChatSessionView(default, {}, right, principal.role)

    async def save_chat_session_entity(
        self,
        principal: Principal,
        session: ChatSession,
        *,
        must_exist: bool = False,
        precondition: Precondition | None = None,
        idempotency: IdempotencyKey | None = None,
    ) -> ChatSessionView:
        """Create (id 0) or replace a whole session, and answer it as stored.

        A non-zero id that is not stored creates a new session with a fresh id, as SuperOffice's row
        layer does; with ``must_exist`` (REST PUT and PATCH) or in strict mode it is a NotFound and
        nothing is stored. A session the caller may not see counts as not stored, checked by the store
        inside the write, so the caller can neither change it nor learn that it exists.
        """
        creating = session.chat_session_id <= 0
        right = self.require_save(principal, session.chat_session_id)
        scope = session_scope(principal)
        if not scope.admits(session.user_id):
            # A save may not put the session where its writer could no longer see it.
            raise Forbidden(
                "Agents may assign a chat session only to themselves (use TransferTo to hand over)",
                source="ChatAgent",
            )
        precondition = _within(scope, precondition)
        keep = protected_attributes(principal.role)
        if keep:
            # Fields this role may not change: a new session gets their defaults, a stored one keeps its values.
            defaults = ChatSession()
            session = msgspec.structs.replace(session, **{attr: getattr(defaults, attr) for attr in keep})
        if self._strict:
            if not creating and not await self._visible(principal, session.chat_session_id):
                # Refused before the link checks cost anything; the store checks again inside the write.
                raise _not_stored(session.chat_session_id, must_exist=must_exist)
            await self._check_links_exist(session)
        outcome = await self._store.write(
            lambda unit: unit.sessions.save(
                session,
                create_if_missing=not (self._strict or must_exist),
                precondition=precondition,
                idempotency=idempotency if creating else None,
                keep=keep,
            ),
            "save_chat_session",
        )
        if outcome.replayed and (outcome.stored is None or not scope.admits(outcome.stored.session.user_id)):
            # A replay answers only what the caller may see now: deleted and reassigned read the same.
            raise NotFound(
                "The chat session an earlier request with this Idempotency-Key created is not stored;"
                " send a new Idempotency-Key to create another",
                source="ChatAgent",
            )
        if outcome.stored is None:
            raise _not_stored(session.chat_session_id, must_exist=must_exist)
        return await self._view(outcome.stored, right, principal.role, replayed=outcome.replayed)

    def require_save(self, principal: Principal, chat_session_id: int) -> TableRight:
        """The table right a save of this id needs (insert for 0, update otherwise). Routes call it before
        any work on the body that costs more than parsing it (applying a patch)."""
        if chat_session_id <= 0:
            return self._require(principal, INSERT, "create")
        return self._require(principal, UPDATE, "update")

    async def get_chat_session_entity(self, principal: Principal, chat_session_id: int) -> ChatSessionView | None:
        """The stored session, or None (SuperOffice's agents answer 200 with null for an unknown id)."""
        right = self._require(principal, SELECT, "read")
        stored = await self._store.read(lambda unit: unit.sessions.get(chat_session_id), "get_chat_session", point=True)
        if stored is None or not session_scope(principal).admits(stored.session.user_id):
            return None  # another agent's session is answered as if it did not exist
        return await self._view(stored, right, principal.role)

    async def list_chat_sessions(self, principal: Principal, query: ListQuery) -> ListPage:
        """One page of the caller's visible sessions (the archive behind GET /api/v1/ChatSession)."""
        self._require(principal, SELECT, "read")
        visible = session_scope(principal).where()
        if visible is not None:
            query = replace(query, where=visible if query.where is None else And((visible, query.where)))
        return await self._store.read(lambda unit: unit.sessions.page(query), "list_chat_sessions")

    async def delete_chat_session_entity(
        self,
        principal: Principal,
        chat_session_id: int,
        *,
        precondition: Precondition | None = None,
        must_exist: bool = False,
    ) -> bool:
        """Delete a session; False when it was not stored or the caller may not see it (answered the same).

        SuperOffice's agent answers alike whether or not the session existed; strict mode refuses an id that
        is not stored with a NotFound. With ``must_exist`` (REST DELETE) the caller answers that itself."""
        self._require(principal, DELETE, "delete")
        precondition = _within(session_scope(principal), precondition)
        deleted = await self._store.write(
            lambda unit: unit.sessions.delete(chat_session_id, precondition=precondition), "delete_chat_session"
        )
        if not deleted and self._strict and not must_exist:
            raise NotFound(f"ChatSession {chat_session_id} is not stored (strict mode)", source="ChatAgent")
        return deleted

    def _require(self, principal: Principal, bit: int, action: str) -> TableRight:
        right = chat_session_table_right(principal)
        if not right.allows(bit):
            raise Forbidden(
                f"You may not {action} chat sessions: your role '{principal.role.value}' lacks the right",
                source="ChatAgent",
            )
        return right

    async def _visible(self, principal: Principal, chat_session_id: int) -> bool:
        stored = await self._store.read(lambda unit: unit.sessions.get(chat_session_id), "get_chat_session", point=True)
        return stored is not None and session_scope(principal).admits(stored.session.user_id)

    async def _view(
        self, stored: StoredChatSession, right: TableRight, role: Role, *, replayed: bool = False
    ) -> ChatSessionView:
        links = await self._links(stored.session)
        return ChatSessionView(stored.session, links, right, role, stored.version, stored.updated_ticks, replayed)

    async def _links(self, session: ChatSession) -> dict[tuple[str, int], dict[str, object]]:
        """The records the session links to, by (carrier, id); no read at all when it links to none."""
        wanted = _wanted(session)
        if not wanted:
            return {}
        return await self._store.read(lambda unit: unit.references.find(wanted), "find_links", point=True)

    async def _check_links_exist(self, session: ChatSession) -> None:
        known = await self._links(session)
        for name, link_id in session.links().items():
            if (_CARRIER_OF_FIELD[name], link_id) not in known:
                raise InvalidInput(
                    f"{name}: no {_CARRIER_OF_FIELD[name]} with id {link_id} is stored (strict mode)",
                    property_name=name,
                )


def _within(scope: SessionScope, precondition: Precondition | None) -> Precondition | None:
    """The write's precondition, limited to the caller's scope; the store checks it on the locked row."""
    if scope.associate_id is None:
        return precondition
    return replace(precondition or Precondition(), scope=scope)


def _not_stored(chat_session_id: int, *, must_exist: bool) -> NotFound:
    return NotFound(
        f"ChatSessionId {chat_session_id} is not stored"
        + ("" if must_exist else "; send 0 to create a new session (strict mode refuses unknown ids)"),
        source="ChatAgent",
    )


def _wanted(session: ChatSession) -> dict[str, set[int]]:
    wanted: dict[str, set[int]] = defaultdict(set)
    for name, link_id in session.links().items():
        wanted[_CARRIER_OF_FIELD[name]].add(link_id)
    return wanted
