"""Issue 13: the rules every store applies inside its write transaction (sochat.store.rules), and the agent's
helpers that hand them the caller's scope (sochat.agents.sessions). The stores' side is
tests/storage/test_store_contract.py."""

from __future__ import annotations

import pytest

from sochat.agents.sessions import _not_stored, _wanted, _within
from sochat.domain.chat_session import ChatSession
from sochat.domain.errors import Conflict, PreconditionFailed
from sochat.domain.rights import SessionScope
from sochat.domain.writes import IdempotencyKey, Precondition
from sochat.store.rules import check_precondition, replaces_credentials, replay_of

ID = 5
VERSION = 3
UPDATED = 638_540_000_000_000_000
MINE, OTHERS = 7, 8
AGENT_SCOPE = SessionScope(MINE)
NOT_STORED = f"ChatSession {ID} does not exist, so it cannot match If-Match"


def row(user_id: int | None = None, *, version: int = VERSION, updated: int = UPDATED) -> tuple[int, int, int | None]:
    return version, updated, user_id


# -- check_precondition ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "precondition",
    [Precondition(), Precondition(unmodified_since_ticks=0), Precondition(scope=AGENT_SCOPE)],
)
def test_a_session_that_is_not_stored_may_be_written_without_if_match(precondition: Precondition) -> None:
    assert check_precondition(ID, None, precondition) is True


@pytest.mark.parametrize("scope", [None, AGENT_SCOPE])
def test_if_match_on_a_session_that_is_not_stored_fails(scope: SessionScope | None) -> None:
    with pytest.raises(PreconditionFailed) as caught:
        check_precondition(ID, None, Precondition(versions=(VERSION,), scope=scope))
    assert caught.value.message == NOT_STORED


@pytest.mark.parametrize(
    "precondition",
    [
        Precondition(),
        Precondition(versions=(VERSION,)),
        Precondition(unmodified_since_ticks=UPDATED),
        Precondition(unmodified_since_ticks=UPDATED + 1),
        Precondition(versions=(VERSION,), unmodified_since_ticks=UPDATED),
    ],
)
def test_a_stored_session_whose_conditions_hold_may_be_written(precondition: Precondition) -> None:
    assert check_precondition(ID, row(), precondition) is True


@pytest.mark.parametrize("version", [VERSION - 1, VERSION + 1, 0])
def test_a_stale_version_fails(version: int) -> None:
    with pytest.raises(PreconditionFailed, match=f"ChatSession {ID} has changed since the ETag you sent"):
        check_precondition(ID, row(), Precondition(versions=(version,)))


def test_a_write_after_if_unmodified_since_fails() -> None:
    with pytest.raises(PreconditionFailed, match=f"ChatSession {ID} has changed since If-Unmodified-Since"):
        check_precondition(ID, row(), Precondition(unmodified_since_ticks=UPDATED - 1))
    with pytest.raises(PreconditionFailed, match="If-Unmodified-Since"):
        check_precondition(ID, row(), Precondition(versions=(VERSION,), unmodified_since_ticks=UPDATED - 1))


@pytest.mark.parametrize("user_id", [None, MINE])
def test_a_session_inside_the_scope_is_checked_as_stored(user_id: int | None) -> None:
    assert check_precondition(ID, row(user_id), Precondition(scope=AGENT_SCOPE)) is True
    assert check_precondition(ID, row(user_id), Precondition(versions=(VERSION,), scope=AGENT_SCOPE)) is True
    with pytest.raises(PreconditionFailed, match="has changed since the ETag"):
        check_precondition(ID, row(user_id), Precondition(versions=(VERSION + 1,), scope=AGENT_SCOPE))


def test_without_a_scope_every_stored_session_is_checked_as_stored() -> None:
    assert check_precondition(ID, row(OTHERS), Precondition()) is True
    assert check_precondition(ID, row(OTHERS), Precondition(scope=SessionScope())) is True
    with pytest.raises(PreconditionFailed, match="has changed since the ETag"):
        check_precondition(ID, row(OTHERS), Precondition(versions=(VERSION + 1,)))


@pytest.mark.parametrize(
    "precondition",
    [
        Precondition(scope=AGENT_SCOPE),
        Precondition(unmodified_since_ticks=UPDATED - 1, scope=AGENT_SCOPE),  # stale, yet answered as not stored
        Precondition(unmodified_since_ticks=UPDATED, scope=AGENT_SCOPE),
    ],
)
def test_a_session_outside_the_scope_is_not_touched(precondition: Precondition) -> None:
    assert check_precondition(ID, row(OTHERS), precondition) is False


@pytest.mark.parametrize("version", [VERSION, VERSION + 1])
def test_if_match_on_a_session_outside_the_scope_fails_as_for_one_not_stored(version: int) -> None:
    with pytest.raises(PreconditionFailed) as caught:
        check_precondition(ID, row(OTHERS), Precondition(versions=(version,), scope=AGENT_SCOPE))
    assert caught.value.message == NOT_STORED


# -- replay_of ------------------------------------------------------------------------------------

NOW = 1_000
KEY = IdempotencyKey(MINE, "key-1", "fingerprint", NOW + 500)


def test_a_key_never_used_is_no_replay() -> None:
    assert replay_of(None, KEY, NOW) == (None, False)


def test_the_same_key_and_body_replay_the_session_it_created() -> None:
    assert replay_of(("fingerprint", ID, NOW + 1), KEY, NOW) == (ID, False)


@pytest.mark.parametrize("expires", [NOW, NOW - 1, 0])
def test_an_expired_key_is_no_replay_and_is_deleted(expires: int) -> None:
    assert replay_of(("fingerprint", ID, expires), KEY, NOW) == (None, True)
    assert replay_of(("another body", ID, expires), KEY, NOW) == (None, True)


def test_the_same_key_with_another_body_is_a_conflict() -> None:
    with pytest.raises(Conflict, match="used before with a different body"):
        replay_of(("another body", ID, NOW + 1), KEY, NOW)


# -- replaces_credentials -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "password_hash", "deleted", "replaces"),
    [
        (None, "$new", True, False),  # a new associate
        (None, None, False, False),
        (("$old", False), None, False, False),  # keeps the stored hash
        (("$old", False), "$old", False, False),
        (("$old", False), "$new", False, True),
        ((None, False), "$new", False, True),
        (("$old", False), None, True, True),  # deleted by this import
        (("$old", 0), None, True, True),  # SQLite's booleans
        (("$old", True), None, True, False),  # deleted before
        (("$old", 1), None, True, False),
        (("$old", True), None, False, False),  # restored: nothing to end
        (("$old", True), "$new", True, True),
    ],
)
def test_which_imported_rows_end_the_users_credentials(
    stored: tuple[str | None, object] | None, password_hash: str | None, deleted: bool, replaces: bool
) -> None:
    assert replaces_credentials(stored, password_hash, deleted) is replaces


# -- the agent's helpers (sochat.agents.sessions) -------------------------------------------------


@pytest.mark.parametrize("precondition", [None, Precondition(versions=(VERSION,))])
def test_an_unlimited_scope_leaves_the_precondition_as_it_is(precondition: Precondition | None) -> None:
    assert _within(SessionScope(), precondition) is precondition


def test_an_agents_scope_goes_into_the_precondition() -> None:
    assert _within(AGENT_SCOPE, None) == Precondition(scope=AGENT_SCOPE)
    given = Precondition(versions=(VERSION,), unmodified_since_ticks=UPDATED)
    assert _within(AGENT_SCOPE, given) == Precondition((VERSION,), UPDATED, AGENT_SCOPE)


def test_the_agents_scope_hides_another_agents_session_from_the_write() -> None:
    precondition = _within(AGENT_SCOPE, None)
    assert precondition is not None
    assert check_precondition(ID, row(OTHERS), precondition) is False
    assert check_precondition(ID, row(MINE), precondition) is True


def test_not_stored_names_the_id_and_hints_at_creating_unless_it_must_exist() -> None:
    error = _not_stored(ID, must_exist=False)
    assert error.message == (
        f"ChatSessionId {ID} is not stored; send 0 to create a new session (strict mode refuses unknown ids)"
    )
    assert error.source == "ChatAgent"
    assert _not_stored(ID, must_exist=True).message == f"ChatSessionId {ID} is not stored"


def test_the_links_to_look_up_are_grouped_by_carrier() -> None:
    session = ChatSession(topic_id=2, user_id=MINE, transfer_to_id=OTHERS, person_id=4, contact_id=6, ticket_id=0)
    assert _wanted(session) == {"ChatTopic": {2}, "Associate": {MINE, OTHERS}, "Person": {4}, "Contact": {6}}
    assert _wanted(ChatSession()) == {}
    assert _wanted(ChatSession(user_id=MINE, transfer_to_id=MINE)) == {"Associate": {MINE}}
