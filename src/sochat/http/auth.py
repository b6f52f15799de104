"""Reading the credentials of a request from its headers; the authentication agent
(sochat.agents.authentication) decides who they name. Routes never read credentials.

    Authorization: Basic base64(user:password)     argon2-verified, with a verified-credentials cache
    Authorization: SOTicket 7T:...                 tickets from POST /api/v1/Authentication/Login or the CLI
    Authorization: Bearer 8A:...                   opaque access tokens from POST /api/v1/oauth/token
    Authorization: Bearer <JWT>                    from a configured OpenID Connect issuer (JWKS)
    Cookie SOCHAT_SESSION + X-XSRF-TOKEN header    browser sessions from the login call
    SO-AppToken: <token>                           a registered application (optional unless required)

Which schemes are accepted, lockout and applications are the agent's: here is only where each credential is
found in the request, and the WWW-Authenticate challenges an answer of 401 carries.
"""

from __future__ import annotations

import binascii
from base64 import b64decode
from collections.abc import Mapping
from http.cookies import CookieError, SimpleCookie

from sochat.agents.authentication import (
    REFUSED,
    XSRF_MISMATCH,
    AuthenticationAgent,
    BearerToken,
    BrowserSession,
    Credentials,
    Password,
    Ticket,
)
from sochat.domain.errors import Unauthorized
from sochat.domain.principal import Principal
from sochat.security.tokens import same_secret

SESSION_COOKIE = "SOCHAT_SESSION"
XSRF_COOKIE = "XSRF-TOKEN"
XSRF_MISSING = "Authentication failed: a request signed in by cookie must send the X-XSRF-TOKEN header"
_CHALLENGES = {
    "basic": 'Basic realm="sochat", charset="UTF-8"',
    "soticket": 'SOTicket realm="sochat"',
    "bearer": 'Bearer realm="sochat"',
}


class Authenticator:
    """Signs a request in through the authentication agent."""

    def __init__(self, agent: AuthenticationAgent) -> None:
        self._agent = agent

    @property
    def challenges(self) -> list[tuple[str, str]]:
        """One WWW-Authenticate header per enabled scheme."""
        return [("www-authenticate", value) for scheme, value in _CHALLENGES.items() if scheme in self._agent.schemes]

    async def authenticate(self, headers: Mapping[str, str], address: str) -> Principal:
        # The application first: a revoked SO-AppToken is refused whatever the credentials are.
        app = await self._agent.application(headers.get("so-apptoken"))
        return await self._agent.sign_in(credentials(headers, self._agent.schemes), address, app=app)


def credentials(headers: Mapping[str, str], schemes: frozenset[str]) -> Credentials:
    """The credentials of a request in one of the accepted ``schemes``; Unauthorized when it has none."""
    authorization = headers.get("authorization")
    if authorization is not None and authorization.strip():
        scheme, _, value = authorization.strip().partition(" ")
        scheme = scheme.lower()
        value = value.strip()
        if scheme == "basic" and "basic" in schemes:
            return Password(*_decode_basic(value))
        if scheme == "soticket" and "soticket" in schemes:
            return Ticket(value)
        if scheme == "bearer" and "bearer" in schemes:
            return BearerToken(value)
        raise Unauthorized(REFUSED)
    if "cookie" in schemes:
        return _browser_session(headers)
    raise Unauthorized(REFUSED)


def _browser_session(headers: Mapping[str, str]) -> BrowserSession:
    cookies = parse_cookies(headers.get("cookie"))
    session = cookies.get(SESSION_COOKIE)
    header = headers.get("x-xsrf-token")
    xsrf = cookies.get(XSRF_COOKIE)
    # The XSRF header must be present and equal to the cookie a page script could read; another site
    # can send our cookies but cannot read them, so it cannot produce the header. Saying which of the two
    # went wrong tells nothing about users or sessions, and saves a developer an afternoon.
    if not session:
        raise Unauthorized(REFUSED)
    if not header:
        raise Unauthorized(XSRF_MISSING)
    if not xsrf or not same_secret(header, xsrf):
        raise Unauthorized(XSRF_MISMATCH)
    return BrowserSession(session, header)


def parse_cookies(header: str | None) -> dict[str, str]:
    if not header:
        return {}
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def _decode_basic(credentials: str) -> tuple[str, str]:
    try:
        raw = b64decode(credentials, validate=True)
    except (binascii.Error, ValueError):
        raise Unauthorized(REFUSED) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    user_name, sep, password = text.partition(":")
    if not sep or not user_name:
        raise Unauthorized(REFUSED)
    return user_name, password
