"""Basic: success, wrong secret, a changed password, malformed headers; a refusal stores nothing."""

from __future__ import annotations

import base64

import pytest
from argon2 import PasswordHasher
from auth_support import (
    SAVE_BODY,
    assert_refused,
    basic,
)

from support.api import LIST, SAVE, TJE0

pytestmark = pytest.mark.anyio

CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
SAMPLE = "dGplMDpUamUw"  # base64("tje0:Tje0"), the seed's own header


async def test_basic_saves_as_the_user(auth):
    """Right Basic credentials save a session and the list shows it to the admin."""
    response = await auth.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)})
    assert response.status_code == 200, response.text
    assert auth.row_count() == 1
    listed = await auth.client.get(LIST, headers={"Authorization": basic(*TJE0)})
    assert listed.status_code == 200, listed.text
    assert [row["customerName"] for row in listed.json()["value"]] == ["auth test"]


@pytest.mark.parametrize("credentials", [("tje0", "Tje1"), ("tje0", "tje0"), ("tje0", ""), ("nobody", "Tje0")])
async def test_basic_wrong_secret_is_401_and_saves_nothing(auth, credentials):
    """A wrong or empty password, or an unknown user, is a 401 and stores nothing."""
    assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": basic(*credentials)}))
    assert auth.row_count() == 0


async def test_basic_old_password_fails_at_once_after_a_change(auth):
    """After the password changes, the old one (already verified and cached) fails on the next call."""
    assert (await auth.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)})).status_code == 200
    assert auth.store.run_admin(lambda unit: unit.users.set_password("tje0", CHEAP.hash("N3w-secret")))
    assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)}))
    response = await auth.save(SAVE_BODY, headers={"Authorization": basic("tje0", "N3w-secret")})
    assert response.status_code == 200, response.text
    assert auth.row_count() == 2


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("Basic " + SAMPLE[:-1], id="truncated-base64"),
        pytest.param("Basic " + SAMPLE[:-4], id="truncated-to-a-full-quantum"),
        pytest.param("Basic", id="scheme-only"),
        pytest.param("Basicc " + SAMPLE, id="misspelt-scheme"),
        pytest.param("Basic:" + SAMPLE, id="colon-instead-of-space"),
        pytest.param("Digest " + SAMPLE, id="other-scheme"),
        pytest.param("Basic dGplMDpU amUw", id="space-inside-credentials"),
        pytest.param("Basic " + SAMPLE + " extra", id="trailing-second-token"),
        pytest.param("Basic " + base64.b64encode(b"tje0").decode(), id="no-colon"),
        pytest.param("Basic " + base64.b64encode(b":Tje0").decode(), id="empty-user"),
        pytest.param("Basic " + base64.b64encode(b"tje0:Tje0\xff").decode(), id="non-utf8-password"),
        pytest.param(b"Basic " + SAMPLE.encode() + b"\xff", id="non-utf8-byte-in-header"),
        pytest.param(b"Basic \xc3(\xa0\xa1", id="invalid-utf8-sequence"),
    ],
)
async def test_basic_malformed_header_is_401_and_saves_nothing(auth, header):
    """Malformed Basic headers are a 401 with the usual body and store nothing."""
    body = assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": header}))
    assert body["ErrorType"] == "SoAuthenticationException"
    assert auth.row_count() == 0


@pytest.mark.parametrize("header", ["Basic   " + SAMPLE, "  Basic " + SAMPLE + "  ", "BASIC " + SAMPLE])
async def test_basic_tolerates_the_whitespace_and_case_rfc_7235_allows(auth, header):
    """Several spaces after the scheme (1*SP), surrounding whitespace and scheme case are accepted."""
    response = await auth.save(SAVE_BODY, headers={"Authorization": header})
    assert response.status_code == 200, response.text
    assert auth.row_count() == 1


async def test_basic_off_when_not_an_enabled_scheme(auth_factory, anyio_backend):
    """With auth_schemes lacking basic, right Basic credentials are a 401 that does not offer Basic."""
    async with auth_factory(auth_schemes="soticket,bearer,cookie") as auth:
        response = await auth.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)})
        assert_refused(response)
        challenges = response.headers.get_list("www-authenticate")
        assert not any(value.lower().startswith("basic") for value in challenges), challenges
        assert auth.row_count() == 0


async def test_basic_non_ascii_password_sent_as_utf8(auth):
    """A non-ASCII password sent UTF-8 encoded (the charset the challenge names) is accepted."""
    assert auth.store.run_admin(lambda unit: unit.users.set_password("agent2", CHEAP.hash("Pässwörd-€")))
    header = "Basic " + base64.b64encode("agent2:Pässwörd-€".encode()).decode()
    response = await auth.save(SAVE_BODY, headers={"Authorization": header})
    assert response.status_code == 200, response.text


async def test_two_authorization_headers_are_refused(auth):
    """Two Authorization headers (even both right) are not one credential: refused, nothing stored."""
    response = await auth.client.post(
        SAVE, json={}, headers=[("Authorization", basic(*TJE0)), ("Authorization", basic(*TJE0))]
    )
    assert response.status_code in (400, 401), response.text
    assert auth.row_count() == 0
