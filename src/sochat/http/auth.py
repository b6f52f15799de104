"""Every way SuperOffice clients authenticate, turned into one Principal. Routes never read credentials.

    Authorization: Basic base64(user:password)     argon2-verified, with a verified-credentials cache
    Authorization: SOTicket 7T:...                 tickets from POST /api/v1/Authentication/Login or the CLI
    Authorization: Bearer 8A:...                   opaque access tokens from POST /api/v1/oauth/token
    Authorization: Bearer <JWT>                    from a configured OpenID Connect issuer (JWKS)
    Cookie SOCHAT_SESSION + X-XSRF-TOKEN header    browser sessions from the login call
    SO-AppToken: <token>                           a registered application (optional unless required)

Failures answer one message whatever the cause. Repeated failures for a user or an address are slowed,
then locked for a while; a locked account answers exactly like a wrong password.
"""

from __future__ import annotations

import asyncio
import binascii
import ipaddress
import logging
from base64 import b64decode
from datetime import UTC, datetime
from http.cookies import CookieError, SimpleCookie

from sochat.domain import datetimes
from sochat.domain.errors import Unauthorized
from sochat.domain.principal import Principal
from sochat.security.oidc import JwtRejected, OidcSettings, OidcVerifier
from sochat.security.passwords import VERIFIERS, VerifiedCredentials, verify_password
from sochat.security.tokens import ACCESS_PREFIX, TICKET_PREFIX, same_secret, token_hash
from sochat.settings import Settings
from sochat.store.protocol import Store, UserRecord

log = logging.getLogger(__name__)

SESSION_COOKIE = "SOCHAT_SESSION"
XSRF_COOKIE = "XSRF-TOKEN"
REFUSED = "Authentication failed: send valid credentials (see the WWW-Authenticate header for the schemes)"
_TOUCH_EVERY = 60 * datetimes.TICKS_PER_SECOND
_CHALLENGES = {
    "basic": 'Basic realm="sochat", charset="UTF-8"',
    "soticket": 'SOTicket realm="sochat"',
    "bearer": 'Bearer realm="sochat"',
}


def now_ticks() -> int:
    return datetimes.from_datetime(datetime.now(UTC))


class Lockout:
    """Failed-login bookkeeping per user name and per client address, kept in the database so every
    replica sees it."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self._store = store
        self._slow_after = settings.lockout_slow_after
        self._lock_after = settings.lockout_after
        self._window = settings.lockout_window_minutes * 60 * datetimes.TICKS_PER_SECOND
        self._lock = settings.lockout_minutes * 60 * datetimes.TICKS_PER_SECOND

    @staticmethod
    def keys(user_name: str, address: str) -> list[str]:
        """The counters a login attempt touches. Loopback clients are not locked by address: on a laptop
        that would lock every user out for one mistyped test, and behind a local proxy uvicorn already
        reports the real client address from X-Forwarded-For."""
        keys = [f"user:{user_name.lower()}"]
        if not _is_loopback(address):
            keys.append(f"addr:{address}")
        return keys

    async def locked(self, keys: list[str]) -> bool:
        if self._lock_after <= 0:
            return False
        return await self._store.auth_locked_until(keys) > now_ticks()

    async def failed(self, keys: list[str]) -> None:
        """Count the failure and slow the answer once there were several (a second per failure, up to 5)."""
        if self._lock_after <= 0:
            return  # lockout switched off
        failures = await self._store.note_auth_failure(keys, now_ticks(), self._window, self._lock_after, self._lock)
        if failures > self._slow_after:
            await asyncio.sleep(min(failures - self._slow_after, 5))

    async def succeeded(self, keys: list[str]) -> None:
        """Forget earlier failures; a read first, so a sign-in writes nothing when there is nothing to forget
        (and still works on a database that cannot take writes)."""
        now = now_ticks()
        if await self._store.auth_failures(keys, now, self._window) > 0:
            await self._store.clear_auth_failures(keys, now)


class Authenticator:
    def __init__(self, store: Store, cache: VerifiedCredentials, settings: Settings) -> None:
        self._store = store
        self._cache = cache
        self._settings = settings
        self.schemes = {s.strip().lower() for s in settings.auth_schemes.split(",") if s.strip()}
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

    @property
    def challenges(self) -> list[tuple[str, str]]:
        """One WWW-Authenticate header per enabled scheme."""
        return [("www-authenticate", value) for scheme, value in _CHALLENGES.items() if scheme in self.schemes]

    async def authenticate(self, headers: dict[str, str], address: str) -> Principal:
        app = await self._application(headers.get("so-apptoken"))
        authorization = headers.get("authorization")
        if authorization is not None and authorization.strip():
            scheme, _, credentials = authorization.strip().partition(" ")
            scheme = scheme.lower()
            credentials = credentials.strip()
            if scheme == "basic" and "basic" in self.schemes:
                principal = await self._basic(credentials, address)
            elif scheme == "soticket" and "soticket" in self.schemes:
                if self._settings.require_app_token_with_ticket and app is None:
                    raise Unauthorized(REFUSED)
                principal = await self._token(credentials, "ticket", "soticket", TICKET_PREFIX)
            elif scheme == "bearer" and "bearer" in self.schemes:
                principal = await self._bearer(credentials)
            else:
                raise Unauthorized(REFUSED)
        elif "cookie" in self.schemes:
            principal = await self._cookie(headers)
        else:
            raise Unauthorized(REFUSED)
        return principal if app is None else _with_app(principal, app)

    async def check_password(self, user_name: str, password: str, address: str) -> UserRecord:
        """Verify a user name and password (Basic, the login call, the password grant), with lockout."""
        keys = Lockout.keys(user_name, address)
        user = await self._store.find_user(user_name)
        stored_hash = user.password_hash if user is not None else None
        if user is not None and self._cache.matches(user_name, password, stored_hash):
            if await self.lockout.locked(keys):
                raise Unauthorized(REFUSED)
            return user
        # argon2 is slow on purpose: off the event loop, and run even for unknown users so timing is alike.
        ok = await asyncio.get_running_loop().run_in_executor(VERIFIERS, verify_password, stored_hash, password)
        if await self.lockout.locked(keys):
            raise Unauthorized(REFUSED)
        if not ok or user is None or stored_hash is None:
            log.info("password authentication refused", extra={"user": "-"})
            await self.lockout.failed(keys)
            raise Unauthorized(REFUSED)
        self._cache.remember(user_name, password, stored_hash)
        await self.lockout.succeeded(keys)
        return user

    async def _basic(self, credentials: str, address: str) -> Principal:
        user_name, password = _decode_basic(credentials)
        user = await self.check_password(user_name, password, address)
        return Principal(user.associate_id, user.user_name, user.role, scheme="basic")

    async def _token(self, credentials: str, kind: str, scheme: str, prefix: str) -> Principal:
        if not credentials.startswith(prefix) or len(credentials) > 512:
            raise Unauthorized(REFUSED)
        hashed = token_hash(credentials)
        now = now_ticks()
        record = await self._store.find_token(hashed, kind, now)
        if record is None:
            raise Unauthorized(REFUSED)
        if now - record.used_ticks > _TOUCH_EVERY:
            await self._store.touch_token(hashed, now)
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
        user = await self._store.find_user(user_name)
        if user is None:
            log.info("JWT names no sochat user")
            raise Unauthorized(REFUSED)
        return Principal(user.associate_id, user.user_name, user.role, scheme="jwt")

    async def _cookie(self, headers: dict[str, str]) -> Principal:
        cookies = parse_cookies(headers.get("cookie"))
        session = cookies.get(SESSION_COOKIE)
        header = headers.get("x-xsrf-token")
        xsrf = cookies.get(XSRF_COOKIE)
        # The XSRF header must be present and equal to the cookie a page script could read; another site
        # can send our cookies but cannot read them, so it cannot produce the header.
        if not session or not header or not xsrf or not same_secret(header, xsrf):
            raise Unauthorized(REFUSED)
        hashed = token_hash(session)
        now = now_ticks()
        record = await self._store.find_token(hashed, "session", now)
        if record is None or record.xsrf_hash is None or not same_secret(token_hash(header), record.xsrf_hash):
            raise Unauthorized(REFUSED)
        if now - record.used_ticks > _TOUCH_EVERY:
            await self._store.touch_token(hashed, now)
        user = record.user
        return Principal(user.associate_id, user.user_name, user.role, scheme="cookie", credential_hash=hashed)

    async def _application(self, token: str | None) -> str | None:
        if token is None:
            return None
        record = await self._store.find_application(token_hash(token.strip())) if token.strip() else None
        if record is None or record.revoked:
            raise Unauthorized("SO-AppToken names no registered application")
        return record.name


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return True  # no usable address (e.g. a unix socket): nothing to lock by


def _with_app(principal: Principal, app: str) -> Principal:
    return Principal(
        principal.associate_id, principal.username, principal.role, principal.scheme, app, principal.credential_hash
    )


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
