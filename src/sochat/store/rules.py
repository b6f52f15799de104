"""Rules every store applies inside its write transaction, written once for SQLite and PostgreSQL.
The stores only fetch the rows; these functions decide."""

from __future__ import annotations

from sochat.domain.errors import Conflict, Forbidden, PreconditionFailed
from sochat.store.protocol import IdempotencyKey, Precondition

# The associate columns that import and export carry (beside the id and the password hash).
ASSOCIATE_COLUMNS = (
    "name",
    "user_name",
    "full_name",
    "formal_name",
    "person_id",
    "rank",
    "tooltip",
    "user_type",
    "group_idx",
    "deleted",
    "ej_user_id",
    "role",
)


def check_precondition(session_id: int, row: tuple[int, int, int | None] | None, precondition: Precondition) -> None:
    """``row`` is the stored (row_version, updated_ticks, user_id), or None when the session is not stored.

    Raises Forbidden for another agent's session, PreconditionFailed for a stale version or time.
    """
    if row is None:
        if precondition.version is not None:
            raise PreconditionFailed(f"ChatSession {session_id} does not exist, so it cannot match If-Match")
        return
    version, updated_ticks, user_id = row
    if precondition.owner is not None and user_id not in (None, precondition.owner):
        raise Forbidden(f"You may not change chat session {session_id}: it is assigned to another user")
    if precondition.version is not None and version != precondition.version:
        raise PreconditionFailed(f"ChatSession {session_id} has changed since the ETag you sent; nothing was saved")
    if precondition.unmodified_since_ticks is not None and updated_ticks > precondition.unmodified_since_ticks:
        raise PreconditionFailed(f"ChatSession {session_id} has changed since If-Unmodified-Since; nothing was saved")


def replay_of(row: tuple[str, int, int] | None, key: IdempotencyKey, now_ticks: int) -> tuple[int | None, bool]:
    """``row`` is the stored (fingerprint, chat_session_id, expires_ticks) for the key, or None.

    Answers (the session an earlier request created, whether the stored row has expired and should be
    deleted). The same key with another body is a Conflict.
    """
    if row is None:
        return None, False
    fingerprint, chat_session_id, expires_ticks = row
    if expires_ticks <= now_ticks:
        return None, True
    if fingerprint != key.fingerprint:
        raise Conflict("This Idempotency-Key was used before with a different body; use a new key")
    return int(chat_session_id), False
