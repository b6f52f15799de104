"""Import and export of records (sochat import / export): every kind upserted by id, or given a fresh id."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from sqlalchemy import Text, bindparam, cast, insert, select

from sochat.domain.chat_session import ChatSession
from sochat.domain.errors import ImportConflict
from sochat.domain.principal import Role
from sochat.store.records import ASSOCIATE_COLUMNS, AssociateRow, NewTopic, ReferenceRow, Row, TopicRow
from sochat.store.repositories.sessions import ALL_SESSIONS, now_ticks, stored
from sochat.store.rules import replaces_credentials
from sochat.store.schema import associate, chat_topic, reference_record
from sochat.store.sql import Repository, Statement, upsert_by
from sochat.store.sql import Row as DbRow

_A, _C, _R = associate.c, chat_topic.c, reference_record.c
_TOPIC = ["name", "description", "welcome_message"]


_ASSOCIATE_UPSERT = Statement(
    upsert_by(associate, ASSOCIATE_COLUMNS, "associate_id"),
    keys=["associate_id", *ASSOCIATE_COLUMNS, "password_hash"],
    explicit_id=True,
)
_ASSOCIATE_INSERT = Statement(
    lambda d: insert(associate).returning(_A.associate_id), keys=[*ASSOCIATE_COLUMNS, "password_hash"]
)
_STORED_ASSOCIATE = Statement(lambda d: select(_A.password_hash, _A.deleted).where(_A.associate_id == bindparam("id")))
_TOPIC_UPSERT = Statement(
    upsert_by(chat_topic, _TOPIC, "chat_topic_id"), keys=["chat_topic_id", *_TOPIC], explicit_id=True
)
_TOPIC_INSERT = Statement(lambda d: insert(chat_topic).returning(_C.chat_topic_id), keys=_TOPIC)
_REFERENCE_UPSERT = Statement(upsert_by(reference_record, ["data"], "carrier", "id"), keys=["carrier", "id", "data"])

_ASSOCIATES = Statement(
    lambda d: select(_A.associate_id, *(_A[c] for c in ASSOCIATE_COLUMNS), _A.password_hash).order_by(_A.associate_id)
)
_TOPICS = Statement(lambda d: select(_C.chat_topic_id, *(_C[c] for c in _TOPIC)).order_by(_C.chat_topic_id))
_REFERENCES = Statement(
    lambda d: select(_R.id, cast(_R.data, Text)).where(_R.carrier == bindparam("carrier")).order_by(_R.id)
)
# The tables whose ids an import may give: (table, id column) by kind.
ID_COLUMNS = {
    "ChatSession": ("chat_session", "chat_session_id"),
    "Associate": ("associate", "associate_id"),
    "ChatTopic": ("chat_topic", "chat_topic_id"),
}


def _associate_row(r: DbRow) -> AssociateRow:
    return AssociateRow(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], bool(r[10]), r[11], Role(r[12]), r[13]
    )


class Transfer(Repository):
    def load(self, rows: Iterable[Row]) -> dict[str, int]:
        """Upsert every row by id (all or nothing: the job's one transaction); answer counts per kind.

        Rows with id 0 are inserted with a fresh id. Ids given explicitly are never handed out again.
        """
        now = now_ticks()
        counts: dict[str, int] = {}
        highest: dict[str, int] = {}  # the largest explicit id per kind
        try:
            for row in rows:
                kind, given = self.put(row, now)
                counts[kind] = counts.get(kind, 0) + 1
                highest[kind] = max(highest.get(kind, 0), given)
        except self.unit.integrity_error as exc:
            reason = str(exc).strip().splitlines()[0]
            raise ImportConflict(f"the import breaks a uniqueness rule ({reason}); nothing was loaded") from None
        for kind, given in highest.items():
            if given and kind in ID_COLUMNS:
                self.unit.ids_given(*ID_COLUMNS[kind], given)
        return counts

    def add_topic(self, topic: NewTopic) -> int:
        return self.topic(TopicRow(0, topic.name, topic.description, topic.welcome_message))[0]

    def put(self, row: Row, now: int) -> tuple[str, int]:
        """Upsert one row by id (a fresh id for id 0); answer its kind and the id it gave (0: a fresh one)."""
        if isinstance(row, ChatSession):
            return "ChatSession", self.unit.sessions.put(row, now)
        if isinstance(row, AssociateRow):
            return "Associate", self._associate(row)
        if isinstance(row, TopicRow):
            return "ChatTopic", self.topic(row)[1]
        self.unit.run(_REFERENCE_UPSERT, carrier=row.carrier, id=row.id, data=json.dumps(row.data, ensure_ascii=False))
        return row.carrier, 0

    def topic(self, row: TopicRow) -> tuple[int, int]:
        """(the topic's id, the id given or 0)."""
        values = {"name": row.name, "description": row.description, "welcome_message": row.welcome_message}
        if row.chat_topic_id > 0:
            self.unit.run(_TOPIC_UPSERT, chat_topic_id=row.chat_topic_id, **values)
            return row.chat_topic_id, row.chat_topic_id
        return self.insert(_TOPIC_INSERT, "ChatTopic", **values), 0

    def _associate(self, row: AssociateRow) -> int:
        """Revokes the credentials of a stored user whose password the row changes or whom it retires, as
        `sochat user passwd` and `sochat user delete` do."""
        values = {name: getattr(row, name) for name in ASSOCIATE_COLUMNS}
        values.update(name=row.name or row.user_name, role=row.role.value, password_hash=row.password_hash)
        if row.associate_id <= 0:
            self.insert(_ASSOCIATE_INSERT, "Associate", **values)
            return 0
        before = self.unit.one(_STORED_ASSOCIATE, id=row.associate_id)
        if replaces_credentials(None if before is None else (before[0], before[1]), row.password_hash, row.deleted):
            self.unit.tokens.revoke_user(row.associate_id)
        self.unit.run(_ASSOCIATE_UPSERT, associate_id=row.associate_id, **values)
        return row.associate_id

    @staticmethod
    def export(kind: str) -> tuple[Statement, dict[str, object], Callable[[DbRow], Row]]:
        """The query of every record of a kind, in id order, and what makes a row of each answer."""
        if kind == "ChatSession":
            return ALL_SESSIONS, {}, lambda r: stored(r).session
        if kind == "Associate":
            return _ASSOCIATES, {}, _associate_row
        if kind == "ChatTopic":
            return _TOPICS, {}, lambda r: TopicRow(*r)
        return _REFERENCES, {"carrier": kind}, lambda r: ReferenceRow(kind, r[0], json.loads(r[1]))
