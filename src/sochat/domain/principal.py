"""Who is calling: the authenticated user, as every layer below the HTTP edge sees it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Role(Enum):
    """A user's role; it decides table and field rights (see sochat.domain.rights)."""

    ADMIN = "admin"
    AGENT = "agent"
    READONLY = "readonly"


@dataclass(frozen=True, slots=True)
class Principal:
    associate_id: int
    username: str
    role: Role
    scheme: str = "basic"  # how the caller signed in: basic, soticket, bearer, jwt, cookie
    app: str | None = None  # the registered application named by SO-AppToken, if any
    credential_hash: str | None = None  # the ticket/token/session used, so logout can revoke it
