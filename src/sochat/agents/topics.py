"""SuperOffice's Chat agent, its methods on chat topics (ChatTopicEntity): CreateDefault, Get, Save and Delete.

Each use case is one job on the store's unit of work. Rights are the topic's table right
(domain/rights.chat_topic_table_right): admins manage topics, other roles read them. The links a topic holds
(Language, AlertTemplate, TicketCategory, TicketPriority, OpeningHours.TzLocation, Widget.AutoFaqCategory) are
kept as the ids given, in strict mode too: sochat stores no records of those kinds to check them against, and
answers each as a carrier with just its id (docs/api.md, "Chat topics").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from sochat.domain import datetimes
from sochat.domain.chat_topic import ChatTopicEntity
from sochat.domain.convert import from_wire
from sochat.domain.errors import Conflict, Forbidden, NotFound
from sochat.domain.principal import Principal
from sochat.domain.rights import DELETE, INSERT, SELECT, UPDATE, TableRight, chat_topic_table_right
from sochat.store.repositories import Unit
from sochat.store.repositories.topics import StoredTopic
from sochat.store.store import Store

_SOURCE = "ChatAgent"


@dataclass(frozen=True, slots=True)
class ChatTopicView:
    """A topic with what the caller may know about it: its table right and its version."""

    topic: ChatTopicEntity
    table_right: TableRight
    version: int = 0  # 0: not stored (a default entity)
    updated_ticks: int = 0


class ChatTopicAgent:
    def __init__(self, store: Store, *, strict: bool = False) -> None:
        self._store = store
        self._strict = strict

    def topic_from_wire(self, data: Mapping[str, object], zone: tzinfo) -> ChatTopicEntity:
        """The topic a decoded body describes; strict mode refuses null for values that cannot be null."""
        return from_wire(ChatTopicEntity, data, zone, strict=self._strict)

    async def create_default_chat_topic_entity(self, principal: Principal) -> ChatTopicView:
        """The default new topic, not stored: the Struct's defaults, which are SuperOffice's (docs/api.md)."""
        return ChatTopicView(ChatTopicEntity(), self._require(principal, SELECT, "read"))

    async def get_chat_topic_entity(self, principal: Principal, chat_topic_id: int) -> ChatTopicView | None:
        """The stored topic, or None (SuperOffice's agents answer 200 with null for an unknown id)."""
        right = self._require(principal, SELECT, "read")
        stored = await self._store.read(lambda unit: unit.topics.get(chat_topic_id), "get_chat_topic", point=True)
        return None if stored is None else _view(stored, right)

    async def save_chat_topic_entity(self, principal: Principal, topic: ChatTopicEntity) -> ChatTopicView:
        """Create (id 0 or less) or replace a whole topic, and answer it as stored.

        A non-zero id that is not stored creates a new topic with a fresh id, as SaveChatSessionEntity does
        (decision 3); strict mode refuses it with a NotFound and stores nothing.
        """
        topic_id = topic.chat_topic_id
        right = self._require(principal, INSERT if topic_id <= 0 else UPDATE, "create" if topic_id <= 0 else "update")
        create_if_missing = not self._strict
        now = datetimes.from_datetime(datetime.now(UTC))

        def save(unit: Unit) -> StoredTopic | None:
            if topic_id > 0:
                updated = unit.topics.update(topic, now)
                if updated is not None or not create_if_missing:
                    return updated
            return unit.topics.add(topic, now)

        stored = await self._store.write(save, "save_chat_topic")
        if stored is None:
            raise NotFound(
                f"ChatTopicId {topic_id} is not stored; send 0 to create a new topic (strict mode refuses unknown ids)",
                source=_SOURCE,
            )
        return _view(stored, right)

    async def delete_chat_topic_entity(self, principal: Principal, chat_topic_id: int) -> bool:
        """Delete a topic; False when it was not stored (answered alike; strict mode: NotFound).

        A topic that chat sessions still name is refused with a Conflict that gives their count, in both modes:
        SuperOffice does not say what happens to them, and deleting the topic would leave them pointing nowhere.
        """
        self._require(principal, DELETE, "delete")

        def delete(unit: Unit) -> bool:
            if not unit.topics.delete(chat_topic_id):
                return False  # not stored, whatever sessions name it
            sessions = unit.topics.session_count(chat_topic_id)
            if sessions:  # raised inside the job: the delete is undone
                raise Conflict(
                    f"ChatTopic {chat_topic_id} still has {sessions} chat session{'s' if sessions != 1 else ''};"
                    " delete or move them first",
                    source=_SOURCE,
                )
            return True

        deleted = await self._store.write(delete, "delete_chat_topic")
        if not deleted and self._strict:
            raise NotFound(f"ChatTopic {chat_topic_id} is not stored (strict mode)", source=_SOURCE)
        return deleted

    def _require(self, principal: Principal, bit: int, action: str) -> TableRight:
        right = chat_topic_table_right(principal)
        if not right.allows(bit):
            raise Forbidden(
                f"You may not {action} chat topics: your role '{principal.role.value}' lacks the right"
                " (administrators manage topics)",
                source=_SOURCE,
            )
        return right


def _view(stored: StoredTopic, right: TableRight) -> ChatTopicView:
    return ChatTopicView(stored.topic, right, stored.version, stored.updated_ticks)
