"""The unit of work (Store.write / read / run_admin: one transaction per job) and the one schema: what
sochat.store.schema describes is what the Alembic migrations build, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from sochat.domain.chat_session import ChatSession
from sochat.domain.principal import Role
from sochat.store.records import NewAssociate, NewToken
from sochat.store.repositories import Unit
from sochat.store.schema import metadata
from sochat.store.store import Store

pytestmark = pytest.mark.anyio
NOW = 638_000_000_000_000_000


class Refused(Exception):
    """What the job below raises after its writes."""


def two_writes_then_fail(unit: Unit) -> None:
    saved = unit.sessions.save(ChatSession(customer_name="first"), create_if_missing=True)
    assert saved.stored is not None
    assert unit.sessions.get(saved.stored.session.chat_session_id) is not None  # the job sees its own write
    unit.users.add(NewAssociate("second", Role.AGENT, None))
    raise Refused


async def test_a_job_that_fails_after_two_writes_stores_nothing(store: Store) -> None:
    """write() runs a job in one transaction: a session and a user written, then the job fails: neither is stored,
    and the next job works."""
    with pytest.raises(Refused):
        await store.write(two_writes_then_fail)
    assert await store.read(lambda unit: unit.sessions.count_by_status()) == {}
    assert await store.read(lambda unit: unit.users.find("second"), point=True) is None
    assert store.run_admin(lambda unit: unit.users.nothing_stored(), write=False)
    saved = await store.write(
        lambda unit: unit.sessions.save(ChatSession(customer_name="after"), create_if_missing=True)
    )
    assert saved.stored is not None and saved.stored.session.customer_name == "after"


def test_an_administration_job_that_fails_stores_nothing(store: Store) -> None:
    """run_admin is one transaction too."""
    with pytest.raises(Refused):
        store.run_admin(two_writes_then_fail)
    assert store.run_admin(lambda unit: unit.users.nothing_stored(), write=False)


async def test_a_job_of_several_writes_is_stored_whole(store: Store) -> None:
    """A user and a ticket written by one job are both there; a read job sees them together."""

    def add_user_and_ticket(unit: Unit) -> int:
        associate_id = unit.users.add(NewAssociate("both", Role.AGENT, None))
        unit.tokens.add(NewToken("hash", "ticket", associate_id, NOW * 2), NOW)
        return associate_id

    associate_id = await store.write(add_user_and_ticket)

    def user_and_ticket(unit: Unit) -> tuple[Any, Any]:
        return unit.users.find_by_id(associate_id), unit.tokens.find("hash", "ticket", NOW)

    user, ticket = await store.read(user_and_ticket)
    assert user is not None and user.user_name == "both"
    assert ticket is not None and ticket.user == user


# The lower() indexes are PostgreSQL's only (schema.py: ddl_if); Alembic says it skips them on SQLite.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_the_schema_is_what_the_migrations_build(store: Store) -> None:
    """Alembic finds no difference between sochat.store.schema and a migrated database: a change to the schema
    needs a revision in sochat/store/alembic/versions (and a changed migration needs the schema changed)."""
    dialect = store.engine.dialect

    def for_this_dialect(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        condition = getattr(obj, "_ddl_if", None)  # objects only one dialect has (schema.py: ddl_if)
        return reflected or condition is None or condition.dialect == dialect

    def compare(connection: Any) -> list[Any]:
        options = {"compare_type": True, "include_object": for_this_dialect}
        return list(compare_metadata(MigrationContext.configure(connection, opts=options), metadata))

    differences = store.engine.migrate(compare)
    if dialect == "sqlite":
        # SQLAlchemy reflects ON DELETE only from table-level FOREIGN KEY clauses, and our SQLite tables write
        # REFERENCES on the column: a foreign key that differs in nothing but its ON DELETE is not a difference.
        differences = [d for d in differences if d[0] not in ("remove_fk", "add_fk") or not _same_fk(d, differences)]
    assert differences == []


def _same_fk(difference: Any, differences: list[Any]) -> bool:
    columns = [c.name for c in difference[1].columns]
    kinds = {"remove_fk", "add_fk"}
    return sum(1 for d in differences if d[0] in kinds and [c.name for c in d[1].columns] == columns) == 2
