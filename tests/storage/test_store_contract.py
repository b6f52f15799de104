"""The Store contract: every backend behaves the same. Each test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from datetime import UTC, datetime

import pytest

from sochat.domain import datetimes
from sochat.domain.chat_session import ChatSession
from sochat.domain.errors import Conflict, ImportConflict, PreconditionFailed, Unavailable
from sochat.domain.fields import INT32_MAX, INT32_MIN
from sochat.domain.principal import Role
from sochat.domain.query import And, Compare, Expr, InList, ListQuery, Or, Text, TextMatch
from sochat.domain.rights import SessionScope
from sochat.domain.writes import IdempotencyKey, Precondition
from sochat.store import alembic, migrations
from sochat.store.records import AppRecord, NewAssociate, NewToken, NewTopic, TokenRecord, UserRecord
from sochat.store.store import Store
from sochat.transfer.records import AssociateRow, ReferenceRow, Row, TopicRow
from support.databases import Backend

pytestmark = pytest.mark.anyio

# Ticks with all seven fractional digits in use, and the extremes .NET allows.
TICKS_7_DIGITS = 638_698_405_651_234_567  # 2024-12-15T08:22:45.1234567Z
FULL = ChatSession(
    chat_session_id=0,
    topic_id=7,
    user_id=11,
    person_id=4711,
    customer_alias="æ" * 64,  # the limits count characters, not bytes
    customer_host="h" * 255,
    customer_name="Schiller, Hilpert and Labadie ✓",
    customer_email="mckayla@sengeryost.uk",
    customer_phone="5" * 32,
    customer_consented=True,
    customer_company_name="Williamson, Weber and Grimes",
    status=3,
    first_message="m" * 1024,
    last_message="Have a great day! æøå 😀",
    when_requested=TICKS_7_DIGITS,
    when_started=TICKS_7_DIGITS + 1,
    when_ended=datetimes.MAX_TICKS,
    when_idle=1,
    when_fetched=630_822_816_000_000_009,
    session_key="chat-2347-jsmith-20241215",
    initial_queue_pos=INT32_MAX,
    alert_level=INT32_MIN,
    rank=-1,
    flags=0b111,
    contact_id=12,
    project_id=13,
    sale_id=14,
    ticket_id=15,
    transfer_to_id=INT32_MAX,
    chatbot_is_active=True,
    rating=957,
)
OTHER = ChatSession(
    topic_id=8,
    user_id=2,
    customer_alias="jsmith",
    customer_name="John Smith",
    status=1,
    when_requested=TICKS_7_DIGITS + 9_999_999,
    when_ended=TICKS_7_DIGITS - 1,
    session_key="other",
    flags=1,
    rating=1,
)


def now_ticks() -> int:
    return datetimes.from_datetime(datetime.now(UTC))


def with_id(session: ChatSession, chat_session_id: int) -> ChatSession:
    return dataclasses.replace(session, chat_session_id=chat_session_id)


async def insert(store: Store, session: ChatSession = FULL) -> int:
    """Insert a copy of ``session``; answer its new id."""
    outcome = await store.write(lambda unit: unit.sessions.save(with_id(session, 0), create_if_missing=True))
    assert outcome.stored is not None
    return outcome.stored.session.chat_session_id


def count_sessions(backend: Backend) -> int:
    return int(backend.sql("SELECT count(*) FROM chat_session")[0][0])


def key(name: str = "k1", *, owner: int = 1, fingerprint: str = "f1", expires: int | None = None) -> IdempotencyKey:
    return IdempotencyKey(owner, name, fingerprint, now_ticks() + 3600 * 10**7 if expires is None else expires)


# -- insert, update, replace -----------------------------------------------------------------------------


async def test_insert_round_trips_every_property(store: Store) -> None:
    """An insert stores every property exactly (7-digit ticks, limits, extremes) and answers it as stored."""
    before = now_ticks()
    outcome = await store.write(lambda unit: unit.sessions.save(FULL, create_if_missing=True))
    assert outcome.stored is not None and not outcome.replayed
    stored = outcome.stored
    assert stored.session.chat_session_id > 0
    assert stored.session == with_id(FULL, stored.session.chat_session_id)
    assert stored.version == 1
    assert before <= stored.updated_ticks <= now_ticks()
    assert await store.read(lambda unit: unit.sessions.get(stored.session.chat_session_id), point=True) == stored


async def test_update_replaces_every_property(store: Store) -> None:
    """Saving a stored id replaces all properties with the new ones, counts the version up, keeps the id."""
    first = await insert(store)
    outcome = await store.write(lambda unit: unit.sessions.save(with_id(OTHER, first), create_if_missing=False))
    assert outcome.stored is not None
    assert outcome.stored.session == with_id(OTHER, first)
    assert outcome.stored.version == 2
    assert await store.read(lambda unit: unit.sessions.get(first), point=True) == outcome.stored


async def test_update_with_defaults_clears_every_property(store: Store) -> None:
    """A save is a whole entity: saving defaults over a full session leaves nothing of the old values."""
    first = await insert(store)
    outcome = await store.write(
        lambda unit: unit.sessions.save(ChatSession(chat_session_id=first), create_if_missing=False)
    )
    assert outcome.stored is not None
    assert outcome.stored.session == ChatSession(chat_session_id=first)
    stored = await store.read(lambda unit: unit.sessions.get(first), point=True)
    assert stored is not None and stored.session == ChatSession(chat_session_id=first)


async def test_update_touches_only_its_own_row(store: Store) -> None:
    """Replacing one session leaves another untouched."""
    first, second = await insert(store), await insert(store, OTHER)
    await store.write(lambda unit: unit.sessions.save(ChatSession(chat_session_id=first), create_if_missing=False))
    stored = await store.read(lambda unit: unit.sessions.get(second), point=True)
    assert stored is not None and stored.session == with_id(OTHER, second) and stored.version == 1


async def test_get_unknown_id_answers_none(store: Store) -> None:
    """Reading an id that was never stored answers None."""
    assert await store.read(lambda unit: unit.sessions.get(123_456), point=True) is None


async def test_unknown_id_with_create_if_missing_gets_a_fresh_id(store: Store, backend: Backend) -> None:
    """An unknown non-zero id with create_if_missing inserts under a fresh id, not the one asked for."""
    outcome = await store.write(lambda unit: unit.sessions.save(with_id(FULL, 900_000), create_if_missing=True))
    assert outcome.stored is not None
    new_id = outcome.stored.session.chat_session_id
    assert new_id not in (0, 900_000)
    assert outcome.stored.session == with_id(FULL, new_id)
    assert await store.read(lambda unit: unit.sessions.get(900_000), point=True) is None
    assert count_sessions(backend) == 1


async def test_unknown_id_without_create_if_missing_stores_nothing(store: Store, backend: Backend) -> None:
    """An unknown id without create_if_missing answers no session and stores nothing."""
    outcome = await store.write(lambda unit: unit.sessions.save(with_id(FULL, 900_000), create_if_missing=False))
    assert outcome.stored is None and not outcome.replayed
    assert count_sessions(backend) == 0
    assert store.run_admin(lambda unit: unit.users.nothing_stored(), write=False)


async def test_too_long_string_is_refused_and_nothing_stored(store: Store, backend: Backend) -> None:
    """The database's own length limit refuses a string one character too long; nothing is stored."""
    with pytest.raises(backend.integrity_error):
        await store.write(
            lambda unit: unit.sessions.save(dataclasses.replace(FULL, customer_alias="æ" * 65), create_if_missing=True)
        )
    assert count_sessions(backend) == 0


# -- ids -------------------------------------------------------------------------------------------------


async def test_ids_are_unique_and_increasing(store: Store) -> None:
    """Each insert gets a new id, larger than the one before."""
    ids = [await insert(store) for _ in range(5)]
    assert ids == sorted(set(ids))


async def test_session_ids_are_never_reused_after_delete(store: Store, backend: Backend) -> None:
    """Deleting the newest session does not hand its id out again, not even from a newly opened store."""
    ids = [await insert(store) for _ in range(3)]
    assert await store.write(lambda unit: unit.sessions.delete(ids[-1]))
    assert await insert(store) > ids[-1]
    backend.sql("DELETE FROM chat_session")
    store.close()
    reopened = backend.open()
    try:
        assert reopened.migrate() == []
        assert await insert(reopened) > ids[-1] + 1
    finally:
        reopened.close()


async def test_associate_and_topic_ids_are_never_reused(store: Store, backend: Backend) -> None:
    """Associate and topic ids are not reused after their rows are deleted."""
    associate = store.run_admin(lambda unit: unit.users.add(NewAssociate("a1", Role.AGENT, None)))
    topic = store.run_admin(lambda unit: unit.transfer.add_topic(NewTopic("Sales")))
    backend.sql("DELETE FROM associate")
    backend.sql("DELETE FROM chat_topic")
    assert store.run_admin(lambda unit: unit.users.add(NewAssociate("a1", Role.AGENT, None))) > associate
    assert store.run_admin(lambda unit: unit.transfer.add_topic(NewTopic("Sales"))) > topic


# -- delete and preconditions ----------------------------------------------------------------------------


async def test_delete_removes_the_session_once(store: Store) -> None:
    """Delete answers True and removes the session; a second delete answers False."""
    first = await insert(store)
    assert await store.write(lambda unit: unit.sessions.delete(first))
    assert await store.read(lambda unit: unit.sessions.get(first), point=True) is None
    assert not await store.write(lambda unit: unit.sessions.delete(first))


async def test_matching_version_precondition_lets_the_write_through(store: Store) -> None:
    """A save whose If-Match version is the stored one is applied."""
    first = await insert(store)
    outcome = await store.write(
        lambda unit: unit.sessions.save(
            with_id(OTHER, first), create_if_missing=False, precondition=Precondition(versions=(1,))
        )
    )
    assert outcome.stored is not None and outcome.stored.version == 2


async def test_stale_version_precondition_refuses_save_and_delete(store: Store) -> None:
    """A stale If-Match version refuses both save and delete and changes nothing."""
    first = await insert(store)
    await store.write(lambda unit: unit.sessions.save(with_id(OTHER, first), create_if_missing=False))
    with pytest.raises(PreconditionFailed):
        await store.write(
            lambda unit: unit.sessions.save(
                with_id(FULL, first), create_if_missing=False, precondition=Precondition((1,))
            )
        )
    with pytest.raises(PreconditionFailed):
        await store.write(lambda unit: unit.sessions.delete(first, precondition=Precondition(versions=(1,))))
    stored = await store.read(lambda unit: unit.sessions.get(first), point=True)
    assert stored is not None and stored.session == with_id(OTHER, first) and stored.version == 2


async def test_unmodified_since_precondition(store: Store) -> None:
    """If-Unmodified-Since before the last write refuses the save; at or after it lets it through."""
    first = await insert(store)
    stored = await store.read(lambda unit: unit.sessions.get(first), point=True)
    assert stored is not None
    earlier = Precondition(unmodified_since_ticks=stored.updated_ticks - 1)
    with pytest.raises(PreconditionFailed):
        await store.write(
            lambda unit: unit.sessions.save(with_id(OTHER, first), create_if_missing=False, precondition=earlier)
        )
    same = Precondition(unmodified_since_ticks=stored.updated_ticks)
    outcome = await store.write(
        lambda unit: unit.sessions.save(with_id(OTHER, first), create_if_missing=False, precondition=same)
    )
    assert outcome.stored is not None and outcome.stored.version == 2


async def test_version_precondition_on_missing_id_is_refused(store: Store, backend: Backend) -> None:
    """If-Match on an id that is not stored fails, even with create_if_missing; nothing is stored."""
    with pytest.raises(PreconditionFailed):
        await store.write(
            lambda unit: unit.sessions.save(with_id(FULL, 777), create_if_missing=True, precondition=Precondition((1,)))
        )
    assert count_sessions(backend) == 0


async def test_update_leaves_kept_attributes_as_stored(store: Store) -> None:
    """An update with ``keep`` writes every other attribute and leaves the kept ones as they were."""
    first = await insert(store)
    outcome = await store.write(
        lambda unit: unit.sessions.save(
            with_id(OTHER, first), create_if_missing=False, keep=("user_id", "customer_name", "when_ended")
        )
    )
    expected = dataclasses.replace(
        with_id(OTHER, first), user_id=FULL.user_id, customer_name=FULL.customer_name, when_ended=FULL.when_ended
    )
    assert outcome.stored is not None and outcome.stored.session == expected
    stored = await store.read(lambda unit: unit.sessions.get(first), point=True)
    assert stored is not None and stored.session == expected and stored.version == 2


async def test_keep_does_not_apply_to_inserts(store: Store) -> None:
    """A save that inserts stores every attribute given, kept ones included."""
    outcome = await store.write(
        lambda unit: unit.sessions.save(with_id(FULL, 4242), create_if_missing=True, keep=("user_id",))
    )
    assert outcome.stored is not None
    assert outcome.stored.session == with_id(FULL, outcome.stored.session.chat_session_id)


async def test_scope_treats_sessions_outside_it_as_not_stored(store: Store, backend: Backend) -> None:
    """A write with the caller's SessionScope treats a session assigned to someone else exactly as an id that is
    not stored (no update, no delete, If-Match fails as on a missing id, or a fresh insert), and writes its own
    and unassigned sessions."""
    theirs = await insert(store, dataclasses.replace(OTHER, user_id=5))
    unassigned = await insert(store, dataclasses.replace(OTHER, user_id=None))
    before = await store.read(lambda unit: unit.sessions.get(theirs), point=True)
    agent6 = SessionScope(6)
    hidden = await store.write(
        lambda unit: unit.sessions.save(
            with_id(FULL, theirs), create_if_missing=False, precondition=Precondition(scope=agent6)
        )
    )
    assert hidden.stored is None
    assert not await store.write(lambda unit: unit.sessions.delete(theirs, precondition=Precondition(scope=agent6)))
    for missing_or_hidden in (theirs, 777):
        with pytest.raises(PreconditionFailed, match=f"ChatSession {missing_or_hidden} does not exist"):
            await store.write(
                lambda unit, missing_or_hidden=missing_or_hidden: unit.sessions.save(
                    with_id(FULL, missing_or_hidden),
                    create_if_missing=True,
                    precondition=Precondition(versions=(1,), scope=agent6),
                )
            )
    fresh = await store.write(
        lambda unit: unit.sessions.save(
            with_id(FULL, theirs), create_if_missing=True, precondition=Precondition(scope=agent6)
        )
    )
    assert fresh.stored is not None and fresh.stored.session.chat_session_id not in (theirs, unassigned)
    assert await store.read(lambda unit: unit.sessions.get(theirs), point=True) == before
    assert count_sessions(backend) == 3

    mine = await store.write(
        lambda unit: unit.sessions.save(
            with_id(FULL, theirs), create_if_missing=False, precondition=Precondition(scope=SessionScope(5))
        )
    )
    assert mine.stored is not None and mine.stored.version == 2
    taken = await store.write(
        lambda unit: unit.sessions.save(
            with_id(FULL, unassigned), create_if_missing=False, precondition=Precondition(scope=agent6)
        )
    )
    assert taken.stored is not None and taken.stored.session.user_id == FULL.user_id
    assert (
        await store.write(
            lambda unit: unit.sessions.delete(
                fresh.stored.session.chat_session_id, precondition=Precondition(scope=agent6)
            )
        )
        is False
    )
    assert await store.write(
        lambda unit: unit.sessions.delete(
            fresh.stored.session.chat_session_id, precondition=Precondition(scope=SessionScope(FULL.user_id))
        )
    )


async def test_scope_is_checked_inside_the_write_against_a_concurrent_reassignment(store: Store) -> None:
    """Twenty writes in agent 6's scope race one reassignment to agent 5: once the reassignment is stored none of
    them lands, so every write that succeeded comes before it and the session ends with agent 5."""
    session_id = await insert(store, dataclasses.replace(OTHER, user_id=None))
    agent6 = Precondition(scope=SessionScope(6))
    writes = [
        store.write(
            lambda unit, i=i: unit.sessions.save(
                with_id(dataclasses.replace(OTHER, user_id=6, rating=i), session_id),
                create_if_missing=False,
                precondition=agent6,
            )
        )
        for i in range(20)
    ]
    handover = store.write(
        lambda unit: unit.sessions.save(
            with_id(dataclasses.replace(OTHER, user_id=5), session_id), create_if_missing=False
        )
    )
    outcomes = await asyncio.gather(*writes[:10], handover, *writes[10:])
    reassigned = outcomes[10].stored
    assert reassigned is not None
    landed = [
        outcome.stored.version for outcome in outcomes if outcome.stored is not None and outcome is not outcomes[10]
    ]
    assert all(version < reassigned.version for version in landed)
    stored = await store.read(lambda unit: unit.sessions.get(session_id), point=True)
    assert stored is not None and stored.session.user_id == 5 and stored.version == reassigned.version


# -- idempotency keys ------------------------------------------------------------------------------------


async def test_idempotency_key_replays_the_first_create(store: Store, backend: Backend) -> None:
    """A create repeated with the same key and body answers the first session instead of a second one."""
    first = await store.write(lambda unit: unit.sessions.save(FULL, create_if_missing=True, idempotency=key()))
    again = await store.write(lambda unit: unit.sessions.save(FULL, create_if_missing=True, idempotency=key()))
    assert first.stored is not None and not first.replayed
    assert again.replayed and again.stored == first.stored
    assert count_sessions(backend) == 1


async def test_idempotency_key_with_another_body_conflicts(store: Store, backend: Backend) -> None:
    """The same key with another fingerprint is refused with Conflict and stores nothing."""
    await store.write(lambda unit: unit.sessions.save(FULL, create_if_missing=True, idempotency=key()))
    with pytest.raises(Conflict):
        await store.write(
            lambda unit: unit.sessions.save(OTHER, create_if_missing=True, idempotency=key(fingerprint="f2"))
        )
    assert count_sessions(backend) == 1


async def test_idempotency_keys_are_per_owner_and_expire(store: Store, backend: Backend) -> None:
    """Another owner's key of the same name, or an expired key, creates a new session."""
    first = await store.write(
        lambda unit: unit.sessions.save(FULL, create_if_missing=True, idempotency=key(expires=now_ticks() - 1))
    )
    other_owner = await store.write(
        lambda unit: unit.sessions.save(FULL, create_if_missing=True, idempotency=key(owner=2))
    )
    after_expiry = await store.write(lambda unit: unit.sessions.save(FULL, create_if_missing=True, idempotency=key()))
    ids = {o.stored.session.chat_session_id for o in (first, other_owner, after_expiry) if o.stored}
    assert len(ids) == 3
    assert not any(o.replayed for o in (first, other_owner, after_expiry))
    replay = await store.write(lambda unit: unit.sessions.save(FULL, create_if_missing=True, idempotency=key()))
    assert replay.replayed and replay.stored == after_expiry.stored
    assert count_sessions(backend) == 3


async def test_concurrent_creates_with_one_key_create_once(store: Store, backend: Backend) -> None:
    """Twenty simultaneous creates with one key store one session; the others replay it."""
    outcomes = await asyncio.gather(
        *(
            store.write(lambda unit: unit.sessions.save(FULL, create_if_missing=True, idempotency=key()))
            for _ in range(20)
        )
    )
    ids = {o.stored.session.chat_session_id for o in outcomes if o.stored is not None}
    assert len(ids) == 1
    assert sum(not o.replayed for o in outcomes) == 1
    assert count_sessions(backend) == 1


# -- concurrency -----------------------------------------------------------------------------------------


async def test_200_concurrent_inserts_are_all_stored_with_unique_ids(store: Store, backend: Backend) -> None:
    """200 saves at once are all stored, each under its own id, each with its own values."""
    sessions = [dataclasses.replace(FULL, customer_name=f"customer {i}", rating=i) for i in range(200)]
    outcomes = await asyncio.gather(
        *(store.write(lambda unit, s=s: unit.sessions.save(s, create_if_missing=True)) for s in sessions)
    )
    ids = [o.stored.session.chat_session_id for o in outcomes if o.stored is not None]
    assert len(set(ids)) == 200
    for session, session_id in zip(sessions, ids, strict=True):
        stored = await store.read(lambda unit, session_id=session_id: unit.sessions.get(session_id), point=True)
        assert stored is not None and stored.session == with_id(session, session_id)
    assert count_sessions(backend) == 200


async def test_concurrent_updates_of_one_session_count_every_version(store: Store) -> None:
    """50 simultaneous replacements of one session are each applied: the version ends at 51."""
    first = await insert(store)
    updates = [with_id(dataclasses.replace(OTHER, rating=i), first) for i in range(50)]
    outcomes = await asyncio.gather(
        *(store.write(lambda unit, s=s: unit.sessions.save(s, create_if_missing=False)) for s in updates)
    )
    assert sorted(o.stored.version for o in outcomes if o.stored is not None) == list(range(2, 52))
    stored = await store.read(lambda unit: unit.sessions.get(first), point=True)
    assert stored is not None and stored.version == 51


# -- lists ---------------------------------------------------------------------------------------------


async def names_in_order(store: Store, query: ListQuery) -> list[str | None]:
    page = await store.read(lambda unit: unit.sessions.page(query))
    return [row.session.customer_name for row in page.rows]


async def test_list_sorts_strings_by_code_point_with_null_first(store: Store) -> None:
    """Strings sort by code point (capitals before small letters, æ last) and null as the empty string."""
    for name in ["b", "æ", None, "B", "a", "A"]:
        await insert(store, ChatSession(customer_name=name))
    order = ListQuery(order=(("customer_name", False),))
    assert await names_in_order(store, order) == [None, "A", "B", "a", "b", "æ"]
    backwards = ListQuery(order=(("customer_name", True),))
    assert await names_in_order(store, backwards) == ["æ", "b", "a", "B", "A", None]


async def test_list_text_match_ignores_ascii_case_only(store: Store) -> None:
    """contains/begins/ends ignore ASCII case, treat % and _ literally, and do not fold æ to Æ."""
    for name in ["John Smith", "JOHNNY", "Ærlig Æsir", "ærlig", "50% off_now", None]:
        await insert(store, ChatSession(customer_name=name))
    by_id = (("chat_session_id", False),)

    async def matching(match: TextMatch, text: str, *, negate: bool = False) -> list[str | None]:
        where = Text("customer_name", match, text, negate=negate)
        return await names_in_order(store, ListQuery(where=where, order=by_id))

    assert await matching("contains", "john") == ["John Smith", "JOHNNY"]
    assert await matching("begins", "æ") == ["ærlig"]
    assert await matching("ends", "SIR") == ["Ærlig Æsir"]
    assert await matching("contains", "0% OFF_") == ["50% off_now"]
    assert await matching("contains", "_") == ["50% off_now"]
    assert await matching("contains", "john", negate=True) == ["Ærlig Æsir", "ærlig", "50% off_now", None]


async def test_list_filters_by_value_list_null_and_bool(store: Store) -> None:
    """Comparisons, value lists, null tests and booleans select the same rows on every backend."""
    rows = [
        ChatSession(customer_name="a", topic_id=1, user_id=5, customer_consented=True, rating=1),
        ChatSession(customer_name="b", topic_id=2, user_id=None, customer_consented=False, rating=2),
        ChatSession(customer_name="c", topic_id=3, user_id=6, customer_consented=True, rating=3),
        ChatSession(customer_name="d", topic_id=2, user_id=None, customer_consented=True, rating=4),
    ]
    for row in rows:
        await insert(store, row)
    by_id = (("chat_session_id", False),)

    async def where(expr: Expr) -> list[str | None]:
        return await names_in_order(store, ListQuery(where=expr, order=by_id))

    assert await where(Compare("customer_consented", "=", True)) == ["a", "c", "d"]
    assert await where(Compare("user_id", "=", None)) == ["b", "d"]
    assert await where(Compare("user_id", "!=", 5)) == ["b", "c", "d"]  # null is "not 5"
    assert await where(InList("topic_id", (2, 3))) == ["b", "c", "d"]
    assert await where(InList("user_id", (5,), negate=True)) == ["b", "c", "d"]
    either = Or((Compare("topic_id", "=", 3), Compare("rating", "=", 4)))
    assert await where(And((Compare("rating", ">=", 2), either))) == ["c", "d"]


async def test_list_treats_null_and_empty_strings_alike(store: Store) -> None:
    """A string stored as NULL (before decision 18) and one stored as "" both answer "": eq '', set, ne '' and
    oneOf/NotOneOf with '' treat them alike, on every backend."""
    for alias, name in (("null", None), ("empty", ""), ("text", "Ada")):
        await insert(store, ChatSession(customer_alias=alias, customer_name=name))
    by_id = (("chat_session_id", False),)

    async def where(expr: Expr) -> list[str | None]:
        page = await store.read(lambda unit: unit.sessions.page(ListQuery(where=expr, order=by_id)))
        return [row.session.customer_alias for row in page.rows]

    assert await where(Compare("customer_name", "=", "")) == ["null", "empty"]
    assert await where(Compare("customer_name", "=", None)) == ["null", "empty"]
    assert await where(Compare("customer_name", "!=", None)) == ["text"]  # "set"
    assert await where(Compare("customer_name", "!=", "")) == ["text"]
    assert await where(InList("customer_name", ("", "Ada"))) == ["null", "empty", "text"]
    assert await where(InList("customer_name", ("",), negate=True)) == ["text"]
    assert await where(InList("customer_name", ("Ada",), negate=True)) == ["null", "empty"]


async def test_list_pages_by_keyset_through_every_row_once(store: Store) -> None:
    """Paging by the cursor of each page visits every row once, in order, ties broken by id."""
    for i in range(8):
        await insert(store, ChatSession(customer_name=f"n{i}", rating=i % 3, when_requested=None if i % 2 else i))
    order = (("rating", True), ("when_requested", False))
    everything = await store.read(lambda unit: unit.sessions.page(ListQuery(order=order, limit=100)))
    assert everything.next_after is None
    expected = [row.session.chat_session_id for row in everything.rows]
    assert len(expected) == 8
    seen: list[int] = []
    after: tuple[object, ...] | None = None
    while True:
        page = await store.read(
            lambda unit, after=after: unit.sessions.page(ListQuery(order=order, limit=3, after=after))
        )
        seen.extend(row.session.chat_session_id for row in page.rows)
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == expected
    ratings = [row.session.rating for row in everything.rows]
    assert ratings == sorted(ratings, reverse=True)


async def test_list_offset_and_limit(store: Store) -> None:
    """offset skips rows and limit caps the page; a short page has no cursor."""
    ids = [await insert(store) for _ in range(5)]
    page = await store.read(lambda unit: unit.sessions.page(ListQuery(limit=2, offset=1)))
    assert [row.session.chat_session_id for row in page.rows] == ids[1:3]
    assert page.next_after is not None
    last = await store.read(lambda unit: unit.sessions.page(ListQuery(limit=10, offset=3)))
    assert [row.session.chat_session_id for row in last.rows] == ids[3:]
    assert last.next_after is None
    assert all(row.version == 1 for row in last.rows)


async def test_count_by_status_counts_every_stored_session(store: Store) -> None:
    """Sessions are counted per status; statuses without sessions are absent."""
    assert await store.read(lambda unit: unit.sessions.count_by_status()) == {}
    for status in (0, 3, 3, 5, 3):
        await insert(store, ChatSession(status=status))
    first = await insert(store, ChatSession(status=5))
    await store.write(lambda unit: unit.sessions.delete(first))
    assert await store.read(lambda unit: unit.sessions.count_by_status()) == {0: 1, 3: 3, 5: 1}


# -- reference data --------------------------------------------------------------------------------------


async def test_find_links_answers_associates_with_their_carrier_properties(store: Store) -> None:
    """An associate link answers the Associate carrier's stored properties; unknown ids are absent."""
    associate_id = store.run_admin(
        lambda unit: unit.users.add(
            NewAssociate(
                "tje0", Role.ADMIN, None, name="TJ", full_name="Tom Jensen", formal_name="Mr Jensen", tooltip="tip"
            )
        )
    )
    found = await store.read(
        lambda unit: unit.references.find({"Associate": [associate_id, associate_id, 424_242]}), point=True
    )
    assert found == {
        ("Associate", associate_id): {
            "AssociateId": associate_id,
            "Name": "TJ",
            "PersonId": 0,
            "Rank": 0,
            "Tooltip": "tip",
            "Type": "InternalAssociate",
            "GroupIdx": 0,
            "FullName": "Tom Jensen",
            "FormalName": "Mr Jensen",
            "Deleted": False,
            "EjUserId": 0,
            "UserName": "tje0",
        }
    }


async def test_find_links_answers_topics_and_reference_records(store: Store, backend: Backend) -> None:
    """ChatTopic and carriers kept as reference records (here Person) are found, in one call, in order."""
    topic_id = store.run_admin(lambda unit: unit.transfer.add_topic(NewTopic("Support", "help", "welcome")))
    person = '{"Position": "CEO", "PersonId": 4711, "Firstname": "Åse", "Retired": 0, "Email": "a@b.no"}'
    backend.sql("INSERT INTO reference_record (carrier, id, data) VALUES (?, ?, ?)", "Person", 4711, person)
    backend.sql("INSERT INTO reference_record (carrier, id, data) VALUES (?, ?, ?)", "Contact", 4711, "{}")
    found = await store.read(
        lambda unit: unit.references.find({"ChatTopic": [topic_id], "Person": [4711, 1], "Sale": [4711], "Ticket": []}),
        point=True,
    )
    assert found == {
        ("ChatTopic", topic_id): {"ChatTopicId": topic_id, "Name": "Support"},
        ("Person", 4711): {"Position": "CEO", "PersonId": 4711, "Firstname": "Åse", "Retired": 0, "Email": "a@b.no"},
    }
    assert list(found[("Person", 4711)]) == ["Position", "PersonId", "Firstname", "Retired", "Email"]


async def test_find_links_with_nothing_wanted_answers_nothing(store: Store) -> None:
    """No carriers, or carriers without ids, answer an empty mapping."""
    assert await store.read(lambda unit: unit.references.find({}), point=True) == {}
    assert await store.read(lambda unit: unit.references.find({"Associate": [], "ChatTopic": ()}), point=True) == {}


# -- users -----------------------------------------------------------------------------------------------


async def test_find_user_ignores_ascii_case_and_deleted_users(store: Store, backend: Backend) -> None:
    """User names match ignoring ASCII case; a deleted associate is not found."""
    associate_id = store.run_admin(
        lambda unit: unit.users.add(NewAssociate("Tje0", Role.ADMIN, "hash", full_name="Tom Jensen"))
    )
    expected = UserRecord(associate_id, "Tje0", Role.ADMIN, "hash", "Tom Jensen")
    assert await store.read(lambda unit: unit.users.find("tje0"), point=True) == expected
    assert await store.read(lambda unit: unit.users.find("TJE0"), point=True) == expected
    assert await store.read(lambda unit: unit.users.find("tje"), point=True) is None
    backend.sql("UPDATE associate SET deleted = ? WHERE associate_id = ?", True, associate_id)
    assert await store.read(lambda unit: unit.users.find("tje0"), point=True) is None


async def test_user_names_fold_ascii_letters_only(store: Store) -> None:
    """Like SQLite's NOCASE, only ASCII letters fold: 'ÆRLIG' and 'ærlig' are two user names."""
    store.run_admin(lambda unit: unit.users.add(NewAssociate("ærlig", Role.AGENT, None)))
    assert await store.read(lambda unit: unit.users.find("ÆRLIG"), point=True) is None
    store.run_admin(lambda unit: unit.users.add(NewAssociate("ÆRLIG", Role.AGENT, None)))
    assert [u.user_name for u in store.run_admin(lambda unit: unit.users.list(), write=False)] == ["ærlig", "ÆRLIG"]


async def test_user_name_is_unique_ignoring_case(store: Store, backend: Backend) -> None:
    """A second associate whose user name differs only in ASCII case is refused with a Conflict."""
    store.run_admin(lambda unit: unit.users.add(NewAssociate("agent1", Role.AGENT, None)))
    with pytest.raises(Conflict, match="exists already"):
        store.run_admin(lambda unit: unit.users.add(NewAssociate("AGENT1", Role.AGENT, None)))
    assert len(store.run_admin(lambda unit: unit.users.list(), write=False)) == 1


async def test_set_password_finds_the_user_ignoring_case(store: Store) -> None:
    """set_password matches the user name ignoring case and answers whether a user was changed."""
    associate_id = store.run_admin(lambda unit: unit.users.add(NewAssociate("agent1", Role.AGENT, None)))
    assert store.run_admin(lambda unit: unit.users.set_password("AGENT1", "new-hash"))
    assert not store.run_admin(lambda unit: unit.users.set_password("nobody", "x"))
    assert await store.read(lambda unit: unit.users.find("agent1"), point=True) == UserRecord(
        associate_id, "agent1", Role.AGENT, "new-hash", ""
    )


async def test_list_users_in_id_order_with_roles(store: Store) -> None:
    """list_users answers every associate in id order with role, hash and full name."""
    first = store.run_admin(lambda unit: unit.users.add(NewAssociate("b", Role.READONLY, None, full_name="Bee")))
    second = store.run_admin(lambda unit: unit.users.add(NewAssociate("a", Role.ADMIN, "h")))
    assert store.run_admin(lambda unit: unit.users.list(), write=False) == [
        UserRecord(first, "b", Role.READONLY, None, "Bee"),
        UserRecord(second, "a", Role.ADMIN, "h", ""),
    ]


async def test_find_user_by_id_skips_deleted_and_unknown(store: Store, backend: Backend) -> None:
    """find_user_by_id answers a live associate; a deleted or unknown id answers None."""
    associate_id = store.run_admin(
        lambda unit: unit.users.add(NewAssociate("agent1", Role.AGENT, "h", full_name="Anna"))
    )
    assert await store.read(lambda unit: unit.users.find_by_id(associate_id), point=True) == UserRecord(
        associate_id, "agent1", Role.AGENT, "h", "Anna"
    )
    assert await store.read(lambda unit: unit.users.find_by_id(associate_id + 1), point=True) is None
    backend.sql("UPDATE associate SET deleted = ? WHERE associate_id = ?", True, associate_id)
    assert await store.read(lambda unit: unit.users.find_by_id(associate_id), point=True) is None


# -- credentials -----------------------------------------------------------------------------------------


async def test_token_is_found_by_hash_and_kind_until_it_expires(store: Store) -> None:
    """A token is found by its hash and kind while it lives, with its user; another kind or a later time is not."""
    associate_id = store.run_admin(lambda unit: unit.users.add(NewAssociate("tje0", Role.ADMIN, "h", full_name="Tom")))
    now = now_ticks()
    await store.write(
        lambda unit: unit.tokens.add(
            NewToken("hash1", "session", associate_id, now + 1000, xsrf_hash="x1", app_id=7), now
        )
    )
    user = UserRecord(associate_id, "tje0", Role.ADMIN, "h", "Tom")
    assert await store.read(lambda unit: unit.tokens.find("hash1", "session", now + 999), point=True) == TokenRecord(
        "session", user, "x1", 7, now
    )
    assert await store.read(lambda unit: unit.tokens.find("hash1", "access", now), point=True) is None
    assert await store.read(lambda unit: unit.tokens.find("hash2", "session", now), point=True) is None
    assert await store.read(lambda unit: unit.tokens.find("hash1", "session", now + 1000), point=True) is None


async def test_token_idle_limit_counts_from_the_last_use(store: Store) -> None:
    """A token with an idle limit dies that long after its last use; touching it moves the last use."""
    associate_id = store.run_admin(lambda unit: unit.users.add(NewAssociate("a", Role.AGENT, None)))
    now = now_ticks()
    await store.write(
        lambda unit: unit.tokens.add(NewToken("t", "ticket", associate_id, now + 10_000, idle_ticks=100), now)
    )
    assert await store.read(lambda unit: unit.tokens.find("t", "ticket", now + 99), point=True) is not None
    assert await store.read(lambda unit: unit.tokens.find("t", "ticket", now + 100), point=True) is None
    await store.write(lambda unit: unit.tokens.touch("t", now + 50))
    found = await store.read(lambda unit: unit.tokens.find("t", "ticket", now + 149), point=True)
    assert found is not None and found.used_ticks == now + 50


async def test_revoked_tokens_and_deleted_users_are_not_found(store: Store, backend: Backend) -> None:
    """Revoking answers True once and hides the token; a token of a deleted user is not found either."""
    first = store.run_admin(lambda unit: unit.users.add(NewAssociate("a", Role.AGENT, None)))
    second = store.run_admin(lambda unit: unit.users.add(NewAssociate("b", Role.AGENT, None)))
    now = now_ticks()
    await store.write(lambda unit: unit.tokens.add(NewToken("ta", "access", first, now + 1000), now))
    await store.write(lambda unit: unit.tokens.add(NewToken("tb", "access", second, now + 1000), now))
    assert await store.write(lambda unit: unit.tokens.revoke("ta"))
    assert not await store.write(lambda unit: unit.tokens.revoke("ta"))
    assert not await store.write(lambda unit: unit.tokens.revoke("unknown"))
    assert await store.read(lambda unit: unit.tokens.find("ta", "access", now), point=True) is None
    backend.sql("UPDATE associate SET deleted = ? WHERE associate_id = ?", True, second)
    assert await store.read(lambda unit: unit.tokens.find("tb", "access", now), point=True) is None


async def test_applications_are_found_by_token_hash(store: Store, backend: Backend) -> None:
    """Applications get increasing ids, are found by token hash, listed in id order, named uniquely ignoring case."""
    owner = store.run_admin(lambda unit: unit.users.add(NewAssociate("a", Role.AGENT, None)))
    first = store.run_admin(lambda unit: unit.applications.add("Crm Sync", "h1", owner))
    second = store.run_admin(lambda unit: unit.applications.add("bot", "h2", None))
    assert second > first
    assert await store.read(lambda unit: unit.applications.find("h1"), point=True) == AppRecord(
        first, "Crm Sync", owner, False
    )
    assert await store.read(lambda unit: unit.applications.find("h3"), point=True) is None
    assert store.run_admin(lambda unit: unit.applications.list(), write=False) == [
        AppRecord(first, "Crm Sync", owner, False),
        AppRecord(second, "bot", None, False),
    ]
    with pytest.raises(Conflict, match="exists already"):
        store.run_admin(lambda unit: unit.applications.add("CRM SYNC", "h4", None))


async def test_auth_failures_count_lock_and_expire(store: Store) -> None:
    """Failures count per key within the window, lock a key at the limit, restart after the window; a lock stays."""
    now, window, lock = now_ticks(), 1_000, 5_000
    keys = ["user:tje0", "addr:10.0.0.1"]
    assert [
        await store.write(lambda unit, i=i: unit.lockout.note(keys, now + i, window, 3, lock)) for i in range(2)
    ] == [
        1,
        2,
    ]
    assert await store.read(lambda unit: unit.lockout.locked_until(keys), point=True) == 0
    assert await store.write(lambda unit: unit.lockout.note(keys[:1], now + 2, window, 3, lock)) == 3
    assert await store.read(lambda unit: unit.lockout.locked_until(keys), point=True) == now + 2 + lock
    assert await store.read(lambda unit: unit.lockout.locked_until(keys[1:]), point=True) == 0
    assert await store.read(lambda unit: unit.lockout.failures(keys, now + 2, window), point=True) == 3
    assert (
        await store.read(lambda unit: unit.lockout.failures(keys, now + 2 * window, window), point=True) == 0
    )  # the window is over
    assert await store.write(lambda unit: unit.lockout.note(keys[:1], now + 2 * window, window, 3, lock)) == 1
    assert (
        await store.read(lambda unit: unit.lockout.locked_until(keys[:1]), point=True) == now + 2 + lock
    )  # not shortened by the new window
    assert await store.read(lambda unit: unit.lockout.locked_until([]), point=True) == 0


async def test_clearing_auth_failures_keeps_locked_keys(store: Store) -> None:
    """Clearing forgets the failures of unlocked keys and keeps a locked key's until its lock is over."""
    now = now_ticks()
    await store.write(lambda unit: unit.lockout.note(["locked"], now, 1_000, 1, 5_000))
    await store.write(lambda unit: unit.lockout.note(["counting"], now, 1_000, 3, 5_000))
    await store.write(lambda unit: unit.lockout.clear(["locked", "counting"], now))
    assert await store.read(lambda unit: unit.lockout.failures(["counting"], now, 1_000), point=True) == 0
    assert await store.read(lambda unit: unit.lockout.failures(["locked"], now, 1_000), point=True) == 1
    assert await store.read(lambda unit: unit.lockout.locked_until(["locked"]), point=True) == now + 5_000
    # Once the lock is over, a successful sign-in forgets that key's failures too.
    await store.write(lambda unit: unit.lockout.clear(["locked"], now + 5_000))
    assert await store.read(lambda unit: unit.lockout.failures(["locked"], now, 1_000), point=True) == 0


async def test_concurrent_auth_failures_are_each_counted(store: Store) -> None:
    """Twenty failures at once against one key count twenty, and the limit locks the key."""
    now = now_ticks()
    counts = await asyncio.gather(
        *(store.write(lambda unit: unit.lockout.note(["user:x", "addr:y"], now, 10**9, 20, 1_000)) for _ in range(20))
    )
    assert sorted(counts) == list(range(1, 21))
    assert await store.read(lambda unit: unit.lockout.failures(["user:x"], now, 10**9), point=True) == 20
    assert await store.read(lambda unit: unit.lockout.locked_until(["addr:y"]), point=True) == now + 1_000


@pytest.mark.parametrize("what", ["associate", "topic", "chat session"])
async def test_is_empty_until_anything_is_stored(store: Store, what: str) -> None:
    """A migrated database is empty; one associate, topic or chat session makes it non-empty."""
    assert store.run_admin(lambda unit: unit.users.nothing_stored(), write=False)
    if what == "associate":
        store.run_admin(lambda unit: unit.users.add(NewAssociate("x", Role.AGENT, None)))
    elif what == "topic":
        store.run_admin(lambda unit: unit.transfer.add_topic(NewTopic("t")))
    else:
        await insert(store)
    assert not store.run_admin(lambda unit: unit.users.nothing_stored(), write=False)


# -- bulk transfer -------------------------------------------------------------------------------------

TJE0_ROW = AssociateRow(5, "TJ", "tje0", "Tom Jensen", "Mr Jensen", 7, 2, "tip", 1, 3, False, 9, Role.ADMIN, "hash")


async def test_import_then_export_round_trips_every_kind(store: Store) -> None:
    """Imported rows of every kind come back from export exactly, in id order, counted per kind."""
    rows: list[Row] = [
        with_id(FULL, 10),
        TJE0_ROW,
        TopicRow(3, "Sales", "before buying", "welcome"),
        ReferenceRow("Person", 4711, {"PersonId": 4711, "Firstname": "Åse", "Retired": 0}),
        with_id(OTHER, 2),
        dataclasses.replace(TJE0_ROW, associate_id=1, user_name="agent1", deleted=True, role=Role.AGENT),
    ]
    assert store.run_admin(lambda unit: unit.transfer.load(rows)) == {
        "ChatSession": 2,
        "Associate": 2,
        "ChatTopic": 1,
        "Person": 1,
    }
    assert list(store.export_records("ChatSession")) == [with_id(OTHER, 2), with_id(FULL, 10)]
    assert list(store.export_records("Associate")) == [rows[5], rows[1]]
    assert list(store.export_records("ChatTopic")) == [rows[2]]
    assert list(store.export_records("Person")) == [rows[3]]
    assert list(store.export_records("Sale")) == []
    stored = await store.read(lambda unit: unit.sessions.get(10), point=True)
    assert stored is not None and stored.version == 1


async def test_imported_ids_are_never_handed_out_again(store: Store) -> None:
    """After importing explicit ids, new rows get larger ids; an import of a lower id does not lower them."""
    first = await insert(store)
    store.run_admin(lambda unit: unit.transfer.load([with_id(FULL, 100), TJE0_ROW, TopicRow(30, "t", "", "")]))
    assert await insert(store) > 100
    assert store.run_admin(lambda unit: unit.users.add(NewAssociate("new", Role.AGENT, None))) > 5
    assert store.run_admin(lambda unit: unit.transfer.add_topic(NewTopic("new"))) > 30
    store.run_admin(lambda unit: unit.transfer.load([with_id(OTHER, first)]))
    assert await insert(store) > 101


async def test_import_with_id_0_inserts_and_known_ids_update(store: Store) -> None:
    """Id 0 inserts with a fresh id; a stored id is updated (version counted up, a missing password kept)."""
    store.run_admin(lambda unit: unit.transfer.load([TJE0_ROW, with_id(FULL, 7)]))
    counts = store.run_admin(
        lambda unit: unit.transfer.load(
            [
                ChatSession(customer_name="fresh"),
                with_id(OTHER, 7),
                dataclasses.replace(TJE0_ROW, full_name="Tom J", password_hash=None),
                TopicRow(0, "fresh topic", "", ""),
            ]
        )
    )
    assert counts == {"ChatSession": 2, "Associate": 1, "ChatTopic": 1}
    sessions = list(store.export_records("ChatSession"))
    assert sessions[0] == with_id(OTHER, 7)
    assert sessions[1].chat_session_id > 7 and sessions[1].customer_name == "fresh"
    updated = await store.read(lambda unit: unit.sessions.get(7), point=True)
    assert updated is not None and updated.version == 2
    assert list(store.export_records("Associate")) == [dataclasses.replace(TJE0_ROW, full_name="Tom J")]
    assert [t.name for t in store.export_records("ChatTopic")] == ["fresh topic"]


async def test_import_that_breaks_a_unique_rule_loads_nothing(store: Store) -> None:
    """A user name taken by another associate refuses the whole import with ImportConflict; nothing is loaded."""
    store.run_admin(lambda unit: unit.transfer.load([TJE0_ROW]))
    clash = dataclasses.replace(TJE0_ROW, associate_id=6, user_name="TJE0")
    with pytest.raises(ImportConflict):
        store.run_admin(lambda unit: unit.transfer.load([with_id(FULL, 50), TopicRow(9, "t", "", ""), clash]))
    assert await store.read(lambda unit: unit.sessions.get(50), point=True) is None
    assert list(store.export_records("ChatTopic")) == []
    assert list(store.export_records("Associate")) == [TJE0_ROW]


# -- migrations and life cycle ---------------------------------------------------------------------------


def shipped(store: Store) -> list[str]:
    """The legacy SQL files (through the baseline revision), then the Alembic revisions after it, by file name."""
    revisions = sorted(path.stem for path in (alembic.FOLDER / "versions").glob("0*.py"))
    return [f"{m.version:04d}_{m.name}" for m in migrations.load(store.engine.dialect)] + revisions[1:]


def test_migrate_applies_every_migration_once(backend: Backend) -> None:
    """The first migrate applies every shipped migration in order; the next, from any store, applies none."""
    store = backend.open()
    try:
        assert store.migrate() == shipped(store)
        assert store.migrate() == []
    finally:
        store.close()
    again = backend.open()
    try:
        assert again.migrate() == []
        assert again.run_admin(lambda unit: unit.users.nothing_stored(), write=False)
    finally:
        again.close()


def test_simultaneous_migrations_apply_each_migration_once(backend: Backend) -> None:
    """Four stores migrating one unmigrated database at the same moment: one applies everything, the others
    nothing. (The database is reached once first: two SQLite connections switching a brand-new file to WAL
    at the same moment can fail with "database is locked", a separate problem from migrations.)"""
    stores = [backend.open() for _ in range(4)]
    asyncio.run(stores[0].ping())
    start = threading.Barrier(len(stores))
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def migrate(store: Store) -> None:
        start.wait()
        try:
            results.append(store.migrate())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=migrate, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        assert sorted(results, key=len) == [[], [], [], shipped(stores[0])]
        assert stores[0].run_admin(lambda unit: unit.users.nothing_stored(), write=False)
    finally:
        for store in stores:
            store.close()


async def test_ping_answers_when_the_database_is_there(store: Store) -> None:
    """ping returns without error on a working database."""
    await store.ping()


async def test_closed_store_refuses_saves_as_unavailable(backend: Backend) -> None:
    """After close, a save is refused with Unavailable (503), not hung or crashed."""
    store = backend.open()
    store.migrate()
    store.close()
    with pytest.raises(Unavailable):
        await store.write(lambda unit: unit.sessions.save(FULL, create_if_missing=True))
