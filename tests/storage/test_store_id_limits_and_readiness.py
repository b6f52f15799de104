"""Ids stop at int32's end on both databases (SQLite's rowid would go on to 2**63), and ping is readiness: it
fails when the database cannot take writes."""

from __future__ import annotations

import pytest

from sochat.domain.chat_session import ChatSession
from sochat.domain.errors import IdsExhausted, Unavailable
from sochat.domain.fields import INT32_MAX
from sochat.http.errors import status_and_type
from sochat.store.records import NewTopic
from sochat.store.store import Store
from sochat.store.url import open_store
from sochat.transfer.records import TopicRow, parse_row
from support.databases import postgres_backend, with_query

pytestmark = pytest.mark.anyio


def session_row(chat_session_id: int, name: str) -> ChatSession:
    row = parse_row("ChatSession", {"ChatSessionId": chat_session_id, "CustomerName": name})
    assert isinstance(row, ChatSession)
    return row


async def count(store: Store) -> int:
    return sum((await store.read(lambda unit: unit.sessions.count_by_status())).values())


async def test_a_create_after_the_highest_id_is_refused_and_stores_nothing(store: Store) -> None:
    """Once int32's highest id is taken, a create raises IdsExhausted (507) and stores nothing, every time;
    updating the session with that id still works."""
    store.run_admin(lambda unit: unit.transfer.load([session_row(INT32_MAX, "last")]))
    for _ in range(2):
        with pytest.raises(IdsExhausted) as refused:
            await store.write(
                lambda unit: unit.sessions.save(ChatSession(customer_name="too many"), create_if_missing=True)
            )
        assert status_and_type(refused.value)[0] == 507
        assert "ChatSession" in refused.value.message
    assert await count(store) == 1
    updated = await store.write(
        lambda unit: unit.sessions.save(
            ChatSession(chat_session_id=INT32_MAX, customer_name="changed"), create_if_missing=False
        )
    )
    assert updated.stored is not None
    assert updated.stored.session.customer_name == "changed"


async def test_an_import_of_new_rows_after_the_highest_id_loads_nothing(store: Store) -> None:
    """Rows without an id after the highest one is taken: the import is refused as a whole."""
    store.run_admin(lambda unit: unit.transfer.load([session_row(INT32_MAX, "last")]))
    with pytest.raises(IdsExhausted):
        store.run_admin(lambda unit: unit.transfer.load([session_row(5, "given id"), session_row(0, "needs a new id")]))
    assert await count(store) == 1


async def test_importing_the_highest_id_again_works(store: Store) -> None:
    """Upserting by id at int32's end does not need a next id (PostgreSQL's nextval has none left)."""
    store.run_admin(lambda unit: unit.transfer.load([session_row(INT32_MAX, "first")]))
    store.run_admin(lambda unit: unit.transfer.load([session_row(INT32_MAX, "second"), session_row(7, "seven")]))
    stored = await store.read(lambda unit: unit.sessions.get(INT32_MAX), point=True)
    assert stored is not None
    assert stored.session.customer_name == "second"
    assert await count(store) == 2


async def test_topics_stop_at_int32_too(store: Store) -> None:
    """The same rule for every table with handed-out ids: a topic after the highest topic id is refused."""
    store.run_admin(lambda unit: unit.transfer.load([TopicRow(INT32_MAX, "last topic", "", "")]))
    with pytest.raises(IdsExhausted) as refused:
        store.run_admin(lambda unit: unit.transfer.add_topic(NewTopic("one too many")))
    assert "ChatTopic" in refused.value.message


async def test_ping_passes_on_a_writable_database(store: Store) -> None:
    """Readiness on a database that reads and writes: no error, and nothing is changed by it."""
    before = await count(store)
    await store.ping()
    await store.ping()
    assert await count(store) == before


async def test_ping_fails_when_postgresql_transactions_are_read_only(postgres_url: str) -> None:
    """A PostgreSQL server whose transactions are read-only (a standby, default_transaction_read_only) is not
    ready: ping raises Unavailable saying so. (SQLite's read-only file is tested on a real server in tests/e2e.)"""
    with postgres_backend(postgres_url) as backend:
        writable = backend.open(pool_size=1)
        try:
            writable.migrate()
        finally:
            writable.close()
        store = open_store(with_query(backend.url, "options=-cdefault_transaction_read_only%3Don"), pool_size=1)
        try:
            with pytest.raises(Unavailable) as refused:
                await store.ping()
            assert "read-only" in refused.value.message
        finally:
            store.close()
