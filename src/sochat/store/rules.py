"""Rules every store applies inside its write transaction, written once for SQLite and PostgreSQL.
The stores only fetch the rows; these functions apply the conditions to them. Who may see which session is
not decided here: the caller's SessionScope (sochat.domain.rights) comes with the Precondition."""

from __future__ import annotations

from sochat.domain.errors import Conflict, PreconditionFailed
from sochat.domain.writes import IdempotencyKey, Precondition


def check_precondition(session_id: int, row: tuple[int, int, int | None] | None, precondition: Precondition) -> bool:
    """``row`` is the stored (row_version, updated_ticks, user_id), or None when the session is not stored.

    Answers whether the write may touch the stored row: False when the caller's scope (sochat.domain.rights)
    does not admit it, and the write then goes on exactly as for an id that is not stored. Raises
    PreconditionFailed for a stale version or time.
    """
    hidden = row is not None and precondition.scope is not None and not precondition.scope.admits(row[2])
    if row is None or hidden:
        if precondition.versions is not None:
            raise PreconditionFailed(f"ChatSession {session_id} does not exist, so it cannot match If-Match")
        return not hidden
    version, updated_ticks, _ = row
    if precondition.refuses_version(version):
        raise PreconditionFailed(f"ChatSession {session_id} has changed since the ETag you sent; nothing was saved")
    if precondition.unmodified_since_ticks is not None and updated_ticks > precondition.unmodified_since_ticks:
        raise PreconditionFailed(f"ChatSession {session_id} has changed since If-Unmodified-Since; nothing was saved")
    return True


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


def replaces_credentials(stored: tuple[str | None, object] | None, password_hash: str | None, deleted: bool) -> bool:
    """Whether an imported associate row ends the user's tickets, tokens and browser sessions, as
    `sochat user passwd` and `sochat user delete` do. ``stored`` is the stored (password_hash, deleted), or None
    when the associate is new; ``password_hash`` None means the row keeps the stored one."""
    if stored is None:
        return False
    stored_hash, stored_deleted = stored
    return (password_hash is not None and password_hash != stored_hash) or (deleted and not stored_deleted)
