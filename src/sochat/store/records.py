"""The records the store reads and writes in bulk (sochat import / export): one type per kind of row.

They belong to the store, whose import_records and export_records speak them; sochat.transfer converts them
from and to files. (They lived in sochat.transfer.records, which made store and transfer import each other.)
"""

from __future__ import annotations

from dataclasses import dataclass

from sochat.domain.chat_session import ChatSession
from sochat.domain.principal import Role


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
