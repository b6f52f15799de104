"""Random credentials and their stored form. Only SHA-256 hashes are stored: the secrets are 256 random
bits, so a fast hash is enough (unlike passwords, they cannot be guessed from a dictionary)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

TICKET_PREFIX = "7T:"  # SuperOffice's ticket prefix (SOTicket scheme)
ACCESS_PREFIX = "8A:"  # SuperOffice's opaque access-token prefix (Bearer scheme)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_ticket() -> str:
    return TICKET_PREFIX + new_secret()


def new_access_token() -> str:
    return ACCESS_PREFIX + new_secret()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def same_secret(left: str, right: str) -> bool:
    """Constant-time comparison of two secrets given by clients."""
    return hmac.compare_digest(left.encode("utf-8", "surrogatepass"), right.encode("utf-8", "surrogatepass"))
