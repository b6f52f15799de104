"""argon2 password hashes, and a cache that spares a verified Basic login the hash on every request.

The cache remembers "this password matched this stored hash". It keys on an HMAC of the password
under a per-process random key, so the cache never holds a password, and it checks the stored hash
it was given on every use: change a password and the old entry stops matching at once, in this
process and in every other one, because the hash is read from the database on each request.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()
# argon2 takes 64 MiB per verification by design. Running them on a small pool of our own bounds the
# memory and CPU that a burst of logins (or of guesses for unknown users) can take: requests queue instead.
VERIFIERS = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="sochat-argon2")
# Verified against when the user does not exist, so that an unknown name costs the same as a wrong password.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Constant work whether or not there is a stored hash; never raises on a bad hash."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


class VerifiedCredentials:
    """A bounded LRU of (user, password digest) -> the stored hash that password was verified against."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._key = secrets.token_bytes(32)
        self._capacity = capacity
        self._entries: OrderedDict[tuple[str, bytes], str] = OrderedDict()
        self._lock = threading.Lock()

    def _digest(self, user_name: str, password: str) -> tuple[str, bytes]:
        mac = hmac.new(self._key, password.encode("utf-8"), hashlib.sha256).digest()
        return user_name.lower(), mac

    def matches(self, user_name: str, password: str, stored_hash: str | None) -> bool:
        """True when this password was verified before against exactly ``stored_hash``."""
        if stored_hash is None:
            return False
        key = self._digest(user_name, password)
        with self._lock:
            remembered = self._entries.get(key)
            if remembered is not None:
                self._entries.move_to_end(key)
        return remembered is not None and hmac.compare_digest(remembered.encode(), stored_hash.encode())

    def remember(self, user_name: str, password: str, stored_hash: str) -> None:
        key = self._digest(user_name, password)
        with self._lock:
            self._entries[key] = stored_hash
            self._entries.move_to_end(key)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)
