"""Chat sessions and the Idempotency-Keys of the requests that created them."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from sqlalchemy import bindparam, delete, func, insert, select, update

from sochat.domain import datetimes
from sochat.domain.chat_session import FIELDS, ChatSession
from sochat.domain.fields import Kind
from sochat.domain.query import ListQuery
from sochat.domain.writes import IdempotencyKey, Precondition
from sochat.store.records import ListPage, SaveOutcome, StoredChatSession
from sochat.store.rules import check_precondition, replay_of
from sochat.store.schema import chat_session, idempotency_key
from sochat.store.sql import ONE, Repository, Row, Statement, new_id, upsert_by
from sochat.store.sql_query import list_statement

COLUMNS = [field.attr for field in FIELDS]
DATA = COLUMNS[1:]
_FLAGS = [field.attr for field in FIELDS if field.kind is Kind.BOOL]
_session_id = chat_session.c.chat_session_id
STORED = [*(chat_session.c[name] for name in COLUMNS), chat_session.c.row_version, chat_session.c.updated_ticks]

_SELECT = Statement(lambda d: select(*STORED).where(_session_id == bindparam("id")))
_INSERT = Statement(lambda d: insert(chat_session).returning(*STORED), keys=[*DATA, "updated_ticks"])
_CHECK = Statement(
    lambda d: (
        select(chat_session.c.row_version, chat_session.c.updated_ticks, chat_session.c.user_id)
        .where(_session_id == bindparam("id"))
        .with_for_update()
    )  # PostgreSQL: nothing changes (or reassigns) the row between the check and the write
)
_DELETE = Statement(lambda d: delete(chat_session).where(_session_id == bindparam("id")))
_COUNT = Statement(lambda d: select(chat_session.c.status, func.count()).group_by(chat_session.c.status))
ALL_SESSIONS = Statement(lambda d: select(*STORED).order_by(_session_id))


_UPSERT = Statement(
    upsert_by(chat_session, [*DATA, "updated_ticks"], "chat_session_id", row_version=chat_session.c.row_version + ONE),
    keys=[*COLUMNS, "updated_ticks"],
    explicit_id=True,
)


@functools.cache
def _update(keep: tuple[str, ...]) -> Statement:
    """UPDATE of every data column except those kept as stored, answering the row as stored."""
    return Statement(
        lambda d: (
            update(chat_session)
            .where(_session_id == bindparam("id"))
            .values(row_version=chat_session.c.row_version + ONE)
            .returning(*STORED)
        ),
        keys=[*(name for name in DATA if name not in keep), "updated_ticks"],
    )


def now_ticks() -> int:
    return datetimes.from_datetime(datetime.now(UTC))


def stored(row: Row) -> StoredChatSession:
    values = dict(zip(COLUMNS, row, strict=False))
    for name in _FLAGS:
        values[name] = bool(values[name])  # SQLite answers 0 and 1
    return StoredChatSession(ChatSession(**values), version=row[-2], updated_ticks=row[-1])


def values_of(session: ChatSession) -> dict[str, object]:
    return {name: getattr(session, name) for name in DATA}


class Sessions(Repository):
    def get(self, session_id: int) -> StoredChatSession | None:
        row = self.unit.one(_SELECT, id=session_id)
        return None if row is None else stored(row)

    def save(
        self,
        session: ChatSession,
        *,
        create_if_missing: bool,
        precondition: Precondition | None = None,
        idempotency: IdempotencyKey | None = None,
        keep: tuple[str, ...] = (),
    ) -> SaveOutcome:
        """Insert (id 0) or replace a session and answer it as stored.

        ``keep`` names attributes an update must leave as stored (fields the caller may not change).

        For a non-zero id that is not stored, or stored outside ``precondition.scope``: insert with a fresh
        id when ``create_if_missing``, otherwise answer ``SaveOutcome(None)`` and store nothing. A
        ``precondition`` that does not hold raises PreconditionFailed. With ``idempotency``, an unexpired
        key of the same owner answers the session it created (``replayed``) as it is now, whoever it is
        assigned to (the caller decides what it may show), instead of inserting again; the same key with
        another fingerprint raises Conflict.
        """
        unit, now = self.unit, now_ticks()
        if idempotency is not None:
            earlier = unit.idempotency.replay(idempotency, now)
            if earlier is not None:
                return SaveOutcome(self.get(earlier), replayed=True)
        session_id = session.chat_session_id
        values = values_of(session)
        row = None
        if session_id > 0:
            if self.check(session_id, precondition):
                row = unit.one(_update(keep), id=session_id, updated_ticks=now, **values)
            if row is None and not create_if_missing:
                return SaveOutcome(None)
        if row is None:
            row = unit.one(_INSERT, updated_ticks=now, **values)
            assert row is not None
            new_id(row[0], "ChatSession")
            if idempotency is not None:
                unit.idempotency.remember(idempotency, row[0])
        return SaveOutcome(stored(row))

    def check(self, session_id: int, precondition: Precondition | None) -> bool:
        """Apply the precondition to the stored row (sochat.store.rules); False: the row is outside the caller's
        scope, and the write treats it as not stored."""
        if precondition is None:
            return True
        row = self.unit.one(_CHECK, id=session_id)
        return check_precondition(session_id, None if row is None else (row[0], row[1], row[2]), precondition)

    def delete(self, session_id: int, *, precondition: Precondition | None = None) -> bool:
        """Delete a session; False when it was not stored (or is outside ``precondition.scope``, which is
        answered the same). The id is never handed out again."""
        if not self.check(session_id, precondition):
            return False  # outside the caller's scope: answered as not stored
        return self.unit.run(_DELETE, id=session_id).rowcount == 1

    def page(self, query: ListQuery) -> ListPage:
        """One page of sessions matching the query, in its order (keyset paging through ``query.after``)."""
        text, params = list_statement(query, STORED, self.unit.dialect)
        rows = self.unit.raw(text, params).fetchall()
        width = len(STORED)
        full = len(rows) == query.limit and rows
        return ListPage([stored(row[:width]) for row in rows], tuple(rows[-1][width:]) if full else None)

    def count_by_status(self) -> dict[int, int]:
        """How many sessions are stored in each status (for the metrics)."""
        return {int(status): int(count) for status, count in self.unit.run(_COUNT).fetchall()}

    def put(self, session: ChatSession, now: int) -> int:
        """Import: upsert by id, or insert with a fresh id for id 0; answers the id given (0 for a fresh one)."""
        if session.chat_session_id > 0:
            self.unit.run(_UPSERT, chat_session_id=session.chat_session_id, updated_ticks=now, **values_of(session))
            return session.chat_session_id
        self.insert(_INSERT, "ChatSession", updated_ticks=now, **values_of(session))
        return 0


_KEY = (idempotency_key.c.owner == bindparam("owner")) & (idempotency_key.c.key == bindparam("k"))
_FIND_KEY = Statement(
    lambda d: select(
        idempotency_key.c.fingerprint, idempotency_key.c.chat_session_id, idempotency_key.c.expires_ticks
    ).where(_KEY)
)
_FORGET_KEY = Statement(lambda d: delete(idempotency_key).where(_KEY))
_REMEMBER_KEY = Statement(
    lambda d: insert(idempotency_key), keys=["owner", "key", "fingerprint", "chat_session_id", "expires_ticks"]
)


class Idempotency(Repository):
    def replay(self, key: IdempotencyKey, now: int) -> int | None:
        """The session an unexpired earlier request with this key created, if any. Two requests with the same
        key run one after the other (Unit.lock): the second finds what the first created."""
        self.unit.lock(f"idempotency:{key.owner}:{key.key}")
        row = self.unit.one(_FIND_KEY, owner=key.owner, k=key.key)
        earlier, expired = replay_of(None if row is None else (row[0], row[1], row[2]), key, now)
        if expired:
            self.unit.run(_FORGET_KEY, owner=key.owner, k=key.key)
        return earlier

    def remember(self, key: IdempotencyKey, session_id: int) -> None:
        self.unit.run(
            _REMEMBER_KEY,
            owner=key.owner,
            key=key.key,
            fingerprint=key.fingerprint,
            chat_session_id=session_id,
            expires_ticks=key.expires_ticks,
        )
