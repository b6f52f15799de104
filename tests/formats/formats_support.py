"""What several format tests read beside the API: the stored row of a session, on either database."""

from __future__ import annotations

from typing import Any

from support.client import Client


def stored_row(chat: Client, chat_session_id: int) -> dict[str, Any]:
    """The chat_session row as the database holds it, without the id and the bookkeeping columns."""
    assert chat.backend is not None
    row = chat.backend.record("chat_session", "chat_session_id", chat_session_id)
    assert row is not None, f"chat session {chat_session_id} is not stored"
    skipped = {"chat_session_id", "row_version", "updated_ticks"}
    return {key: value for key, value in row.items() if key not in skipped}
