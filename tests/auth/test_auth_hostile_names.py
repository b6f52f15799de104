"""User names and passwords with NUL and other control characters, lone surrogates and overlong names, on every
way in (Basic, the login call, the password grant, SOTicket, the cookie, a JWT's claim): the same refusal as a
wrong password, never a 500, on SQLite and PostgreSQL alike (PostgreSQL refuses NUL in text)."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import httpx
import pytest
from auth_support import (
    LOGIN,
    TOKEN,
    app_client,
)

from sochat.store.store import Store
from support.api import GET

pytestmark = pytest.mark.anyio

REMOTE = "203.0.113.9"
ROOMY_LOCKOUT = {"lockout_slow_after": 1000, "lockout_after": 1000}  # many refusals, none slowed or locked

HOSTILE_NAMES = [
    pytest.param("tj\x00e0", id="nul"),
    pytest.param("tje0\x00", id="trailing-nul"),
    pytest.param("tje0\x01", id="control"),
    pytest.param("tje0\x7f", id="delete"),
    pytest.param("tje0\n", id="newline"),
    pytest.param("t" * 255, id="255-characters"),
]
HOSTILE_PASSWORDS = [
    pytest.param("Tj\x00e0", id="nul"),
    pytest.param("Tje0\x00", id="trailing-nul"),
    pytest.param("\x1b[2J", id="escape"),
]


def basic_header(name: str, password: str) -> str:
    raw = f"{name}:{password}".encode("utf-8", "surrogatepass")
    return "Basic " + base64.b64encode(raw).decode("ascii")


async def basic(client: httpx.AsyncClient, name: str, password: str) -> httpx.Response:
    return await client.post(
        GET, params={"chatSessionEntityId": 1}, headers={"Authorization": basic_header(name, password)}
    )


async def login(client: httpx.AsyncClient, name: str, password: str) -> httpx.Response:
    body = json.dumps({"Username": name, "Password": password}).encode()
    return await client.post(LOGIN, content=body, headers={"Content-Type": "application/json"})


async def grant(client: httpx.AsyncClient, name: str, password: str) -> httpx.Response:
    form = f"grant_type=password&username={quote(name)}&password={quote(password)}"
    return await client.post(TOKEN, content=form, headers={"Content-Type": "application/x-www-form-urlencoded"})


async def answers_for(client: httpx.AsyncClient, name: str, password: str) -> list[httpx.Response]:
    return [
        await basic(client, name, password),
        await login(client, name, password),
        await grant(client, name, password),
    ]


def same_answer(hostile: httpx.Response, wrong: httpx.Response) -> None:
    assert hostile.status_code == wrong.status_code, hostile.text
    assert hostile.content == wrong.content


@pytest.mark.parametrize("name", HOSTILE_NAMES)
async def test_hostile_user_name_is_refused_like_a_wrong_password(store: Store, anyio_backend: str, name: str) -> None:
    """Basic, the login call and the password grant answer a name with control characters, or longer than 254
    characters, exactly as they answer a wrong password; the right password still works afterwards."""
    async with app_client(store, **ROOMY_LOCKOUT) as client_at:
        client = client_at(REMOTE)
        wrong = await answers_for(client, "tje0", "wrong")
        assert [r.status_code for r in wrong] == [401, 401, 400]
        for hostile, expected in zip(await answers_for(client, name, "Tje0"), wrong, strict=True):
            if "\x00" in name and hostile.request.url.path == TOKEN:
                # A NUL in a form field is refused by the form codec before any look-up: OAuth's invalid_request,
                # which says nothing about which names exist.
                assert (hostile.status_code, hostile.json()["error"]) == (400, "invalid_request"), hostile.text
                continue
            same_answer(hostile, expected)
        assert (await basic(client, "tje0", "Tje0")).status_code == 200


@pytest.mark.parametrize("password", HOSTILE_PASSWORDS)
async def test_hostile_password_is_refused_like_a_wrong_password(
    store: Store, anyio_backend: str, password: str
) -> None:
    """A password with NUL or control characters is just a wrong password, on every way in."""
    async with app_client(store, **ROOMY_LOCKOUT) as client_at:
        client = client_at(REMOTE)
        wrong = await answers_for(client, "tje0", "wrong")
        for hostile, expected in zip(await answers_for(client, "tje0", password), wrong, strict=True):
            if "\x00" in password and hostile.request.url.path == TOKEN:
                assert (hostile.status_code, hostile.json()["error"]) == (400, "invalid_request"), hostile.text
                continue
            same_answer(hostile, expected)


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Authorization": "SOTicket 7T:\x00abc"}, id="ticket-nul"),
        pytest.param({"Authorization": "SOTicket 7T:\x01" + "a" * 40}, id="ticket-control"),
        pytest.param({"Authorization": "Bearer 8A:\x00abc"}, id="access-token-nul"),
        pytest.param({"Cookie": "SOCHAT_SESSION=a\x00b; XSRF-TOKEN=x", "X-XSRF-TOKEN": "x"}, id="session-cookie-nul"),
        pytest.param({"Cookie": "SOCHAT_SESSION=ab; XSRF-TOKEN=x\x00", "X-XSRF-TOKEN": "x\x00"}, id="xsrf-nul"),
        pytest.param({"Authorization": "Basic " + "A" * 4000 + "\x00"}, id="basic-garbage"),
    ],
)
async def test_hostile_tickets_tokens_and_cookies_are_401(
    store: Store, anyio_backend: str, headers: dict[str, str]
) -> None:
    """Tickets, tokens and cookies with NUL or control characters are a 401 with the error body."""
    async with app_client(store) as client_at:
        response = await client_at(REMOTE).post(GET, params={"chatSessionEntityId": 1}, headers=headers)
        assert response.status_code == 401, response.text
        assert response.json()["Error"] is True


@pytest.mark.parametrize("claim", ["tj\x00e0", "tje0\x01", "t" * 255, ""])
async def test_jwt_naming_a_hostile_user_is_401(store: Store, issuer, anyio_backend: str, claim: str) -> None:
    """A correctly signed JWT whose user claim has control characters or is overlong is a 401 on both databases."""
    async with app_client(store, **issuer.settings()) as client_at:
        client = client_at(REMOTE)
        good = await client.post(
            GET, params={"chatSessionEntityId": 1}, headers={"Authorization": f"Bearer {issuer.rs256()}"}
        )
        assert good.status_code == 200, good.text
        response = await client.post(
            GET, params={"chatSessionEntityId": 1}, headers={"Authorization": f"Bearer {issuer.rs256(claim)}"}
        )
        assert response.status_code == 401, response.text
