"""SO-AppToken: registered applications from `sochat app add`, recorded in the access log; unknown, empty or
revoked tokens are refused; require_app_token_with_ticket (SuperOffice Online's rule)."""

from __future__ import annotations

import logging

import pytest
from auth_support import GET, TJE0, assert_refused, basic

pytestmark = pytest.mark.anyio


def access_apps(caplog) -> list[str]:
    return [r.app for r in caplog.records if r.name == "sochat.access" and r.path.endswith("SaveChatSessionEntity")]


async def test_registered_app_token_is_accepted_and_logged_with_the_call(auth, caplog):
    """Basic + a registered SO-AppToken saves, and the access log record names the application."""
    token = await auth.add_app("crm-sync")
    caplog.set_level(logging.INFO, logger="sochat.access")
    response = await auth.save({"Authorization": basic(*TJE0), "SO-AppToken": token})
    assert response.status_code == 200, response.text
    assert auth.count_sessions() == 1
    assert access_apps(caplog) == ["crm-sync"]


async def test_call_without_app_token_logs_no_app(auth, caplog):
    """Without SO-AppToken the access log's app field is '-' (no application claimed)."""
    caplog.set_level(logging.INFO, logger="sochat.access")
    assert (await auth.save({"Authorization": basic(*TJE0)})).status_code == 200
    assert access_apps(caplog) == ["-"]


async def test_app_list_shows_the_registered_app(auth):
    """`sochat app list` lists the application `sochat app add` registered, with its owner."""
    await auth.add_app("listed-app", owner="agent1")
    result = await auth.cli("app", "list")
    assert result.exit_code == 0, result.output
    assert "listed-app" in result.output
    assert "active" in result.output


async def test_app_add_refuses_a_duplicate_name_and_an_unknown_owner(auth):
    """`sochat app add` refuses a name already taken (in any case) and an owner that does not exist."""
    await auth.add_app("dup")
    assert (await auth.cli("app", "add", "DUP")).exit_code != 0
    assert (await auth.cli("app", "add", "fresh", "--owner", "nobody")).exit_code != 0


@pytest.mark.parametrize(
    "app_token",
    [
        pytest.param("not-a-registered-token", id="unknown"),
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param(b"\xff\xfe\xfd", id="non-utf8"),
    ],
)
async def test_unknown_app_token_is_401_even_with_good_credentials(auth, app_token):
    """An SO-AppToken naming no registered application is a 401 although Basic is right; nothing stored."""
    await auth.add_app("real-app")
    assert_refused(await auth.save({"Authorization": basic(*TJE0), "SO-AppToken": app_token}))
    assert auth.count_sessions() == 0


async def test_truncated_app_token_is_401(auth):
    """A registered token with its last characters cut off is a 401."""
    token = await auth.add_app("cut")
    assert_refused(await auth.save({"Authorization": basic(*TJE0), "SO-AppToken": token[:-3]}))
    assert auth.count_sessions() == 0


async def test_revoked_app_token_is_401(auth):
    """An application marked revoked in the database is refused at once."""
    token = await auth.add_app("retired")
    assert (await auth.save({"Authorization": basic(*TJE0), "SO-AppToken": token})).status_code == 200
    auth.sql("UPDATE application SET revoked = 1 WHERE name = 'retired'")
    assert_refused(await auth.save({"Authorization": basic(*TJE0), "SO-AppToken": token}))
    assert auth.count_sessions() == 1


async def test_app_token_alone_is_not_a_login(auth):
    """SO-AppToken identifies an application, not a user: without other credentials it is a 401."""
    token = await auth.add_app("alone")
    assert_refused(await auth.save({"SO-AppToken": token}))
    assert auth.count_sessions() == 0


async def test_good_app_token_does_not_rescue_a_wrong_password(auth):
    """A registered app token with a wrong password is still a 401."""
    token = await auth.add_app("app")
    assert_refused(await auth.save({"Authorization": basic("tje0", "wrong"), "SO-AppToken": token}))
    assert auth.count_sessions() == 0


async def test_app_token_with_each_scheme(auth, caplog):
    """A registered app token is accepted beside SOTicket, Bearer and cookie + XSRF, and logged each time."""
    token = await auth.add_app("everywhere")
    login = await auth.login()
    bearer = await auth.access_token()
    caplog.set_level(logging.INFO, logger="sochat.access")
    for headers in (
        {"Authorization": f"SOTicket {login.ticket}"},
        {"Authorization": f"Bearer {bearer}"},
        login.cookie_headers(),
    ):
        response = await auth.save({**headers, "SO-AppToken": token})
        assert response.status_code == 200, response.text
    assert access_apps(caplog) == ["everywhere"] * 3


async def test_required_app_token_ticket_without_it_is_401_with_it_200(auth_factory, anyio_backend):
    """With require_app_token_with_ticket, SOTicket alone is a 401; with a registered SO-AppToken it saves."""
    async with auth_factory(require_app_token_with_ticket=True) as auth:
        token = await auth.add_app("online-app")
        login = await auth.login()
        assert_refused(await auth.save({"Authorization": f"SOTicket {login.ticket}"}))
        assert auth.count_sessions() == 0
        response = await auth.save({"Authorization": f"SOTicket {login.ticket}", "SO-AppToken": token})
        assert response.status_code == 200, response.text
        assert_refused(await auth.save({"Authorization": f"SOTicket {login.ticket}", "SO-AppToken": "wrong"}))
        assert auth.count_sessions() == 1


async def test_required_app_token_applies_to_tickets_only(auth_factory, anyio_backend):
    """require_app_token_with_ticket leaves Basic without an app token working."""
    async with auth_factory(require_app_token_with_ticket=True) as auth:
        response = await auth.client.post(
            GET, params={"chatSessionEntityId": 1}, headers={"Authorization": basic(*TJE0)}
        )
        assert response.status_code == 200, response.text
