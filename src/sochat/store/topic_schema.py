"""chat_topic's columns beyond the name, description and welcome message that migrations 0001..0004 made: one
per top-level scalar or link of ChatTopicEntity, one JSON text column per nested settings object (OpeningHours,
Widget, BotSettings), and the bookkeeping a chat session's row has. Derived from the Struct, so a new property
shows up as a difference that the Alembic test asks a revision for (0002_chat_topic_entity made these).

Kept apart from schema.py so that the topic's storage is one module; schema.py adds these to its table.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, Integer, Text, false, literal_column

from sochat.domain.chat_topic import ChatTopicEntity
from sochat.domain.fields import Kind, fields_of

FIELDS = fields_of(ChatTopicEntity)
# Made by migration 0001 (the topic's first three properties after the id); the rest are this module's.
LEGACY = ("chat_topic_id", "name", "description", "welcome_message")
NESTED = tuple(field.attr for field in FIELDS if field.kind is Kind.OBJECT)

_TICKS = BigInteger().with_variant(Integer(), "sqlite")
_FLAG = Boolean().with_variant(Integer(), "sqlite")


def _column(attr: str, kind: Kind) -> Column[Any]:
    if kind is Kind.STRING:
        return Column(attr, Text, nullable=False, server_default=literal_column("''"))
    if kind is Kind.BOOL:
        return Column(attr, _FLAG, nullable=False, server_default=false())
    if kind is Kind.DATETIME:
        return Column(attr, _TICKS)  # null: never (SuperOffice's unset date)
    if kind is Kind.LINK:
        return Column(attr, Integer)  # null: no link
    if kind is Kind.OBJECT:
        # The nested Struct as msgspec's JSON; '{}' reads as its defaults (a topic stored before 0002).
        return Column(attr, Text, nullable=False, server_default=literal_column("'{}'"))
    assert kind is Kind.INT32, f"chat_topic has no column type for {attr} ({kind})"
    return Column(attr, Integer, nullable=False, server_default=literal_column("0"))


def topic_columns() -> list[Column[Any]]:
    """The columns 0002_chat_topic_entity adds, in the entity's order, then the bookkeeping."""
    return [
        *(_column(field.attr, field.kind) for field in FIELDS if field.attr not in LEGACY),
        # A counter for optimistic concurrency and the last write (0: stored before 0002), as chat_session has.
        Column("row_version", Integer, nullable=False, server_default=literal_column("1")),
        Column("updated_ticks", _TICKS, nullable=False, server_default=literal_column("0")),
    ]
