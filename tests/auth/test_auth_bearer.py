"""Opaque Bearer tokens from the OAuth 2 token endpoint: grants, errors in both RFC 6749 and SuperOffice form,
expiry, revocation, malformed headers; a refusal stores nothing."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from auth_support import (
    LOGOUT,
    SAVE_BODY,
    TOKEN,
    assert_refused,
    basic,
    grant_token,
    register_app,
    run_cli,
    store_token,
    user_id,
)

from sochat.domain import datetimes
from support.api import AGENT1, TJE0, VIEWER

pytestmark = pytest.mark.anyio

OAUTH_ERROR_KEYS = {"error", "error_description", "Error", "ErrorType", "ErrorMessage", "ErrorSource"}


def assert_oauth_error(response, status: int, error: str) -> dict[str, object]:
    """An OAuth error answer: RFC 6749's members beside SuperOffice's error members."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == OAUTH_ERROR_KEYS, body
    assert body["error"] == error
    assert body["Error"] is True
    assert isinstance(body["error_description"], str) and body["error_description"]
    assert isinstance(body["ErrorMessage"], str) and body["ErrorMessage"]
    assert response.headers["content-type"].startswith("application/json")
    return body


async def test_password_grant_answers_a_one_hour_8a_token_not_to_be_cached(auth):
    """The password grant answers an 8A: Bearer token, expires_in 3600, Cache-Control no-store."""
    response = await auth.client.post(TOKEN, data={"grant_type": "password", "username": "tje0", "password": "Tje0"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["access_token"].startswith("8A:")
    assert response.headers["cache-control"] == "no-store"
    saved = await auth.save(SAVE_BODY, headers={"Authorization": f"Bearer {body['access_token']}"})
    assert saved.status_code == 200, saved.text
    assert auth.row_count() == 1


async def test_password_grant_takes_a_json_body_too(auth):
    """The token endpoint also reads a JSON body."""
    response = await auth.client.post(TOKEN, json={"grant_type": "password", "username": "tje0", "password": "Tje0"})
    assert response.status_code == 200, response.text
    assert response.json()["access_token"].startswith("8A:")


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
async def test_bearer_scheme_name_in_any_case(auth, scheme):
    """The Bearer scheme name is matched whatever its case (RFC 7235)."""
    token = await grant_token(auth)
    assert (await auth.save(SAVE_BODY, headers={"Authorization": f"{scheme} {token}"})).status_code == 200


@pytest.mark.parametrize("grant", ["authorization_code", "refresh_token", "", "PASSWORD"])
async def test_unsupported_grant_is_400_unsupported_grant_type(auth, grant):
    """Grants other than password and client_credentials are 400 unsupported_grant_type."""
    response = await auth.client.post(TOKEN, data={"grant_type": grant, "username": "tje0", "password": "Tje0"})
    assert_oauth_error(response, 400, "unsupported_grant_type")


async def test_missing_grant_type_is_a_400_oauth_error(auth):
    """A body without grant_type is a 400 in OAuth form."""
    response = await auth.client.post(TOKEN, data={"username": "tje0", "password": "Tje0"})
    assert response.status_code == 400, response.text
    assert set(response.json()) == OAUTH_ERROR_KEYS


async def test_wrong_password_and_unknown_user_are_the_same_invalid_grant(auth):
    """A wrong password and an unknown user both answer 400 invalid_grant with byte-identical bodies."""
    wrong = await auth.client.post(TOKEN, data={"grant_type": "password", "username": "tje0", "password": "x"})
    unknown = await auth.client.post(TOKEN, data={"grant_type": "password", "username": "nobody", "password": "x"})
    assert_oauth_error(wrong, 400, "invalid_grant")
    assert wrong.content == unknown.content
    assert "access_token" not in wrong.text


async def test_password_grant_without_password_is_invalid_request(auth):
    """The password grant without a password is a 400 invalid_request."""
    response = await auth.client.post(TOKEN, data={"grant_type": "password", "username": "tje0"})
    assert_oauth_error(response, 400, "invalid_request")


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        pytest.param(b'{"grant_type": "password"}', "application/x-www-form-urlencoded", id="json-sent-as-a-form"),
        pytest.param(b"grant_type=password&username=a%00&password=x", "application/x-www-form-urlencoded", id="nul"),
        pytest.param(b'{"grant_type": ', "application/json", id="malformed-json"),
    ],
)
async def test_a_body_the_readers_refuse_is_an_oauth_invalid_request(auth, content, content_type):
    """The token endpoint answers a body its readers refuse in OAuth's error shape (RFC 6749 section 5.2), which
    token clients parse, with the reason in error_description."""
    response = await auth.client.post(TOKEN, content=content, headers={"Content-Type": content_type})
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_request"
    assert response.json()["error_description"]


async def test_client_credentials_acts_as_the_apps_owner(auth, caplog):
    """client_credentials for an app owned by agent1 answers a token that acts as agent1."""
    secret = await register_app(auth, "sync-job", owner="agent1")
    response = await auth.client.post(
        TOKEN, data={"grant_type": "client_credentials", "client_id": "sync-job", "client_secret": secret}
    )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    assert token.startswith("8A:")
    caplog.set_level(logging.INFO, logger="sochat.access")
    saved = await auth.save(SAVE_BODY, headers={"Authorization": f"Bearer {token}"})
    assert saved.status_code == 200, saved.text
    access = [r for r in caplog.records if r.name == "sochat.access" and r.path.endswith("SaveChatSessionEntity")]
    assert [r.user for r in access] == ["agent1"]


async def test_client_credentials_of_a_readonly_owner_cannot_save(auth):
    """A token from an app owned by viewer has viewer's rights: saving is a 403."""
    secret = await register_app(auth, "reader", owner="viewer")
    response = await auth.client.post(
        TOKEN, data={"grant_type": "client_credentials", "client_id": "reader", "client_secret": secret}
    )
    token = response.json()["access_token"]
    assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": f"Bearer {token}"}), 403)
    assert auth.row_count() == 0


async def test_client_credentials_with_http_basic_client_authentication(auth):
    """RFC 6749 section 2.3.1: the client may authenticate with HTTP Basic (client_id:client_secret)."""
    secret = await register_app(auth, "basic-client", owner="agent1")
    response = await auth.client.post(
        TOKEN, data={"grant_type": "client_credentials"}, headers={"Authorization": basic("basic-client", secret)}
    )
    assert response.status_code == 200, response.text
    assert response.json()["access_token"].startswith("8A:")


@pytest.mark.parametrize(
    "case", ["unknown-client", "wrong-secret", "other-apps-secret", "no-owner", "no-secret", "secret-as-id"]
)
async def test_bad_client_is_401_invalid_client(auth, case):
    """Unknown client, wrong secret, another app's secret, an app without owner or no secret: 401 invalid_client."""
    owned = await register_app(auth, "owned", owner="tje0")
    other = await register_app(auth, "other", owner="tje0")
    orphan = await register_app(auth, "orphan")
    client_id, secret = {
        "unknown-client": ("ghost", owned),
        "wrong-secret": ("owned", owned[:-2] + "xx"),
        "other-apps-secret": ("owned", other),
        "no-owner": ("orphan", orphan),
        "no-secret": ("owned", ""),
        "secret-as-id": (owned, owned),
    }[case]
    response = await auth.client.post(
        TOKEN, data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    )
    assert_oauth_error(response, 401, "invalid_client")
    assert "access_token" not in response.text


@pytest.mark.parametrize("token", ["8A:" + "A" * 43, "8A:", "7T:" + "A" * 43, "8A:" + "A" * 600])
async def test_wrong_bearer_token_is_401_and_saves_nothing(auth, token):
    """An unknown, empty, ticket-prefixed or oversized bearer token is a 401 and stores nothing."""
    await grant_token(auth)
    assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": f"Bearer {token}"}))
    assert auth.row_count() == 0


async def test_expired_access_token_is_401(auth):
    """An access token past its expiry is refused and stores nothing."""
    token, _ = await store_token(auth, "access", user_id(auth.store, "tje0"), expires_in=timedelta(seconds=-1))
    assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": f"Bearer {token}"}))
    assert auth.row_count() == 0


async def test_access_token_expires_after_access_token_seconds(auth_factory, anyio_backend):
    """With access_token_seconds=1 a token lives one second: it works at once and is refused once that second
    is over (time moved on in the database, as let_time_pass does for lockout, instead of waiting for it)."""
    async with auth_factory(access_token_seconds=1) as auth:
        response = await auth.client.post(
            TOKEN, data={"grant_type": "password", "username": "tje0", "password": "Tje0"}
        )
        assert response.json()["expires_in"] == 1
        header = {"Authorization": f"Bearer {response.json()['access_token']}"}
        assert (await auth.save(SAVE_BODY, headers=header)).status_code == 200
        [(lifetime,)] = auth.sql("SELECT expires_ticks - created_ticks FROM auth_token WHERE kind = 'access'")
        assert lifetime == datetimes.TICKS_PER_SECOND
        second = datetimes.TICKS_PER_SECOND
        auth.sql(
            "UPDATE auth_token SET created_ticks = created_ticks - ?, expires_ticks = expires_ticks - ?,"
            " used_ticks = used_ticks - ? WHERE kind = 'access'",
            2 * second,
            2 * second,
            2 * second,
        )
        assert_refused(await auth.save(SAVE_BODY, headers=header))
        assert auth.row_count() == 1


async def test_logout_revokes_the_access_token(auth):
    """Logout with a bearer token revokes it at once."""
    header = {"Authorization": f"Bearer {await grant_token(auth)}"}
    assert (await auth.client.post(LOGOUT, headers=header)).status_code == 204
    assert_refused(await auth.save(SAVE_BODY, headers=header))
    assert auth.row_count() == 0


async def test_cli_revoke_makes_the_access_token_fail_at_once(auth):
    """`sochat ticket revoke 8A:...` revokes an access token on the running app."""
    token = await grant_token(auth, AGENT1)
    header = {"Authorization": f"Bearer {token}"}
    assert (await auth.save(SAVE_BODY, headers=header)).status_code == 200
    result = await run_cli(auth, "ticket", "revoke", token)
    assert result.exit_code == 0, result.output
    assert_refused(await auth.save(SAVE_BODY, headers=header))
    assert auth.row_count() == 1


@pytest.mark.parametrize(
    "make_header",
    [
        pytest.param(lambda t: f"Bearer {t[:-4]}", id="truncated"),
        pytest.param(lambda t: f"Bearer {t[3:]}", id="without-8A-prefix"),
        pytest.param(lambda t: f"Bearers {t}", id="misspelt-scheme"),
        pytest.param(lambda t: f"OAuth {t}", id="other-scheme"),
        pytest.param(lambda t: f"Bearer:{t}", id="colon-instead-of-space"),
        pytest.param(lambda t: f"Bearer {t[:8]} {t[8:]}", id="space-inside-token"),
        pytest.param(lambda t: f"Bearer {t}".encode() + b"\xfe", id="non-utf8-byte-appended"),
        pytest.param(lambda t: b"Bearer 8A:\xe2\x82" + t[6:].encode(), id="invalid-utf8-inside"),
    ],
)
async def test_malformed_bearer_header_is_401_and_saves_nothing(auth, make_header):
    """Malformed Bearer headers around a live token are a 401 and store nothing."""
    token = await grant_token(auth)
    assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": make_header(token)}))
    assert auth.row_count() == 0


async def test_bearer_tolerates_several_spaces_after_the_scheme(auth):
    """Several spaces between scheme and token are allowed (RFC 7235: 1*SP)."""
    token = await grant_token(auth)
    assert (await auth.save(SAVE_BODY, headers={"Authorization": f"Bearer   {token}"})).status_code == 200


async def test_access_token_is_not_a_ticket(auth):
    """An access token sent with the SOTicket scheme is a 401."""
    token = await grant_token(auth)
    assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": f"SOTicket {token}"}))
    assert auth.row_count() == 0


async def test_bearer_token_of_readonly_user_cannot_save(auth):
    """The password grant for viewer gives a token with viewer's rights (save is 403)."""
    token = await grant_token(auth, VIEWER)
    assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": f"Bearer {token}"}), 403)
    assert auth.row_count() == 0


async def test_bearer_off_when_not_an_enabled_scheme(auth_factory, anyio_backend):
    """With auth_schemes lacking bearer, a live access token is a 401 that does not offer Bearer."""
    async with auth_factory(auth_schemes="basic,soticket,cookie") as auth:
        token = await grant_token(auth, TJE0)
        response = await auth.save(SAVE_BODY, headers={"Authorization": f"Bearer {token}"})
        assert_refused(response)
        assert not any(v.lower().startswith("bearer") for v in response.headers.get_list("www-authenticate"))
