"""SOTicket: tickets from the login call and the CLI, scheme name in any case, expiry, revocation by logout
and by `sochat ticket revoke`, malformed headers; a refusal stores nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from auth_support import (
    LOGOUT,
    SAVE_BODY,
    assert_refused,
    log_in,
    run_cli,
    store_token,
    ticks_now,
    user_id,
)

from support.api import TJE0

pytestmark = pytest.mark.anyio


async def test_login_ticket_saves_and_login_answers_superoffice_members(auth):
    """The login call answers Ticket, AssociateId, UserName, IdleMinutes; the ticket saves a session."""
    login = await log_in(auth)
    body = login.response.json()
    assert body["AssociateId"] == user_id(auth.store, "tje0")
    assert body["UserName"] == "tje0"
    assert body["IdleMinutes"] == 480
    assert login.response.headers["cache-control"] == "no-store"
    response = await auth.save(SAVE_BODY, headers={"Authorization": f"SOTicket {login.ticket}"})
    assert response.status_code == 200, response.text
    assert auth.row_count() == 1


async def test_login_accepts_form_fields(auth):
    """The login call also takes Username and Password as form fields."""
    response = await auth.client.post("/api/v1/Authentication/Login", data={"Username": "agent1", "Password": "Agent1"})
    assert response.status_code == 200, response.text
    assert response.json()["UserName"] == "agent1"


@pytest.mark.parametrize("scheme", ["SOTicket", "SoTicket", "SOTICKET", "soticket", "sOtIcKeT"])
async def test_ticket_scheme_name_in_any_case(auth, scheme):
    """The SOTicket scheme name is matched whatever its case."""
    login = await log_in(auth)
    response = await auth.save(SAVE_BODY, headers={"Authorization": f"{scheme} {login.ticket}"})
    assert response.status_code == 200, response.text


async def test_cli_issued_ticket_works_and_names_its_user(auth):
    """`sochat ticket issue viewer` prints a 7T: ticket that reads as viewer and may not save."""
    result = await run_cli(auth, "ticket", "issue", "viewer")
    assert result.exit_code == 0, result.output
    ticket = result.output.strip()
    assert ticket.startswith("7T:"), result.output
    read = await auth.client.post(
        "/api/v1/Agents/Chat/GetChatSessionEntity?chatSessionEntityId=1",
        headers={"Authorization": f"SOTicket {ticket}"},
    )
    assert read.status_code == 200, read.text
    assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": f"SOTicket {ticket}"}), 403)


async def test_cli_ticket_for_unknown_user_fails(auth):
    """`sochat ticket issue` for a user that does not exist exits non-zero and prints no ticket."""
    result = await run_cli(auth, "ticket", "issue", "nobody")
    assert result.exit_code != 0
    assert "7T:" not in result.output


@pytest.mark.parametrize("ticket", ["7T:" + "A" * 43, "7T:", "8A:" + "A" * 43, "7T:" + "A" * 600])
async def test_wrong_ticket_is_401_and_saves_nothing(auth, ticket):
    """An unknown, empty, wrong-prefix or oversized ticket is a 401 and stores nothing."""
    await log_in(auth)  # a live ticket exists, just not this one
    assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": f"SOTicket {ticket}"}))
    assert auth.row_count() == 0


async def test_ticket_past_its_end_of_life_is_401(auth):
    """A ticket past its expiry time is refused and stores nothing."""
    ticket, _ = await store_token(auth, "ticket", user_id(auth.store, "tje0"), expires_in=timedelta(seconds=-1))
    assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": f"SOTicket {ticket}"}))
    assert auth.row_count() == 0


async def test_ticket_unused_longer_than_its_idle_time_is_401(auth):
    """A ticket last used longer ago than its idle limit is refused though its end of life is far."""
    owner = user_id(auth.store, "tje0")
    idle, _ = await store_token(
        auth, "ticket", owner, expires_in=timedelta(days=1), idle=timedelta(minutes=10), used_ago=timedelta(minutes=11)
    )
    fresh, _ = await store_token(
        auth, "ticket", owner, expires_in=timedelta(days=1), idle=timedelta(minutes=10), used_ago=timedelta(minutes=9)
    )
    assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": f"SOTicket {idle}"}))
    response = await auth.save(SAVE_BODY, headers={"Authorization": f"SOTicket {fresh}"})
    assert response.status_code == 200, response.text
    assert auth.row_count() == 1


async def test_use_renews_a_tickets_idle_time(auth):
    """Using a ticket records the use, so its idle limit counts from now again."""
    ticket, _ = await store_token(
        auth,
        "ticket",
        user_id(auth.store, "tje0"),
        expires_in=timedelta(days=1),
        idle=timedelta(minutes=10),
        used_ago=timedelta(minutes=9),
    )
    assert (await auth.save(SAVE_BODY, headers={"Authorization": f"SOTicket {ticket}"})).status_code == 200
    (used,) = auth.sql("SELECT used_ticks FROM auth_token WHERE kind = 'ticket'")[0]
    assert ticks_now(-timedelta(minutes=1)) < int(used) <= ticks_now()  # type: ignore[call-overload]


async def test_logout_revokes_the_ticket_at_once(auth):
    """Logout with a ticket answers 204; the same ticket is then a 401 and saves nothing."""
    login = await log_in(auth)
    header = {"Authorization": f"SOTicket {login.ticket}"}
    assert (await auth.save(SAVE_BODY, headers=header)).status_code == 200
    logout = await auth.client.post(LOGOUT, headers=header)
    assert logout.status_code == 204, logout.text
    assert_refused(await auth.save(SAVE_BODY, headers=header))
    assert auth.row_count() == 1


async def test_logout_of_one_ticket_leaves_another(auth):
    """Logout revokes only the ticket it was called with."""
    first, second = await log_in(auth), await log_in(auth)
    assert (await auth.client.post(LOGOUT, headers={"Authorization": f"SOTicket {first.ticket}"})).status_code == 204
    response = await auth.save(SAVE_BODY, headers={"Authorization": f"SOTicket {second.ticket}"})
    assert response.status_code == 200, response.text


async def test_cli_revoke_makes_the_ticket_fail_at_once(auth):
    """`sochat ticket revoke` on the app's database makes the next call with that ticket a 401."""
    login = await log_in(auth)
    header = {"Authorization": f"SOTicket {login.ticket}"}
    assert (await auth.save(SAVE_BODY, headers=header)).status_code == 200
    result = await run_cli(auth, "ticket", "revoke", login.ticket)
    assert result.exit_code == 0, result.output
    assert_refused(await auth.save(SAVE_BODY, headers=header))
    assert auth.row_count() == 1
    again = await run_cli(auth, "ticket", "revoke", login.ticket)
    assert again.exit_code != 0, "revoking a revoked ticket should say there is no such live ticket"


async def test_logout_without_credentials_is_401(auth):
    """Logout needs the credential it revokes."""
    assert_refused(await auth.client.post(LOGOUT))


@pytest.mark.parametrize(
    "make_header",
    [
        pytest.param(lambda t: f"SOTicket {t[:-5]}", id="truncated"),
        pytest.param(lambda t: f"SOTicket {t[3:]}", id="without-7T-prefix"),
        pytest.param(lambda t: f"SOTickets {t}", id="misspelt-scheme"),
        pytest.param(lambda t: f"SO-Ticket {t}", id="hyphenated-scheme"),
        pytest.param(lambda t: f"Ticket {t}", id="other-scheme"),
        pytest.param(lambda t: f"SOTicket:{t}", id="colon-instead-of-space"),
        pytest.param(lambda t: f"{t}", id="no-scheme"),
        pytest.param(lambda t: f"SOTicket {t[:10]} {t[10:]}", id="space-inside-ticket"),
        pytest.param(lambda t: f"SOTicket {t} {t}", id="ticket-twice"),
        pytest.param(lambda t: f"SOTicket {t}".encode() + b"\xff", id="non-utf8-byte-appended"),
        pytest.param(lambda t: b"SOTicket 7T:\xc3(" + t[5:].encode(), id="invalid-utf8-inside"),
    ],
)
async def test_malformed_ticket_header_is_401_and_saves_nothing(auth, make_header):
    """Malformed SOTicket headers around a live ticket are a 401 and store nothing."""
    login = await log_in(auth)
    assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": make_header(login.ticket)}))
    assert auth.row_count() == 0


async def test_ticket_tolerates_several_spaces_after_the_scheme(auth):
    """Several spaces between scheme and ticket are allowed (RFC 7235: 1*SP)."""
    login = await log_in(auth)
    response = await auth.save(SAVE_BODY, headers={"Authorization": f"SOTicket    {login.ticket}"})
    assert response.status_code == 200, response.text


async def test_ticket_is_not_a_bearer_token_nor_a_session_cookie(auth):
    """A ticket works only with SOTicket: as Bearer or as the session cookie it is a 401."""
    login = await log_in(auth)
    assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": f"Bearer {login.ticket}"}))
    cookie = {"Cookie": f"SOCHAT_SESSION={login.ticket}; XSRF-TOKEN={login.xsrf}", "X-XSRF-TOKEN": login.xsrf}
    assert_refused(await auth.save(SAVE_BODY, headers=cookie))
    assert auth.row_count() == 0


async def test_ticket_off_when_not_an_enabled_scheme(auth_factory, anyio_backend):
    """With auth_schemes lacking soticket, a live ticket is a 401 that does not offer SOTicket."""
    async with auth_factory(auth_schemes="basic,bearer,cookie") as auth:
        login = await log_in(auth, TJE0)
        response = await auth.save(SAVE_BODY, headers={"Authorization": f"SOTicket {login.ticket}"})
        assert_refused(response)
        assert not any(v.lower().startswith("soticket") for v in response.headers.get_list("www-authenticate"))
        assert auth.row_count() == 0
