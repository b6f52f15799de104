"""Roles (admin, agent, readonly) decide what a call may do whatever the scheme that authenticated it."""

from __future__ import annotations

import pytest
from auth_support import (
    SAVE_BODY,
    assert_refused,
    basic,
    grant_token,
    log_in,
    run_cli,
)

from support.api import AGENT1, DELETE, LIST, TJE0, VIEWER

pytestmark = pytest.mark.anyio


async def test_viewer_with_a_ticket_cannot_save(auth):
    """viewer (readonly) signed in with a ticket gets 403 on save and nothing is stored."""
    login = await log_in(auth, VIEWER)
    assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": f"SOTicket {login.ticket}"}), 403)
    assert auth.row_count() == 0


async def test_viewer_with_a_ticket_may_read(auth):
    """viewer's ticket lists sessions (reading is within the readonly role)."""
    login = await log_in(auth, VIEWER)
    response = await auth.client.get(LIST, headers={"Authorization": f"SOTicket {login.ticket}"})
    assert response.status_code == 200, response.text


async def test_viewer_with_a_cookie_cannot_save(auth):
    """viewer's browser session (cookie + XSRF) gets 403 on save."""
    login = await log_in(auth, VIEWER)
    assert_refused(await auth.save(SAVE_BODY, headers=login.cookie_headers()), 403)
    assert auth.row_count() == 0


async def create_session(auth) -> int:
    response = await auth.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)})
    assert response.status_code == 200, response.text
    chat_session_id: int = response.json()["ChatSessionId"]
    return chat_session_id


@pytest.mark.parametrize("route", ["agent", "rest"])
async def test_agent_with_a_bearer_token_cannot_delete(auth, route):
    """agent1 with an opaque bearer token gets 403 on delete (agent call and REST) and the session stays."""
    chat_session_id = await create_session(auth)
    header = {"Authorization": f"Bearer {await grant_token(auth, AGENT1)}"}
    if route == "agent":
        response = await auth.client.post(DELETE, params={"ChatSessionEntityId": chat_session_id}, headers=header)
    else:
        response = await auth.client.delete(f"{LIST}/{chat_session_id}", headers=header)
    assert_refused(response, 403)
    assert auth.row_count() == 1


async def test_agent_with_a_bearer_token_may_save(auth):
    """agent1's bearer token saves (agents may create sessions)."""
    header = {"Authorization": f"Bearer {await grant_token(auth, AGENT1)}"}
    assert (await auth.save(SAVE_BODY, headers=header)).status_code == 200


async def test_admin_with_a_ticket_may_delete(auth):
    """tje0 (admin) with a ticket deletes a session."""
    chat_session_id = await create_session(auth)
    login = await log_in(auth, TJE0)
    response = await auth.client.post(
        DELETE, params={"ChatSessionEntityId": chat_session_id}, headers={"Authorization": f"SOTicket {login.ticket}"}
    )
    assert response.status_code == 204, response.text
    assert auth.row_count() == 0


async def test_agent_with_a_cli_ticket_cannot_delete(auth):
    """A CLI-issued ticket for agent1 carries agent1's role: delete is 403."""
    chat_session_id = await create_session(auth)
    result = await run_cli(auth, "ticket", "issue", "agent1")
    assert result.exit_code == 0, result.output
    response = await auth.client.post(
        DELETE,
        params={"ChatSessionEntityId": chat_session_id},
        headers={"Authorization": f"SOTicket {result.output.strip()}"},
    )
    assert_refused(response, 403)
    assert auth.row_count() == 1
