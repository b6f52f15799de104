"""The records a chat session links to (find_links): associates, topics, and persons, contacts, projects, sales
and tickets kept as one JSON object per record."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping

from sqlalchemy import Text, bindparam, cast, select

from sochat.domain.carriers import ASSOCIATE
from sochat.domain.enums import USER_TYPE
from sochat.store.schema import associate, chat_topic, reference_record
from sochat.store.sql import Repository, Statement, among

_A = associate.c
# The associate columns in the order of the carrier's first twelve properties (AssociateId, Name, ...).
_CARRIER = [
    *(_A[name] for name in ("associate_id", "name", "person_id", "rank", "tooltip", "user_type", "group_idx")),
    *(_A[name] for name in ("full_name", "formal_name", "deleted", "ej_user_id", "user_name")),
]
_NAMES = [name for name, _ in ASSOCIATE.properties][: len(_CARRIER)]
_R = reference_record.c
_DATA = cast(_R.data, Text)  # the JSON as written: both databases answer the same objects, in the same order


@functools.lru_cache(maxsize=256)
def _find(carrier: str, count: int) -> Statement:
    """The records of a carrier with ``count`` ids (:i0, :i1, ...)."""
    if carrier == "Associate":
        return Statement(lambda d: select(*_CARRIER).where(among(_A.associate_id, "i", count)))
    if carrier == "ChatTopic":
        return Statement(
            lambda d: select(chat_topic.c.chat_topic_id, chat_topic.c.name).where(
                among(chat_topic.c.chat_topic_id, "i", count)
            )
        )
    return Statement(lambda d: select(_R.id, _DATA).where(_R.carrier == bindparam("carrier"), among(_R.id, "i", count)))


class References(Repository):
    def find(self, wanted: Mapping[str, Iterable[int]]) -> dict[tuple[str, int], dict[str, object]]:
        """Reference records by carrier name ("Associate", "Person", ..., "ChatTopic") and id: {(carrier, id):
        carrier properties} for the ids sochat knows; unknown ids are absent."""
        found: dict[tuple[str, int], dict[str, object]] = {}
        for carrier, given in wanted.items():
            ids = sorted(set(given))
            if not ids:
                continue
            params: dict[str, object] = {f"i{i}": value for i, value in enumerate(ids)}
            rows = self.unit.run(_find(carrier, len(ids)), carrier=carrier, **params).fetchall()
            for row in rows:
                if carrier == "Associate":
                    values = list(row)
                    values[5] = USER_TYPE.format(values[5])
                    values[9] = bool(values[9])
                    found[(carrier, row[0])] = dict(zip(_NAMES, values, strict=True))
                elif carrier == "ChatTopic":
                    found[(carrier, row[0])] = {"ChatTopicId": row[0], "Name": row[1]}
                else:
                    found[(carrier, row[0])] = json.loads(row[1])
        return found
