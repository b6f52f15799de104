"""Authorization header -> Principal. Routes never read credentials themselves.

Basic is implemented here; the other schemes SuperOffice names (SOTicket, Bearer, the XSRF cookie)
plug in beside it and end in the same Principal.
"""

from __future__ import annotations

import asyncio
import binascii
import logging
from base64 import b64decode

from sochat.domain.errors import Unauthorized
from sochat.domain.principal import Principal
from sochat.security.passwords import VerifiedCredentials, verify_password
from sochat.store.protocol import Store

log = logging.getLogger(__name__)

WWW_AUTHENTICATE = ("www-authenticate", 'Basic realm="sochat", charset="UTF-8"')
# One message for every failure, so an answer never tells whether a user exists.
_REFUSED = "Authentication failed: send valid credentials in the Authorization header (Basic)"


class Authenticator:
    def __init__(self, store: Store, cache: VerifiedCredentials) -> None:
        self._store = store
        self._cache = cache

    async def authenticate(self, headers: dict[str, str]) -> Principal:
        authorization = headers.get("authorization")
        if not authorization:
            raise Unauthorized(_REFUSED)
        scheme, _, credentials = authorization.strip().partition(" ")
        if scheme.lower() != "basic":
            raise Unauthorized(_REFUSED)
        user_name, password = _decode_basic(credentials.strip())
        user = await self._store.find_user(user_name)
        stored_hash = user.password_hash if user is not None else None
        if user is None or not self._cache.matches(user_name, password, stored_hash):
            # argon2 is slow on purpose; keep it off the event loop.
            ok = await asyncio.get_running_loop().run_in_executor(None, verify_password, stored_hash, password)
            if not ok or user is None or stored_hash is None:
                log.info("basic authentication refused")
                raise Unauthorized(_REFUSED)
            self._cache.remember(user_name, password, stored_hash)
        return Principal(user.associate_id, user.user_name, user.role)


def _decode_basic(credentials: str) -> tuple[str, str]:
    try:
        raw = b64decode(credentials, validate=True)
    except (binascii.Error, ValueError):
        raise Unauthorized(_REFUSED) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    user_name, sep, password = text.partition(":")
    if not sep or not user_name:
        raise Unauthorized(_REFUSED)
    return user_name, password
