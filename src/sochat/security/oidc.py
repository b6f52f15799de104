"""JWTs from an external OpenID Connect issuer, verified against its published keys (JWKS).

Keys are loaded at start (from a file or a URL) and cached. A token signed with a key id we do not know
fails at once and triggers one refresh in the background (at most once a minute), so a request never
waits on the network and a rotated key is picked up without a restart.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

import jwt
from jwt import PyJWK, PyJWKSet

log = logging.getLogger(__name__)
ALGORITHMS = ("RS256", "ES256")
_REFRESH_INTERVAL = 60.0


@dataclass(frozen=True)
class OidcSettings:
    jwks: str  # a file path or an http(s) URL
    issuer: str
    audience: str
    user_claim: str = "preferred_username"
    leeway_seconds: int = 60


class JwtRejected(Exception):
    """The token is not acceptable; the message says why (for the log, never for the client)."""


class OidcVerifier:
    def __init__(self, settings: OidcSettings) -> None:
        self.settings = settings
        self._keys: dict[str, PyJWK] = {}
        self._last_refresh = 0.0
        self._refreshing: asyncio.Task[None] | None = None
        self._keys = _load_keys(settings.jwks)
        self._last_refresh = time.monotonic()

    def verify(self, token: str) -> str:
        """The user name the token's claim names; JwtRejected otherwise."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise JwtRejected(f"malformed JWT: {exc}") from None
        algorithm = header.get("alg")
        if algorithm not in ALGORITHMS:
            raise JwtRejected(f"algorithm {algorithm!r} is not accepted")
        kid = header.get("kid")
        key = self._keys.get(kid) if isinstance(kid, str) else None
        if key is None and kid is None and len(self._keys) == 1:
            key = next(iter(self._keys.values()))
        if key is None:
            self._refresh_soon()
            raise JwtRejected(f"unknown key id {kid!r}")
        _require_numeric_dates(token)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key.key,
                algorithms=[algorithm],
                audience=self.settings.audience,
                issuer=self.settings.issuer,
                leeway=self.settings.leeway_seconds,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise JwtRejected(str(exc)) from None
        except (TypeError, ValueError) as exc:
            # The header's algorithm does not fit the key its kid names (RS256 with an EC key, ...).
            raise JwtRejected(f"algorithm {algorithm} does not fit key {kid!r}: {exc}") from None
        user = claims.get(self.settings.user_claim)
        if not isinstance(user, str) or not user:
            raise JwtRejected(f"claim {self.settings.user_claim!r} is missing")
        return user

    def _refresh_soon(self) -> None:
        if self._refreshing is not None and not self._refreshing.done():
            return
        if time.monotonic() - self._last_refresh < _REFRESH_INTERVAL:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._last_refresh = time.monotonic()
        self._refreshing = loop.create_task(self._refresh())

    async def _refresh(self) -> None:
        try:
            self._keys = await asyncio.to_thread(_load_keys, self.settings.jwks)
            log.info("JWKS refreshed: %d keys", len(self._keys))
        except (OSError, ValueError, jwt.PyJWTError) as exc:
            log.warning("JWKS refresh failed, keeping the old keys: %s", exc)


_DATE_CLAIMS = ("exp", "nbf", "iat")


def _require_numeric_dates(token: str) -> None:
    """exp, nbf and iat are NumericDates (RFC 7519 section 2): finite JSON numbers. PyJWT would read the
    string "123" as a number and fail on an object, Infinity or NaN with errors of its own; refusing anything
    else here, before the signature is even checked, keeps every such token a plain 401."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise JwtRejected(f"malformed JWT: {exc}") from None
    for name in _DATE_CLAIMS:
        if name not in claims:
            continue
        value = claims[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise JwtRejected(f"claim {name!r} is not a number")
        if abs(value) > _LATEST_DATE:
            raise JwtRejected(f"claim {name!r} is out of range")


_LATEST_DATE = 253_402_300_799  # 9999-12-31T23:59:59Z in seconds: beyond it no clock can compare


def _load_keys(source: str) -> dict[str, PyJWK]:
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=10) as answer:  # noqa: S310 - scheme checked above
            raw = answer.read()
    else:
        with open(source, "rb") as handle:
            raw = handle.read()
    keys: dict[str, PyJWK] = {}
    for index, key in enumerate(PyJWKSet.from_dict(json.loads(raw)).keys):
        keys[key.key_id or f"#{index}"] = key
    return keys
