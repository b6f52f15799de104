"""Databases made before Alembic upgrade in place and keep every session, user, ticket and application:
SQLite from a file made by main at cd03de3 (tests/storage/data/README.md), PostgreSQL from a schema built here
by the legacy SQL files with rows inserted as that release inserted them."""

from __future__ import annotations

import shutil
from pathlib import Path

import msgspec
import pytest

from sochat.domain.chat_session import ChatSession
from sochat.domain.chat_topic import ChatTopicEntity
from sochat.domain.principal import Role
from sochat.security.tokens import token_hash
from sochat.store import migrations
from sochat.store.sqlite import SqliteEngine
from sochat.store.store import Store
from support.api import GET
from support.databases import Backend, postgres_backend
from support.inprocess import client_for, started_app

pytestmark = pytest.mark.anyio
DATA = Path(__file__).parent / "data"
TICKET = "7T:upgrade-test-ticket"
NOW = 639_000_000_000_000_000
FOREVER = 3_000_000_000_000_000_000
AFTER_BASELINE = ["0002_chat_topic_entity"]  # the Alembic revisions a database of the legacy migrations lacks


async def assert_kept(store: Store) -> None:
    """The records of the old database, each still usable."""
    users = {user.user_name: user for user in store.run_admin(lambda unit: unit.users.list(), write=False)}
    assert {name: (user.role, user.deleted) for name, user in users.items()} == {
        "tje0": (Role.ADMIN, False),
        "agent1": (Role.AGENT, False),
        "gone": (Role.AGENT, True),
    }
    assert await store.read(lambda unit: unit.users.find("TJE0"), point=True) == users["tje0"]
    [app] = store.run_admin(lambda unit: unit.applications.list(), write=False)
    assert (app.name, app.owner_id, app.revoked) == ("crm-app", users["tje0"].associate_id, False)
    assert (
        await store.read(lambda unit: unit.applications.find(token_hash("app-secret-for-upgrade-tests")), point=True)
        == app
    )
    ticket = await store.read(lambda unit: unit.tokens.find(token_hash(TICKET), "ticket", NOW), point=True)
    assert ticket is not None and ticket.user == users["tje0"]
    first = await store.read(lambda unit: unit.sessions.get(1), point=True)
    assert first is not None and first.version == 2
    assert (first.session.customer_name, first.session.last_message, first.session.customer_consented) == (
        "Ada",
        "bye",
        True,
    )
    assert first.session.user_id == users["agent1"].associate_id
    assert await store.read(lambda unit: unit.sessions.get(2), point=True) is None
    third = await store.read(lambda unit: unit.sessions.get(3), point=True)
    assert third is not None and third.session.chatbot_is_active is True
    # The topic main stored (name, description, welcome message) reads as a ChatTopicEntity with default values.
    topic = await store.read(lambda unit: unit.topics.get(1))
    assert topic is not None and topic.version == 1 and topic.updated_ticks == 0
    assert msgspec.structs.replace(topic.topic, name="", description="", welcome_message="") == ChatTopicEntity(
        chat_topic_id=1
    )
    assert (topic.topic.name, topic.topic.description) == ("Support", "Help desk")
    assert await store.read(lambda unit: unit.references.find({"Person": [5]}), point=True) == {
        ("Person", 5): {"PersonId": 5, "Firstname": "Ada"}
    }
    assert await store.read(lambda unit: unit.lockout.failures(["user:agent1"], NOW, NOW), point=True) == 1
    # A new session takes an id after every id handed out before (2 was deleted, never handed out again).
    fresh = await store.write(lambda unit: unit.sessions.save(ChatSession(customer_name="new"), create_if_missing=True))
    assert fresh.stored is not None and fresh.stored.session.chat_session_id == 4
    with started_app(store) as app:
        async with client_for(app) as client:
            answer = await client.post(
                GET, params={"chatSessionEntityId": 1}, headers={"Authorization": f"SOTicket {TICKET}"}
            )
    assert answer.status_code == 200, answer.text
    assert answer.json()["CustomerName"] == "Ada"


async def test_a_sqlite_database_made_by_main_upgrades_in_place(tmp_path: Path) -> None:
    """The file main made (migrations 0001..0004, no Alembic) gets only the revisions after the baseline, and keeps
    all."""
    path = shutil.copy(DATA / "main-cd03de3.db", tmp_path / "sochat.db")
    store = Store(SqliteEngine(path))
    try:
        assert store.migrate() == AFTER_BASELINE
        assert store.migrate() == []
        await assert_kept(store)
    finally:
        store.close()


def legacy(backend: Backend, upto: int, *, create_schema: str | None = None) -> None:
    """The schema of an earlier release: the legacy SQL files 1..upto, recorded as that release recorded them."""
    if create_schema is not None:
        backend.sql(f"CREATE SCHEMA {create_schema}")
    backend.sql(
        "CREATE TABLE schema_migration (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ticks BIGINT NOT NULL)"
    )
    for migration in migrations.load(backend.name)[:upto]:
        for statement in migrations.statements(migration.sql):
            backend.sql(statement)
        backend.sql("INSERT INTO schema_migration VALUES (?, ?, ?)", migration.version, migration.name, NOW)


def fill_as_main_did(backend: Backend) -> None:
    """The rows of tests/storage/data's file, inserted with the statements main at cd03de3 ran."""
    user = "INSERT INTO associate (name, user_name, full_name, role, password_hash, deleted) VALUES (?, ?, ?, ?, ?, ?)"
    backend.sql(user, "tje0", "tje0", "Tom Jensen", "admin", "$argon2id$stand-in", False)
    backend.sql(user, "agent1", "agent1", "", "agent", "$argon2id$stand-in", False)
    backend.sql(user, "gone", "gone", "", "agent", None, True)
    backend.sql("INSERT INTO chat_topic (name, description, welcome_message) VALUES ('Support', 'Help desk', 'Hi')")
    backend.sql("INSERT INTO reference_record VALUES ('Person', 5, ?)", '{"PersonId": 5, "Firstname": "Ada"}')
    backend.sql(
        "INSERT INTO application (name, token_hash, owner_id, created_ticks) VALUES (?, ?, 1, ?)",
        "crm-app",
        token_hash("app-secret-for-upgrade-tests"),
        NOW,
    )
    backend.sql(
        "INSERT INTO auth_token (token_hash, kind, associate_id, created_ticks, expires_ticks, used_ticks)"
        " VALUES (?, 'ticket', 1, ?, ?, ?)",
        token_hash(TICKET),
        NOW,
        FOREVER,
        NOW,
    )
    session = (
        "INSERT INTO chat_session (customer_name, last_message, customer_consented, chatbot_is_active, user_id,"
        " person_id, topic_id, status, row_version, updated_ticks) VALUES (?, ?, ?, ?, ?, 5, 1, 2, ?, ?)"
    )
    backend.sql(session, "Ada", "bye", True, False, 2, 2, NOW)
    backend.sql(session, "Deleted", None, False, False, None, 1, NOW)
    backend.sql("DELETE FROM chat_session WHERE chat_session_id = 2")
    backend.sql(session, "Bob", None, False, True, None, 1, NOW)
    backend.sql("INSERT INTO auth_failure VALUES ('user:agent1', 1, ?, 0)", NOW)


async def test_a_postgresql_schema_made_by_main_upgrades_in_place(postgres_url: str) -> None:
    """The legacy SQL files 0001..0004 and rows as main wrote them: migrate applies the revisions after the baseline
    and keeps all."""
    with postgres_backend(postgres_url) as backend:
        legacy(backend, 4, create_schema=backend.url.rsplit("schema=", 1)[1])
        fill_as_main_did(backend)
        store = backend.open(pool_size=2)
        try:
            assert store.migrate() == AFTER_BASELINE
            assert store.migrate() == []
            await assert_kept(store)
        finally:
            store.close()


def test_an_older_database_gets_the_migrations_it_lacks(backend: Backend) -> None:
    """A database of a release before 0003 gets 0003 and 0004, and ends as a new one does."""
    if backend.name == "postgresql":
        legacy(backend, 2, create_schema=backend.url.rsplit("schema=", 1)[1])
    else:
        legacy(backend, 2)
    store = backend.open()
    try:
        assert store.migrate() == ["0003_auth", "0004_auth_failure_expiry", *AFTER_BASELINE]
        assert store.migrate() == []
        assert store.integrity_check() == "ok"
    finally:
        store.close()
