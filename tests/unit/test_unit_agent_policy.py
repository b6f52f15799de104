"""Issue 13: policy is decided in the agents, not in HTTP handlers. The agents run here on the test's real store
(SQLite and PostgreSQL), without a server."""

from __future__ import annotations

from datetime import UTC

import pytest

from sochat.agents.authentication import REFUSED, AuthenticationAgent, Password, Ticket
from sochat.agents.sessions import ChatSessionAgent
from sochat.domain.errors import InvalidInput, NotFound, Unauthorized
from sochat.domain.principal import Principal, Role
from sochat.security.passwords import VerifiedCredentials
from sochat.settings import Settings
from sochat.store.store import Store

pytestmark = pytest.mark.anyio

ADMIN = Principal(1, "admin", Role.ADMIN)
NOT_STORED = 2_000_000_000


async def test_strict_mode_refuses_deleting_an_id_that_is_not_stored(store: Store) -> None:
    with pytest.raises(NotFound, match="strict mode"):
        await ChatSessionAgent(store, strict=True).delete_chat_session_entity(ADMIN, NOT_STORED)


async def test_without_strict_mode_or_with_must_exist_a_delete_of_an_unknown_id_answers_false(store: Store) -> None:
    assert await ChatSessionAgent(store).delete_chat_session_entity(ADMIN, NOT_STORED) is False
    strict = ChatSessionAgent(store, strict=True)
    assert await strict.delete_chat_session_entity(ADMIN, NOT_STORED, must_exist=True) is False


def test_strict_mode_refuses_null_for_a_value_that_cannot_be_null(store: Store) -> None:
    assert ChatSessionAgent(store).session_from_wire({"Status": None}, UTC).status == 0
    with pytest.raises(InvalidInput, match="strict mode") as caught:
        ChatSessionAgent(store, strict=True).session_from_wire({"Status": None}, UTC)
    assert caught.value.property_name == "Status"


async def test_an_unknown_user_is_refused_with_the_one_message(store: Store) -> None:
    agent = AuthenticationAgent(store, VerifiedCredentials(8), Settings())
    with pytest.raises(Unauthorized) as caught:
        await agent.sign_in(Password("nobody-by-this-name", "x"), "127.0.0.1", app=None)
    assert caught.value.message == REFUSED


async def test_a_ticket_without_a_registered_application_is_refused_when_one_is_required(store: Store) -> None:
    agent = AuthenticationAgent(store, VerifiedCredentials(8), Settings(require_app_token_with_ticket=True))
    with pytest.raises(Unauthorized, match="SO-AppToken"):
        await agent.sign_in(Ticket("7T:anything"), "127.0.0.1", app=None)
