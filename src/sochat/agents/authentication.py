"""The authentication agent: who a caller is, and the credentials sochat hands out.

Signing in (a password, a ticket, an access token, a JWT, a browser session), the lockout that slows and then
stops repeated failures, registered applications (SO-AppToken), and the use cases that issue or revoke
credentials: the login call, logout, and the OAuth 2 token endpoint's two grants. The HTTP edge
(sochat.http.auth, sochat.http.handlers.authentication) only reads headers and bodies into the values below and
writes the answers; every decision is made here.

Failures answer one message whatever the cause; repeated ones are slowed, then locked (sochat.agents.lockout).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sochat.agents.lockout import AttemptKeys, Lockout, now_ticks
from sochat.domain import datetimes
from sochat.domain.errors import OAuthError, Unauthorized
from sochat.domain.principal import Principal
from sochat.security.oidc import JwtRejected, OidcSettings, OidcVerifier
from sochat.security.passwords import VERIFIERS, VerifiedCredentials, verify_password
from sochat.security.tokens import (
    ACCESS_PREFIX,
    TICKET_PREFIX,
    new_access_token,
    new_secret,
    new_ticket,
    same_secret,
    token_hash,
)
from sochat.security.usernames import is_user_name
from sochat.settings import Settings
from sochat.store.records import NewToken, UserRecord
from sochat.store.repositories import Unit
from sochat.store.store import Store

# The logger keeps the name it had while this code lived in sochat.http.auth: operators filter on it.
log = logging.getLogger("sochat.http.auth")

REFUSED = "Authentication failed: send valid credentials (see the WWW-Authenticate header for the schemes)"
XSRF_MISMATCH = "Authentication failed: the X-XSRF-TOKEN header does not match the XSRF-TOKEN cookie of this session"
UNKNOWN_APP = "SO-AppToken names no registered application"
UNREGISTERED_APP = "(unregistered)"  # the access log's app field for a token that names no application
MINUTE = 60 * datetimes.TICKS_PER_SECOND
_TOUCH_EVERY = 60 * datetimes.TICKS_PER_SECOND


# -- the credentials a request carries, as the HTTP edge read them ------------------------------------------


@dataclass(frozen=True, slots=True)
class Password:
    """Authorization: Basic."""

    user_name: str
    password: str


@dataclass(frozen=True, slots=True)
class Ticket:
    """Authorization: SOTicket."""

    secret: str


@dataclass(frozen=True, slots=True)
class BearerToken:
    """Authorization: Bearer, an opaque access token or a JWT."""

    token: str


@dataclass(frozen=True, slots=True)
class BrowserSession:
    """The session cookie and the X-XSRF-TOKEN header, which the edge has already found equal to the
    XSRF-TOKEN cookie."""

    session: str
    xsrf: str


Credentials = Password | Ticket | BearerToken | BrowserSession


# -- what the use cases answer ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoginResult:
    """The login call's credentials: a SOTicket, and a browser session with its XSRF token."""

    user: UserRecord
    ticket: str
    session: str
    xsrf: str
    idle_minutes: int  # how long the ticket lives unused


@dataclass(frozen=True, slots=True)
class AccessToken:
    """An OAuth 2 access token (Bearer) and its lifetime."""

    token: str
    expires_in: int  # seconds


class AuthenticationAgent:
    def __init__(
        self,
        store: Store,
        cache: VerifiedCredentials,
        settings: Settings,
        on_unregistered_app: Callable[[], None] = lambda: None,
    ) -> None:
        self._store = store
        self._cache = cache
        self._settings = settings
        self._on_unregistered_app = on_unregistered_app
        # The schemes this server accepts (basic, soticket, bearer, cookie), lower case.
        self.schemes = frozenset(s.strip().lower() for s in settings.auth_schemes.split(",") if s.strip())
        self.lockout = Lockout(store, settings)
        self._oidc = (
            OidcVerifier(
                OidcSettings(
                    settings.oidc_jwks,
                    settings.oidc_issuer,
                    settings.oidc_audience,
                    settings.oidc_user_claim,
                    settings.oidc_leeway_seconds,
                )
            )
            if settings.oidc_jwks
            else None
        )

    # -- signing a request in ---------------------------------------------------------------------------

    async def application(self, token: str | None) -> str | None:
        """The registered application SO-AppToken names (decision 19).

        No header, or an empty one: no application. A token that names no registered application is
        accepted, logged and counted, unless --require-app-token (SuperOffice Online's rule) refuses it. A
        revoked application is refused always: an administrator said so."""
        value = (token or "").strip()
        if not value:
            return None
        record = await self._store.read(
            lambda unit: unit.applications.find(token_hash(value)), "find_application", point=True
        )
        if record is not None and record.revoked:
            raise Unauthorized(UNKNOWN_APP)
        if record is not None:
            return record.name
        if self._settings.require_app_token_with_ticket:
            raise Unauthorized(UNKNOWN_APP)
        log.info("SO-AppToken names no registered application; accepted (see --require-app-token)")
        self._on_unregistered_app()
        return UNREGISTERED_APP

    async def sign_in(self, credentials: Credentials, address: str, *, app: str | None) -> Principal:
        """The caller these credentials name, with the application ``app`` (from ``application``) if any."""
        if isinstance(credentials, Password):
            user = await self.check_password(credentials.user_name, credentials.password, address)
            principal = Principal(user.associate_id, user.user_name, user.role, scheme="basic")
        elif isinstance(credentials, Ticket):
            if self._settings.require_app_token_with_ticket and app is None:
                raise Unauthorized(f"{REFUSED}; SOTicket requests must send a registered SO-AppToken")
            principal = await self._token(credentials.secret, "ticket", "soticket", TICKET_PREFIX)
        elif isinstance(credentials, BearerToken):
            principal = await self._bearer(credentials.token)
        else:
            principal = await self._browser_session(credentials)
        return principal if app is None else _with_app(principal, app)

    async def check_password(self, user_name: str, password: str, address: str) -> UserRecord:
        """Verify a user name and password (Basic, the login call, the password grant), with lockout.

        A name that cannot be a user name (too long, control characters) is refused like a wrong password,
        without a look-up; it counts against the client address only."""
        if not is_user_name(user_name):
            return await self._refuse(Lockout.keys(None, user_name, address))
        user = await self._store.read(lambda unit: unit.users.find(user_name), "find_user", point=True)
        keys = Lockout.keys(user, user_name, address)
        stored_hash = user.password_hash if user is not None else None
        if user is not None and self._cache.matches(user_name, password, stored_hash):
            if await self.lockout.locked(keys):
                raise Unauthorized(REFUSED)
            return user
        # argon2 is slow on purpose: off the event loop, and run even for unknown users so timing is alike.
        ok = await asyncio.get_running_loop().run_in_executor(VERIFIERS, verify_password, stored_hash, password)
        if not ok or user is None or stored_hash is None:
            return await self._refuse(keys)
        if await self.lockout.locked(keys):
            raise Unauthorized(REFUSED)
        self._cache.remember(user_name, password, stored_hash)
        await self.lockout.succeeded(keys)
        return user

    # -- handing credentials out ------------------------------------------------------------------------

    async def login(self, user_name: str, password: str, address: str) -> LoginResult:
        """The login call: a SOTicket and a browser session (cookie + XSRF token) for a user and password."""
        user = await self.check_password(user_name, password, address)
        settings = self._settings
        now = now_ticks()
        ticket, session, xsrf = new_ticket(), new_secret(), new_secret()
        end_of_life = now + settings.ticket_lifetime_hours * 60 * MINUTE
        tokens = [
            NewToken(token_hash(secret), kind, user.associate_id, end_of_life, idle * MINUTE, xsrf_hash=xsrf_hash)
            for secret, kind, idle, xsrf_hash in (
                (ticket, "ticket", settings.ticket_idle_minutes, None),
                (session, "session", settings.session_idle_minutes, token_hash(xsrf)),
            )
        ]

        def add_tokens(unit: Unit) -> None:  # one job: both are stored, or neither
            for token in tokens:
                unit.tokens.add(token, now)

        await self._store.write(add_tokens, "add_token")
        return LoginResult(user, ticket, session, xsrf, settings.ticket_idle_minutes)

    async def logout(self, principal: Principal) -> None:
        """Revoke the ticket, token or browser session the caller signed in with (nothing for Basic or a JWT)."""
        credential = principal.credential_hash
        if credential is not None:
            await self._store.write(lambda unit: unit.tokens.revoke(credential), "revoke_token")

    async def password_grant(self, user_name: str, password: str, address: str) -> AccessToken:
        """OAuth 2's password grant: an access token for the user."""
        try:
            user = await self.check_password(user_name, password, address)
        except Unauthorized:
            raise OAuthError("invalid_grant", "The user name or password is wrong") from None
        return await self._access_token(user.associate_id, None)

    async def client_credentials_grant(self, client_id: str, secret: str, *, challenge: str | None) -> AccessToken:
        """OAuth 2's client credentials grant: an access token for the owner of a registered application.
        ``challenge`` is the WWW-Authenticate an invalid client is answered with (the client sent HTTP Basic)."""
        app = await self._store.read(
            lambda unit: unit.applications.find(token_hash(secret)), "find_application", point=True
        )
        if app is None or app.revoked or app.name.lower() != client_id.lower() or app.owner_id is None:
            error = OAuthError("invalid_client", "Unknown client, wrong secret, or an application without an owner")
            error.challenge = challenge
            raise error
        owner_id = app.owner_id
        owner = await self._store.read(lambda unit: unit.users.find_by_id(owner_id), "find_user_by_id", point=True)
        if owner is None:
            raise OAuthError("invalid_client", "The application's owner can no longer sign in")
        return await self._access_token(owner.associate_id, app.app_id)

    # -- the parts --------------------------------------------------------------------------------------

    async def _access_token(self, associate_id: int, app_id: int | None) -> AccessToken:
        token = new_access_token()
        now = now_ticks()
        lifetime = self._settings.access_token_seconds
        await self._store.write(
            lambda unit: unit.tokens.add(
                NewToken(
                    token_hash(token),
                    "access",
                    associate_id,
                    now + lifetime * datetimes.TICKS_PER_SECOND,
                    app_id=app_id,
                ),
                now,
            ),
            "add_token",
        )
        return AccessToken(token, lifetime)

    async def _refuse(self, keys: AttemptKeys) -> UserRecord:
        """Count a failed sign-in (unless already locked: a lock is never extended by more tries) and refuse."""
        if not await self.lockout.locked(keys):
            log.info("password authentication refused", extra={"user": "-"})
            await self.lockout.failed(keys)
        raise Unauthorized(REFUSED)

    async def _token(self, credentials: str, kind: str, scheme: str, prefix: str) -> Principal:
        if not credentials.startswith(prefix) or len(credentials) > 512:
            raise Unauthorized(REFUSED)
        hashed = token_hash(credentials)
        now = now_ticks()
        record = await self._store.read(lambda unit: unit.tokens.find(hashed, kind, now), "find_token", point=True)
        if record is None:
            raise Unauthorized(REFUSED)
        if now - record.used_ticks > _TOUCH_EVERY:
            await self._store.write(lambda unit: unit.tokens.touch(hashed, now), "touch_token")
        user = record.user
        return Principal(user.associate_id, user.user_name, user.role, scheme=scheme, credential_hash=hashed)

    async def _bearer(self, credentials: str) -> Principal:
        if credentials.startswith(ACCESS_PREFIX):
            return await self._token(credentials, "access", "bearer", ACCESS_PREFIX)
        if self._oidc is None or credentials.count(".") != 2:
            raise Unauthorized(REFUSED)
        try:
            user_name = self._oidc.verify(credentials)
        except JwtRejected as exc:
            log.info("JWT refused: %s", exc)
            raise Unauthorized(REFUSED) from None
        user = (
            await self._store.read(lambda unit: unit.users.find(user_name), "find_user", point=True)
            if is_user_name(user_name)
            else None
        )
        if user is None:
            log.info("JWT names no sochat user")
            raise Unauthorized(REFUSED)
        return Principal(user.associate_id, user.user_name, user.role, scheme="jwt")

    async def _browser_session(self, credentials: BrowserSession) -> Principal:
        hashed = token_hash(credentials.session)
        now = now_ticks()
        record = await self._store.read(lambda unit: unit.tokens.find(hashed, "session", now), "find_token", point=True)
        if record is None:
            raise Unauthorized(REFUSED)
        if record.xsrf_hash is None or not same_secret(token_hash(credentials.xsrf), record.xsrf_hash):
            raise Unauthorized(XSRF_MISMATCH)
        if now - record.used_ticks > _TOUCH_EVERY:
            await self._store.write(lambda unit: unit.tokens.touch(hashed, now), "touch_token")
        user = record.user
        return Principal(user.associate_id, user.user_name, user.role, scheme="cookie", credential_hash=hashed)


def _with_app(principal: Principal, app: str) -> Principal:
    return Principal(
        principal.associate_id, principal.username, principal.role, principal.scheme, app, principal.credential_hash
    )
