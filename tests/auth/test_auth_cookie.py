"""Browser sessions: the login call's cookies, the X-XSRF-TOKEN rule, expiry, revocation, cross-site login."""

from __future__ import annotations

from datetime import timedelta

import pytest
from auth_support import (
    LOGIN,
    LOGOUT,
    SAVE_BODY,
    SESSION_COOKIE,
    XSRF_COOKIE,
    assert_refused,
    basic,
    log_in,
    run_cli,
    set_cookies,
    store_token,
    user_id,
)

from support.api import TJE0

pytestmark = pytest.mark.anyio


async def test_login_sets_httponly_strict_session_and_readable_strict_xsrf_cookie(auth):
    """SOCHAT_SESSION is HttpOnly + SameSite=Strict; XSRF-TOKEN is SameSite=Strict and readable by scripts."""
    login = await log_in(auth)
    cookies = set_cookies(login.response)
    session = cookies[SESSION_COOKIE][SESSION_COOKIE]
    xsrf = cookies[XSRF_COOKIE][XSRF_COOKIE]
    assert session["httponly"] is True
    assert session["samesite"] == "Strict"
    assert session["path"] == "/"
    assert xsrf["samesite"] == "Strict"
    assert not xsrf["httponly"], "the page's scripts must be able to read XSRF-TOKEN"
    assert not session["secure"] and not xsrf["secure"], "plain-HTTP cookies unless cookie_secure"
    assert login.session != login.xsrf != login.ticket


async def test_cookie_secure_marks_both_cookies_secure(auth_factory, anyio_backend):
    """With cookie_secure both cookies carry the Secure attribute."""
    async with auth_factory(cookie_secure=True) as auth:
        cookies = set_cookies((await log_in(auth)).response)
        assert cookies[SESSION_COOKIE][SESSION_COOKIE]["secure"] is True
        assert cookies[XSRF_COOKIE][XSRF_COOKIE]["secure"] is True


async def test_cookie_with_the_right_xsrf_header_saves(auth):
    """Both cookies plus X-XSRF-TOKEN equal to the XSRF-TOKEN cookie save a session."""
    login = await log_in(auth)
    response = await auth.save(SAVE_BODY, headers=login.cookie_headers())
    assert response.status_code == 200, response.text
    assert auth.row_count() == 1


async def test_cookie_without_xsrf_header_is_401_and_saves_nothing(auth):
    """The session cookie without X-XSRF-TOKEN is a 401 and stores nothing."""
    login = await log_in(auth)
    headers = login.cookie_headers()
    del headers["X-XSRF-TOKEN"]
    assert_refused(await auth.save(SAVE_BODY, headers=headers))
    assert auth.row_count() == 0


@pytest.mark.parametrize(
    "wrong",
    [
        pytest.param(lambda x: x[:-1] + ("A" if x[-1] != "A" else "B"), id="one-character-off"),
        pytest.param(lambda x: x[:-3], id="truncated"),
        pytest.param(lambda x: "", id="empty"),
        pytest.param(lambda x: x + x, id="doubled"),
        pytest.param(lambda x: x[:5] + " " + x[5:], id="space-inside"),
        pytest.param(lambda x: x.encode() + b"\xff", id="non-utf8-byte"),
    ],
)
async def test_cookie_with_a_wrong_xsrf_header_is_401_and_saves_nothing(auth, wrong):
    """An X-XSRF-TOKEN header that differs from the cookie in any way is a 401 and stores nothing."""
    login = await log_in(auth)
    headers = login.cookie_headers()
    headers["X-XSRF-TOKEN"] = wrong(login.xsrf)
    assert_refused(await auth.save(SAVE_BODY, headers=headers))
    assert auth.row_count() == 0


async def test_xsrf_header_without_the_xsrf_cookie_is_401(auth):
    """Only the session cookie and a (right) header, without the XSRF-TOKEN cookie, is a 401."""
    login = await log_in(auth)
    headers = {"Cookie": f"{SESSION_COOKIE}={login.session}", "X-XSRF-TOKEN": login.xsrf}
    assert_refused(await auth.save(SAVE_BODY, headers=headers))
    assert auth.row_count() == 0


async def test_session_of_one_login_with_xsrf_of_another_is_401(auth):
    """One session's cookie with another session's XSRF value (cookie and header agreeing) is a 401."""
    first, second = await log_in(auth), await log_in(auth)
    headers = {
        "Cookie": f"{SESSION_COOKIE}={first.session}; {XSRF_COOKIE}={second.xsrf}",
        "X-XSRF-TOKEN": second.xsrf,
    }
    assert_refused(await auth.save(SAVE_BODY, headers=headers))
    assert auth.row_count() == 0
    assert (await auth.save(SAVE_BODY, headers=first.cookie_headers())).status_code == 200
    assert (await auth.save(SAVE_BODY, headers=second.cookie_headers())).status_code == 200


async def test_unknown_session_cookie_is_401(auth):
    """A made-up session cookie with a self-consistent XSRF pair is a 401."""
    headers = {"Cookie": f"{SESSION_COOKIE}=made-up; {XSRF_COOKIE}=also-made-up", "X-XSRF-TOKEN": "also-made-up"}
    assert_refused(await auth.save(SAVE_BODY, headers=headers))
    assert auth.row_count() == 0


async def test_expired_session_is_401(auth):
    """A browser session past its expiry is refused even with the right XSRF value."""
    session, xsrf = await store_token(auth, "session", user_id(auth.store, "tje0"), expires_in=timedelta(seconds=-1))
    headers = {"Cookie": f"{SESSION_COOKIE}={session}; {XSRF_COOKIE}={xsrf}", "X-XSRF-TOKEN": xsrf}
    assert_refused(await auth.save(SAVE_BODY, headers=headers))
    assert auth.row_count() == 0


async def test_idle_session_is_401(auth):
    """A browser session unused longer than its idle limit is refused."""
    session, xsrf = await store_token(
        auth,
        "session",
        user_id(auth.store, "tje0"),
        expires_in=timedelta(days=1),
        idle=timedelta(minutes=5),
        used_ago=timedelta(minutes=6),
    )
    headers = {"Cookie": f"{SESSION_COOKIE}={session}; {XSRF_COOKIE}={xsrf}", "X-XSRF-TOKEN": xsrf}
    assert_refused(await auth.save(SAVE_BODY, headers=headers))


async def test_logout_revokes_the_session_and_clears_the_cookies(auth):
    """Logout by cookie + XSRF answers 204 with both cookies cleared; the session is then a 401."""
    login = await log_in(auth)
    logout = await auth.client.post(LOGOUT, headers=login.cookie_headers())
    assert logout.status_code == 204, logout.text
    cleared = set_cookies(logout)
    for name in (SESSION_COOKIE, XSRF_COOKIE):
        assert cleared[name][name].value == ""
        assert cleared[name][name]["max-age"] == "0"
    assert_refused(await auth.save(SAVE_BODY, headers=login.cookie_headers()))
    assert auth.row_count() == 0


async def test_logout_by_cookie_needs_the_xsrf_header(auth):
    """A cross-site logout (cookie without XSRF header) is a 401 and the session keeps working."""
    login = await log_in(auth)
    assert_refused(await auth.client.post(LOGOUT, headers={"Cookie": login.cookie_headers()["Cookie"]}))
    assert (await auth.save(SAVE_BODY, headers=login.cookie_headers())).status_code == 200


async def test_cli_revoke_of_the_session_value_makes_the_cookie_fail(auth):
    """`sochat ticket revoke` with the session cookie's value ends that browser session at once."""
    login = await log_in(auth)
    # "--": a session value may start with "-", which click would otherwise read as an option.
    result = await run_cli(auth, "ticket", "revoke", "--", login.session)
    assert result.exit_code == 0, result.output
    assert_refused(await auth.save(SAVE_BODY, headers=login.cookie_headers()))
    assert auth.row_count() == 0


@pytest.mark.parametrize(
    "cookie",
    [
        pytest.param(lambda s, x: f"sochat_session={s}; {XSRF_COOKIE}={x}", id="cookie-name-in-other-case"),
        pytest.param(lambda s, x: f"{SESSION_COOKIE}={s[:-4]}; {XSRF_COOKIE}={x}", id="truncated-session"),
        pytest.param(lambda s, x: f"{SESSION_COOKIE}={s}{XSRF_COOKIE}={x}", id="missing-separator"),
        pytest.param(
            lambda s, x: f"{SESSION_COOKIE}={s}".encode() + b"\xff; " + f"{XSRF_COOKIE}={x}".encode(), id="non-utf8"
        ),
        pytest.param(lambda s, x: f'{SESSION_COOKIE}="{s}; {XSRF_COOKIE}={x}', id="unbalanced-quote"),
    ],
)
async def test_malformed_cookie_header_is_401_and_saves_nothing(auth, cookie):
    """Malformed Cookie headers are a 401 and store nothing."""
    login = await log_in(auth)
    assert_refused(
        await auth.save(SAVE_BODY, headers={"Cookie": cookie(login.session, login.xsrf), "X-XSRF-TOKEN": login.xsrf})
    )
    assert auth.row_count() == 0


async def test_authorization_header_needs_no_xsrf_even_beside_a_cookie(auth):
    """A request with Authorization is authenticated by it; the cookie's XSRF rule does not apply."""
    login = await log_in(auth)
    headers = {"Cookie": login.cookie_headers()["Cookie"], "Authorization": basic(*TJE0)}
    assert (await auth.save(SAVE_BODY, headers=headers)).status_code == 200


async def test_wrong_authorization_is_not_rescued_by_a_good_cookie(auth):
    """A wrong Authorization header is a 401 even when a valid cookie + XSRF come along."""
    login = await log_in(auth)
    headers = {**login.cookie_headers(), "Authorization": basic("tje0", "wrong")}
    assert_refused(await auth.save(SAVE_BODY, headers=headers))
    assert auth.row_count() == 0


async def test_cookie_off_when_not_an_enabled_scheme(auth_factory, anyio_backend):
    """With auth_schemes lacking cookie, a live session with the right XSRF header is a 401."""
    async with auth_factory(auth_schemes="basic,soticket,bearer") as auth:
        login = await log_in(auth)
        assert_refused(await auth.save(SAVE_BODY, headers=login.cookie_headers()))
        assert auth.row_count() == 0


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Origin": "https://evil.example"}, id="foreign-origin"),
        pytest.param({"Origin": "http://test.evil.example"}, id="origin-host-suffix"),
        pytest.param({"Origin": "http://test:8080"}, id="origin-other-port"),
        pytest.param({"Sec-Fetch-Site": "cross-site"}, id="sec-fetch-site-cross-site"),
        pytest.param({"Sec-Fetch-Site": "cross-site", "Origin": "http://test"}, id="cross-site-despite-origin"),
    ],
)
async def test_cross_site_login_is_403_and_issues_nothing(auth, headers):
    """A login from another site is a 403 without cookies or ticket, and no credential is stored."""
    response = await auth.client.post(LOGIN, json={"Username": "tje0", "Password": "Tje0"}, headers=headers)
    assert_refused(response, 403)
    assert not response.headers.get_list("set-cookie")
    assert "7T:" not in response.text
    assert auth.sql("SELECT COUNT(*) FROM auth_token")[0][0] == 0


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Origin": "http://test"}, id="same-origin"),
        pytest.param({"Sec-Fetch-Site": "same-origin"}, id="sec-fetch-same-origin"),
        pytest.param({"Sec-Fetch-Site": "none"}, id="typed-by-the-user"),
        pytest.param({}, id="non-browser-client"),
    ],
)
async def test_same_site_login_is_allowed(auth, headers):
    """A login from this site's own page, or from a program without browser headers, succeeds."""
    response = await auth.client.post(LOGIN, json={"Username": "tje0", "Password": "Tje0"}, headers=headers)
    assert response.status_code == 200, response.text


async def test_failed_login_sets_no_cookie(auth):
    """A login with a wrong password is a 401 without cookies or ticket."""
    response = await auth.client.post(LOGIN, json={"Username": "tje0", "Password": "nope"})
    assert_refused(response)
    assert not response.headers.get_list("set-cookie")
    assert auth.sql("SELECT COUNT(*) FROM auth_token")[0][0] == 0
