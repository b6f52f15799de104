"""Helpers for the authentication tests over support.client's Client (an in-process app seen from a
non-loopback client address, with no credentials of its own): the credentials every scheme needs, the login
and token calls, credentials stored straight in the database, and the `sochat` command line on the app's
database."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie

import anyio.to_thread
import httpx
from click.testing import CliRunner, Result

from sochat.cli import main as sochat_cli
from sochat.domain import datetimes
from sochat.security.tokens import new_access_token, new_secret, new_ticket, token_hash
from sochat.store.records import NewToken
from sochat.store.store import Store
from support.api import ERROR_KEYS, TJE0
from support.client import Client
from support.databases import stored_users
from support.inprocess import in_process, new_client
from support.servers import PYTHON_SOCHAT

LOGIN = "/api/v1/Authentication/Login"
LOGOUT = "/api/v1/Authentication/Logout"
TOKEN = "/api/v1/oauth/token"

REMOTE = "203.0.113.7"  # TEST-NET-3: not loopback, so per-address lockout applies
OTHER_REMOTE = "203.0.113.8"
SESSION_COOKIE = "SOCHAT_SESSION"
XSRF_COOKIE = "XSRF-TOKEN"
REFUSED_CHALLENGES = {"basic", "soticket", "bearer"}  # the schemes that have a WWW-Authenticate challenge
SAVE_BODY = {"CustomerName": "auth test"}
MINUTE_TICKS = 60 * datetimes.TICKS_PER_SECOND
ISSUER = "https://login.example.test/"  # the OpenID Connect issuer the JWT tests configure
AUDIENCE = "sochat"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def ticks_now(shift: timedelta = timedelta(0)) -> int:
    return datetimes.from_datetime(datetime.now(UTC) + shift)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def hand_made_jwt(header: dict[str, object], claims: dict[str, object], signature: bytes = b"") -> str:
    """A JWT assembled by hand (for tokens a JWT library refuses to produce)."""
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64url(signature)}"


def hs256_jwt(header: dict[str, object], claims: dict[str, object], secret: bytes) -> str:
    """An HS256 JWT signed by hand with ``secret`` (PyJWT refuses a PEM key as an HMAC secret)."""
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    signature = hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


@dataclass(frozen=True)
class Login:
    """What the login call handed out: a ticket and the two browser cookies."""

    ticket: str
    session: str
    xsrf: str
    response: httpx.Response

    def cookie_headers(self, xsrf_header: str | None = None) -> dict[str, str]:
        """Headers a browser page sends: both cookies, and the XSRF header (the right one by default)."""
        headers = {"Cookie": f"{SESSION_COOKIE}={self.session}; {XSRF_COOKIE}={self.xsrf}"}
        headers["X-XSRF-TOKEN"] = self.xsrf if xsrf_header is None else xsrf_header
        return headers


def set_cookies(response: httpx.Response) -> dict[str, SimpleCookie]:
    """Each Set-Cookie header of a response, by cookie name, parsed with its attributes."""
    found: dict[str, SimpleCookie] = {}
    for header in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        for name in jar:
            found[name] = jar
    return found


async def log_in(auth: Client, user: tuple[str, str] = TJE0, **headers: str) -> Login:
    """The login call; fails the test unless it answers 200 with a ticket and both cookies."""
    response = await auth.request("POST", LOGIN, {"Username": user[0], "Password": user[1]}, headers=headers)
    assert response.status_code == 200, response.text
    auth.client.cookies.clear()  # every test sends the cookies it means to send, nothing implicit
    cookies = set_cookies(response)
    ticket = response.json()["Ticket"]
    assert ticket.startswith("7T:"), ticket
    return Login(
        ticket, cookies[SESSION_COOKIE][SESSION_COOKIE].value, cookies[XSRF_COOKIE][XSRF_COOKIE].value, response
    )


async def grant_token(auth: Client, user: tuple[str, str] = TJE0) -> str:
    """An opaque Bearer token from the password grant."""
    response = await auth.client.post(TOKEN, data={"grant_type": "password", "username": user[0], "password": user[1]})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    assert token.startswith("8A:"), token
    return token


async def store_token(
    auth: Client,
    kind: str,
    user_id: int,
    *,
    expires_in: timedelta,
    idle: timedelta | None = None,
    used_ago: timedelta = timedelta(0),
) -> tuple[str, str | None]:
    """Store a credential straight in the database (to control its expiry); answers (secret, xsrf)."""
    assert auth.store is not None
    secret = {"ticket": new_ticket, "access": new_access_token, "session": new_secret}[kind]()
    xsrf = new_secret() if kind == "session" else None
    used = ticks_now(-used_ago)
    idle_ticks = 0 if idle is None else int(idle.total_seconds()) * datetimes.TICKS_PER_SECOND
    token = NewToken(
        token_hash(secret),
        kind,
        user_id,
        ticks_now(expires_in),
        idle_ticks=idle_ticks,
        xsrf_hash=None if xsrf is None else token_hash(xsrf),
    )
    await auth.store.write(lambda unit: unit.tokens.add(token, used))
    return secret, xsrf


async def run_cli(auth: Client, *args: str) -> Result:
    """Run a `sochat` command against the app's database (in a thread: the CLI runs its own loop)."""
    assert auth.backend is not None
    runner = CliRunner()
    database = ["--database", auth.backend.url]
    # Options go before a "--" that ends them (a value after it may start with "-").
    cut = args.index("--") if "--" in args else len(args)
    arguments = [*args[:cut], *database, *args[cut:]]
    return await anyio.to_thread.run_sync(lambda: runner.invoke(sochat_cli, arguments, catch_exceptions=False))


async def register_app(auth: Client, name: str, owner: str | None = None) -> str:
    """Register an application with `sochat app add`; answers its token."""
    result = await run_cli(auth, "app", "add", name, *(["--owner", owner] if owner else []))
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


@asynccontextmanager
async def app_client(store: Store, **settings: object) -> AsyncIterator[Callable[[str], httpx.AsyncClient]]:
    """The app on any test store (SQLite or PostgreSQL); yields a function making a client seen from a given
    address."""
    clients: list[httpx.AsyncClient] = []
    async with in_process(store, **settings) as opened:

        def client_at(address: str) -> httpx.AsyncClient:
            client = new_client(opened.app, (address, 5000))
            clients.append(client)
            return client

        try:
            yield client_at
        finally:
            for client in clients:
                await client.aclose()


def assert_refused(response: httpx.Response, status: int = 401) -> dict[str, object]:
    """A SuperOffice error answer with the given status (and challenges when 401)."""
    assert response.status_code == status, response.text
    body: dict[str, object] = response.json()
    assert set(body) == ERROR_KEYS, body
    assert body["Error"] is True
    if status == 401:
        schemes = {value.split()[0].lower() for value in response.headers.get_list("www-authenticate")}
        assert schemes, "a 401 without WWW-Authenticate"
    return body


def python_sochat() -> list[str]:
    return list(PYTHON_SOCHAT)


def user_id(store: Store | None, name: str) -> int:
    """The associate id of a demo user."""
    assert store is not None
    return next(u.associate_id for u in stored_users(store) if u.user_name == name)
