"""The Chat agent: SuperOffice's Agents/Chat methods on chat sessions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sochat.domain.chat_session import LINK_FIELDS, ChatSession
from sochat.domain.errors import Forbidden, InvalidInput, NotFound
from sochat.domain.principal import Principal
from sochat.domain.rights import INSERT, SELECT, UPDATE, TableRight, chat_session_table_right
from sochat.store.protocol import Store

_CARRIER_OF_FIELD = {field.name: field.carrier or "" for field in LINK_FIELDS}


@dataclass(frozen=True, slots=True)
class ChatSessionView:
    """A stored session with what the caller may know about it: linked records and rights."""

    session: ChatSession
    links: dict[tuple[str, int], dict[str, object]]
    table_right: TableRight


class ChatAgent:
    def __init__(self, store: Store, *, strict: bool = False) -> None:
        self._store = store
        self._strict = strict

    async def save_chat_session_entity(self, principal: Principal, session: ChatSession) -> ChatSessionView:
        """Create (id 0) or replace a whole session, and answer it as stored.

        A non-zero id that is not stored creates a new session with a fresh id, as SuperOffice's row
        layer does; in strict mode it is a NotFound and nothing is stored.
        """
        right = chat_session_table_right(principal)
        needed = INSERT if session.chat_session_id <= 0 else UPDATE
        if not right.allows(needed):
            action = "create" if needed == INSERT else "update"
            raise Forbidden(f"You may not {action} chat sessions: {right.reason}", source="ChatAgent")
        if self._strict:
            await self._check_links_exist(session)
        stored = await self._store.save_chat_session(session, create_if_missing=not self._strict)
        if stored is None:
            raise NotFound(
                f"ChatSessionId {session.chat_session_id} is not stored; send 0 to create a new session"
                " (strict mode refuses unknown ids)",
                source="ChatAgent",
            )
        return await self._view(stored, right)

    async def get_chat_session_entity(self, principal: Principal, chat_session_id: int) -> ChatSessionView | None:
        """The stored session, or None (SuperOffice's agents answer 200 with null for an unknown id)."""
        right = chat_session_table_right(principal)
        if not right.allows(SELECT):
            raise Forbidden(f"You may not read chat sessions: {right.reason}", source="ChatAgent")
        stored = await self._store.get_chat_session(chat_session_id)
        return None if stored is None else await self._view(stored, right)

    async def _view(self, session: ChatSession, right: TableRight) -> ChatSessionView:
        links = await self._store.find_links(_wanted(session))
        return ChatSessionView(session, links, right)

    async def _check_links_exist(self, session: ChatSession) -> None:
        known = await self._store.find_links(_wanted(session))
        for name, link_id in session.links().items():
            if (_CARRIER_OF_FIELD[name], link_id) not in known:
                raise InvalidInput(
                    f"{name}: no {_CARRIER_OF_FIELD[name]} with id {link_id} is stored (strict mode)",
                    property_name=name,
                )


def _wanted(session: ChatSession) -> dict[str, set[int]]:
    wanted: dict[str, set[int]] = defaultdict(set)
    for name, link_id in session.links().items():
        wanted[_CARRIER_OF_FIELD[name]].add(link_id)
    return wanted
