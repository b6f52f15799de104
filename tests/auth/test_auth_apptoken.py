"""SO-AppToken (decision 19): registered applications from `sochat app add`, recorded in the access log; an
empty header is absent; unregistered tokens are accepted, logged and counted unless require_app_token_with_ticket
(SuperOffice Online's rule); revoked ones are refused; `sochat app add --token` and `sochat app remove`."""

from __future__ import annotations

import logging

import pytest
from auth_support import (
    SAVE_BODY,
    TOKEN,
    assert_refused,
    basic,
    grant_token,
    log_in,
    register_app,
    run_cli,
)

from support.api import GET, TJE0

pytestmark = pytest.mark.anyio


def access_apps(caplog) -> list[str]:
    return [r.app for r in caplog.records if r.name == "sochat.access" and r.path.endswith("SaveChatSessionEntity")]


async def test_registered_app_token_is_accepted_and_logged_with_the_call(auth, caplog):
    """Basic + a registered SO-AppToken saves, and the access log record names the application."""
    token = await register_app(auth, "crm-sync")
    caplog.set_level(logging.INFO, logger="sochat.access")
    response = await auth.save(SAVE_BODY, headers={"Authorization": basic(*TJE0), "SO-AppToken": token})
    assert response.status_code == 200, response.text
    assert auth.row_count() == 1
    assert access_apps(caplog) == ["crm-sync"]


async def test_call_without_app_token_logs_no_app(auth, caplog):
    """Without SO-AppToken the access log's app field is '-' (no application claimed)."""
    caplog.set_level(logging.INFO, logger="sochat.access")
    assert (await auth.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)})).status_code == 200
    assert access_apps(caplog) == ["-"]


async def test_app_list_shows_the_registered_app(auth):
    """`sochat app list` lists the application `sochat app add` registered, with its owner."""
    await register_app(auth, "listed-app", owner="agent1")
    result = await run_cli(auth, "app", "list")
    assert result.exit_code == 0, result.output
    assert "listed-app" in result.output
    assert "active" in result.output


async def test_app_add_refuses_a_duplicate_name_and_an_unknown_owner(auth):
    """`sochat app add` refuses a name already taken (in any case) and an owner that does not exist."""
    await register_app(auth, "dup")
    assert (await run_cli(auth, "app", "add", "DUP")).exit_code != 0
    assert (await run_cli(auth, "app", "add", "fresh", "--owner", "nobody")).exit_code != 0


def unregistered_count(text: str) -> float:
    """sochat_unregistered_app_tokens_total from a /metrics answer."""
    for line in text.splitlines():
        if line.startswith("sochat_unregistered_app_tokens_total "):
            return float(line.split()[1])
    raise AssertionError("sochat_unregistered_app_tokens_total is missing from /metrics")


@pytest.mark.parametrize(
    "app_token",
    [
        pytest.param("not-a-registered-token", id="unknown"),
        pytest.param(b"\xff\xfe\xfd", id="non-utf8"),
        pytest.param("truncated", id="truncated"),
    ],
)
async def test_unregistered_app_token_is_accepted_logged_and_counted(auth, caplog, app_token):
    """Decision 19: an SO-AppToken naming no registered application is accepted with good credentials, the
    access log says "(unregistered)" (never the token), and /metrics counts it."""
    registered = await register_app(auth, "real-app")
    if app_token == "truncated":
        app_token = registered[:-3]
    before = unregistered_count((await auth.client.get("/metrics")).text)
    caplog.set_level(logging.INFO, logger="sochat.access")
    response = await auth.save(SAVE_BODY, headers={"Authorization": basic(*TJE0), "SO-AppToken": app_token})
    assert response.status_code == 200, response.text
    assert auth.row_count() == 1
    assert access_apps(caplog) == ["(unregistered)"]
    assert unregistered_count((await auth.client.get("/metrics")).text) == before + 1


@pytest.mark.parametrize("app_token", ["", "   "], ids=["empty", "blank"])
async def test_empty_app_token_counts_as_absent(auth, caplog, app_token):
    """An empty or blank SO-AppToken header is no application at all: saved, logged as "-", not counted."""
    caplog.set_level(logging.INFO, logger="sochat.access")
    response = await auth.save(SAVE_BODY, headers={"Authorization": basic(*TJE0), "SO-AppToken": app_token})
    assert response.status_code == 200, response.text
    assert access_apps(caplog) == ["-"]
    assert unregistered_count((await auth.client.get("/metrics")).text) == 0


async def test_required_app_token_refuses_an_unregistered_one_on_every_scheme(auth_factory, anyio_backend):
    """With require_app_token_with_ticket, a token that names no application is a 401 beside any scheme."""
    async with auth_factory(require_app_token_with_ticket=True) as auth:
        registered = await register_app(auth, "online-app")
        login = await log_in(auth)
        for headers in ({"Authorization": basic(*TJE0)}, {"Authorization": f"SOTicket {login.ticket}"}):
            body = assert_refused(await auth.save(SAVE_BODY, headers={**headers, "SO-AppToken": registered[:-3]}))
            assert "SO-AppToken" in str(body["ErrorMessage"])
        assert auth.row_count() == 0


async def test_app_add_with_token_registers_the_secret_the_application_has(auth, caplog):
    """`sochat app add NAME --token SECRET` registers that secret (only its hash is stored): requests carrying
    it are logged with the application's name, and the client_credentials grant takes it as client secret."""
    secret = "partner-secret-from-the-developer-portal"
    result = await run_cli(auth, "app", "add", "partner", "--owner", "agent1", "--token", secret)
    assert result.exit_code == 0, result.output
    assert secret not in result.output
    assert auth.sql("SELECT COUNT(*) FROM application WHERE token_hash LIKE ?", f"%{secret}%")[0][0] == 0
    caplog.set_level(logging.INFO, logger="sochat.access")
    assert (
        await auth.save(SAVE_BODY, headers={"Authorization": basic(*TJE0), "SO-AppToken": secret})
    ).status_code == 200
    assert access_apps(caplog) == ["partner"]
    grant = await auth.client.post(
        TOKEN, data={"grant_type": "client_credentials", "client_id": "partner", "client_secret": secret}
    )
    assert grant.status_code == 200, grant.text


async def test_app_add_refuses_an_empty_or_already_registered_token(auth):
    """An empty --token, or one another application has, is refused with a non-zero exit; nothing is added."""
    await run_cli(auth, "app", "add", "first", "--token", "shared-secret")
    empty = await run_cli(auth, "app", "add", "second", "--token", "  ")
    assert empty.exit_code != 0 and "must not be empty" in empty.output
    taken = await run_cli(auth, "app", "add", "second", "--token", "shared-secret")
    assert taken.exit_code != 0 and "registered with this token already" in taken.output
    assert [row[0] for row in auth.sql("SELECT name FROM application")] == ["first"]


async def test_app_remove_unregisters_the_token_and_ends_its_access_tokens(auth, caplog):
    """`sochat app remove` deletes the application: its token is logged as unregistered from then on, its
    client_credentials grant fails, and access tokens issued to it end at once."""
    token = await register_app(auth, "leaving", owner="agent1")
    grant = await auth.client.post(
        TOKEN, data={"grant_type": "client_credentials", "client_id": "leaving", "client_secret": token}
    )
    bearer = {"Authorization": f"Bearer {grant.json()['access_token']}"}
    assert (await auth.save(SAVE_BODY, headers=bearer)).status_code == 200
    result = await run_cli(auth, "app", "remove", "LEAVING")
    assert result.exit_code == 0, result.output
    assert "removed application" in result.output
    assert_refused(await auth.save(SAVE_BODY, headers=bearer))
    again = await auth.client.post(
        TOKEN, data={"grant_type": "client_credentials", "client_id": "leaving", "client_secret": token}
    )
    assert again.status_code == 401, again.text
    caplog.set_level(logging.INFO, logger="sochat.access")
    assert (
        await auth.save(SAVE_BODY, headers={"Authorization": basic(*TJE0), "SO-AppToken": token})
    ).status_code == 200
    assert access_apps(caplog) == ["(unregistered)"]


async def test_app_remove_of_an_unknown_name_fails_clearly(auth):
    """Removing an application that is not registered exits non-zero and says so."""
    result = await run_cli(auth, "app", "remove", "never-added")
    assert result.exit_code != 0
    assert "no application named 'never-added'" in result.output


async def test_revoked_app_token_is_401(auth):
    """An application marked revoked in the database is refused at once."""
    token = await register_app(auth, "retired")
    assert (
        await auth.save(SAVE_BODY, headers={"Authorization": basic(*TJE0), "SO-AppToken": token})
    ).status_code == 200
    auth.sql("UPDATE application SET revoked = TRUE WHERE name = 'retired'")
    assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": basic(*TJE0), "SO-AppToken": token}))
    assert auth.row_count() == 1


async def test_app_token_alone_is_not_a_login(auth):
    """SO-AppToken identifies an application, not a user: without other credentials it is a 401."""
    token = await register_app(auth, "alone")
    assert_refused(await auth.save(SAVE_BODY, headers={"SO-AppToken": token}))
    assert auth.row_count() == 0


async def test_good_app_token_does_not_rescue_a_wrong_password(auth):
    """A registered app token with a wrong password is still a 401."""
    token = await register_app(auth, "app")
    assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": basic("tje0", "wrong"), "SO-AppToken": token}))
    assert auth.row_count() == 0


async def test_app_token_with_each_scheme(auth, caplog):
    """A registered app token is accepted beside SOTicket, Bearer and cookie + XSRF, and logged each time."""
    token = await register_app(auth, "everywhere")
    login = await log_in(auth)
    bearer = await grant_token(auth)
    caplog.set_level(logging.INFO, logger="sochat.access")
    for headers in (
        {"Authorization": f"SOTicket {login.ticket}"},
        {"Authorization": f"Bearer {bearer}"},
        login.cookie_headers(),
    ):
        response = await auth.save(SAVE_BODY, headers={**headers, "SO-AppToken": token})
        assert response.status_code == 200, response.text
    assert access_apps(caplog) == ["everywhere"] * 3


async def test_required_app_token_ticket_without_it_is_401_with_it_200(auth_factory, anyio_backend):
    """With require_app_token_with_ticket, SOTicket alone is a 401; with a registered SO-AppToken it saves."""
    async with auth_factory(require_app_token_with_ticket=True) as auth:
        token = await register_app(auth, "online-app")
        login = await log_in(auth)
        assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": f"SOTicket {login.ticket}"}))
        assert auth.row_count() == 0
        response = await auth.save(
            SAVE_BODY, headers={"Authorization": f"SOTicket {login.ticket}", "SO-AppToken": token}
        )
        assert response.status_code == 200, response.text
        assert_refused(
            await auth.save(SAVE_BODY, headers={"Authorization": f"SOTicket {login.ticket}", "SO-AppToken": "wrong"})
        )
        assert auth.row_count() == 1


async def test_required_app_token_applies_to_tickets_only(auth_factory, anyio_backend):
    """require_app_token_with_ticket leaves Basic without an app token working."""
    async with auth_factory(require_app_token_with_ticket=True) as auth:
        response = await auth.client.post(
            GET, params={"chatSessionEntityId": 1}, headers={"Authorization": basic(*TJE0)}
        )
        assert response.status_code == 200, response.text


@pytest.mark.parametrize("name", ["tab\there", "nul\x00", " "], ids=["tab", "nul", "blank"])
async def test_app_add_and_remove_refuse_names_that_are_not_printable_text(auth, name):
    """`sochat app add` refuses a blank name or one with control characters; `app remove` finds no such app."""
    added = await run_cli(auth, "app", "add", name)
    assert added.exit_code != 0 and "printable text" in added.output
    assert auth.sql("SELECT COUNT(*) FROM application")[0][0] == 0
    assert (await run_cli(auth, "app", "remove", name)).exit_code != 0
