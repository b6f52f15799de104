"""What a write must check before it changes anything: the client's conditions and its idempotency key.

The HTTP edge reads them from headers, the agents add the caller's scope, and the store checks them inside the
write's transaction (sochat.store.rules).
"""

from __future__ import annotations

from dataclasses import dataclass

from sochat.domain.rights import SessionScope


@dataclass(frozen=True, slots=True)
class Precondition:
    """Conditions a write checks inside its transaction (If-Match, If-Unmodified-Since, the caller's scope)."""

    # If-Match: the stored versions the write accepts (any of them, RFC 9110); None: no version is asked for.
    versions: tuple[int, ...] | None = None
    unmodified_since_ticks: int | None = None
    # The sessions the caller may see (sochat.domain.rights decides): a stored session outside it counts as
    # not stored, so the write answers exactly as for an id that is not stored. None: every session.
    scope: SessionScope | None = None

    def refuses_version(self, version: int) -> bool:
        """True when If-Match named versions and ``version`` (the stored one) is none of them."""
        return self.versions is not None and version not in self.versions


@dataclass(frozen=True, slots=True)
class IdempotencyKey:
    """An Idempotency-Key on a create: the same owner and key within the window create only once."""

    owner: int  # associate id: keys are per caller
    key: str
    fingerprint: str  # hash of the request body; a reused key with another body is refused
    expires_ticks: int
