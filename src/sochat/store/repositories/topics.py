"""Chat topics as ChatTopicEntity: one row of chat_topic each, the nested settings (OpeningHours, Widget,
BotSettings) in a JSON text column each, encoded and decoded whole with msgspec (store/topic_schema.py)."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec
from sqlalchemy import bindparam, delete, func, insert, select, update

from sochat.domain.chat_topic import ChatTopicEntity
from sochat.domain.fields import Kind
from sochat.store.schema import chat_session, chat_topic
from sochat.store.sql import ONE, Repository, Row, Statement, new_id
from sochat.store.topic_schema import FIELDS, NESTED

COLUMNS = [field.attr for field in FIELDS]
DATA = COLUMNS[1:]
_FLAGS = [field.attr for field in FIELDS if field.kind is Kind.BOOL]
_NESTED_TYPES = {field.attr: field.shape for field in FIELDS if field.attr in NESTED}
_topic_id = chat_topic.c.chat_topic_id
STORED = [*(chat_topic.c[name] for name in COLUMNS), chat_topic.c.row_version, chat_topic.c.updated_ticks]

_SELECT = Statement(lambda d: select(*STORED).where(_topic_id == bindparam("id")))
_INSERT = Statement(lambda d: insert(chat_topic).returning(*STORED), keys=[*DATA, "updated_ticks"])
_UPDATE = Statement(
    lambda d: (
        update(chat_topic)
        .where(_topic_id == bindparam("id"))
        .values(row_version=chat_topic.c.row_version + ONE)
        .returning(*STORED)
    ),
    keys=[*DATA, "updated_ticks"],
)
_DELETE = Statement(lambda d: delete(chat_topic).where(_topic_id == bindparam("id")))
_SESSIONS = Statement(lambda d: select(func.count()).where(chat_session.c.topic_id == bindparam("id")))


@dataclass(frozen=True, slots=True)
class StoredTopic:
    """A topic as stored, with the bookkeeping that is not part of the entity."""

    topic: ChatTopicEntity
    version: int  # 1 on insert, +1 on every write
    updated_ticks: int  # the last write, UTC .NET ticks (0: stored before revision 0002)


def _stored(row: Row) -> StoredTopic:
    values = dict(zip(COLUMNS, row, strict=False))
    for name in _FLAGS:
        values[name] = bool(values[name])  # SQLite answers 0 and 1
    for name, shape in _NESTED_TYPES.items():
        values[name] = msgspec.json.decode(values[name], type=shape)
    return StoredTopic(ChatTopicEntity(**values), version=row[-2], updated_ticks=row[-1])


def _values(topic: ChatTopicEntity) -> dict[str, object]:
    values = {name: getattr(topic, name) for name in DATA}
    for name in NESTED:
        values[name] = msgspec.json.encode(values[name]).decode()
    return values


class Topics(Repository):
    def get(self, topic_id: int) -> StoredTopic | None:
        row = self.unit.one(_SELECT, id=topic_id)
        return None if row is None else _stored(row)

    def add(self, topic: ChatTopicEntity, now: int) -> StoredTopic:
        """A new topic with a fresh id (the one given is ignored)."""
        row = self.unit.one(_INSERT, updated_ticks=now, **_values(topic))
        assert row is not None
        new_id(row[0], "ChatTopic")
        return _stored(row)

    def update(self, topic: ChatTopicEntity, now: int) -> StoredTopic | None:
        """Replace the stored topic of the same id; None when none is stored."""
        row = self.unit.one(_UPDATE, id=topic.chat_topic_id, updated_ticks=now, **_values(topic))
        return None if row is None else _stored(row)

    def delete(self, topic_id: int) -> bool:
        return self.unit.run(_DELETE, id=topic_id).rowcount == 1

    def session_count(self, topic_id: int) -> int:
        """How many stored chat sessions name the topic."""
        row = self.unit.one(_SESSIONS, id=topic_id)
        return 0 if row is None else int(row[0])
