"""Failed sign-ins: slowed, then locked for a while, per stored user and per client address.

A locked account answers exactly like a wrong password (sochat.agents.authentication). The failure counters are
bounded: one per stored user, one per client address (IPv6 per /64), and for every name a shared bucket of
1024; they are removed once their window and lock are over.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime

from sochat.domain import datetimes
from sochat.security.usernames import is_user_name
from sochat.settings import Settings
from sochat.store.records import UserRecord
from sochat.store.store import Store

NAME_BUCKETS = 1024


def now_ticks() -> int:
    return datetimes.from_datetime(datetime.now(UTC))


@dataclass(frozen=True)
class AttemptKeys:
    """The failure counters one login attempt touches."""

    locking: list[str]  # counters that lock: the stored user's, and the client address's
    slowing: list[str]  # counted and slowing the answer only: the bucket of the name


class Lockout:
    """Failed-login bookkeeping per user and per client address, kept in the database so every replica
    sees it."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self._store = store
        self._slow_after = settings.lockout_slow_after
        self._lock_after = settings.lockout_after
        self._window = settings.lockout_window_minutes * 60 * datetimes.TICKS_PER_SECOND
        self._lock = settings.lockout_minutes * 60 * datetimes.TICKS_PER_SECOND

    @staticmethod
    def keys(user: UserRecord | None, user_name: str, address: str) -> AttemptKeys:
        """The counters a login attempt touches.

        Only a stored user has a counter of its own, so names that are not stored cannot add rows. Every
        name, stored or not, also counts in one of NAME_BUCKETS shared buckets, and the bucket slows the
        answer like the user's counter does: a name that is not stored slows down exactly as a stored one,
        so the delay tells nobody which names exist. Buckets never lock (that would lock out users who
        merely share one). The bucket is a plain hash of the name: knowing it helps nobody, because a
        stored name counts in its bucket too.

        Loopback clients are not locked by address: on a laptop that would lock every user out for one
        mistyped test, and behind a local proxy uvicorn already reports the real client address from
        X-Forwarded-For."""
        locking = [] if user is None else [user_lock_key(user.user_name)]
        address_key = _address_key(address)
        if address_key is not None:
            locking.append(address_key)
        return AttemptKeys(locking, [name_bucket(user_name)] if is_user_name(user_name) else [])

    async def locked(self, keys: AttemptKeys) -> bool:
        if self._lock_after <= 0 or not keys.locking:
            return False
        return (
            await self._store.read(
                lambda unit: unit.lockout.locked_until(keys.locking), "auth_locked_until", point=True
            )
            > now_ticks()
        )

    async def failed(self, keys: AttemptKeys) -> None:
        """Count the failure and slow the answer once there were several (a second per failure, up to 5)."""
        if self._lock_after <= 0 or not (keys.locking or keys.slowing):
            return  # lockout switched off, or nothing to count
        failures = await self._store.write(
            lambda unit: unit.lockout.note(
                keys.locking, now_ticks(), self._window, self._lock_after, self._lock, count_only=keys.slowing
            ),
            "note_auth_failure",
        )
        if failures > self._slow_after:
            await asyncio.sleep(min(failures - self._slow_after, 5))

    async def succeeded(self, keys: AttemptKeys) -> None:
        """Forget earlier failures of the user and the address (not the shared bucket); a read first, so a
        sign-in writes nothing when there is nothing to forget (and still works on a database that cannot
        take writes)."""
        now = now_ticks()
        if (
            keys.locking
            and await self._store.read(
                lambda unit: unit.lockout.failures(keys.locking, now, self._window), "auth_failures", point=True
            )
            > 0
        ):
            await self._store.write(lambda unit: unit.lockout.clear(keys.locking, now), "clear_auth_failures")


def user_lock_key(user_name: str) -> str:
    """The failure counter of a stored user (`sochat user unlock` clears it)."""
    return f"user:{user_name.lower()}"


def _address_key(address: str) -> str | None:
    """The counter of a client address: IPv4 addresses one by one, IPv6 per /64 (what one subscriber gets,
    so one client cannot make a counter per address of its network). None for loopback clients and when
    there is no usable address (e.g. a unix socket): nothing to lock by."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped
    if parsed.is_loopback:
        return None
    if isinstance(parsed, ipaddress.IPv6Address):
        return f"addr:{ipaddress.IPv6Network((parsed, 64), strict=False)}"
    return f"addr:{parsed}"


def name_bucket(user_name: str) -> str:
    """The shared failure bucket of a user name (case-insensitive, like user names)."""
    digest = hashlib.sha256(user_name.lower().encode("utf-8")).digest()
    return f"name:{int.from_bytes(digest[:4], 'big') % NAME_BUCKETS}"
