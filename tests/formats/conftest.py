"""Fixtures for the format tests (issue 3): one in-process app on a private demo database for the whole run
(tests use their own ids and before/after counts), a client speaking raw bytes, and the request writers of
support.bodies."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from sochat.app import SochatApp
from sochat.store.sqlite import SqliteEngine
from sochat.store.store import Store
from support import bodies
from support.api import GET, SAVE, TJE0_BASIC
from support.databases import load_cheap_demo, sqlite_session_count
from support.entity import full_entity
from support.inprocess import client_for, started_app


class ChatApi:
    """An httpx client on the in-process app, speaking raw bytes so every format can be sent as is."""

    def __init__(self, client: httpx.AsyncClient, db_path: Path) -> None:
        self.client = client
        self.db_path = db_path

    async def save(
        self,
        body: bytes | str,
        content_type: str | None = "application/json",
        *,
        accept: str | None = None,
        auth: bool = True,
    ) -> httpx.Response:
        """POST SaveChatSessionEntity with exactly this body, Content-Type and Accept."""
        content = body.encode("utf-8") if isinstance(body, str) else body
        headers: dict[str, str] = {}
        if content_type is not None:
            headers["Content-Type"] = content_type
        if accept is not None:
            headers["Accept"] = accept
        if auth:
            headers["Authorization"] = TJE0_BASIC
        return await self.client.post(SAVE, content=content, headers=headers)

    async def save_json(self, entity: dict[str, Any]) -> dict[str, Any]:
        """Save a JSON entity; assert 200 and answer the stored entity."""
        response = await self.save(json.dumps(entity))
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    async def get(self, chat_session_id: int, *, accept: str | None = None) -> httpx.Response:
        """POST GetChatSessionEntity?chatSessionEntityId=N with the given Accept."""
        headers = {"Authorization": TJE0_BASIC}
        if accept is not None:
            headers["Accept"] = accept
        return await self.client.post(GET, params={"chatSessionEntityId": chat_session_id}, headers=headers)

    async def get_json(self, chat_session_id: int) -> Any:
        """The stored entity as JSON (None when not stored)."""
        response = await self.get(chat_session_id)
        assert response.status_code == 200, response.text
        return response.json()

    def row(self, chat_session_id: int) -> dict[str, Any]:
        """The stored chat_session row without its id and bookkeeping columns."""
        return stored_row(self.db_path, chat_session_id)

    def row_count(self) -> int:
        """How many chat sessions the database holds, read straight from SQLite."""
        return sqlite_session_count(self.db_path)


@pytest.fixture(scope="session")
def formats_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated demo database for the format tests (tests use their own ids and before/after counts)."""
    return tmp_path_factory.mktemp("formats") / "t.db"


@pytest.fixture(scope="session")
def formats_app(formats_db: Path) -> Iterator[SochatApp]:
    """The real app on a real SQLite store, started once: Basic logins are argon2-verified once, then cached."""
    store = Store(SqliteEngine(formats_db))
    store.migrate()
    load_cheap_demo(store)
    try:
        with started_app(store) as app:
            yield app
    finally:
        store.close()


@pytest.fixture
async def chat(formats_app: SochatApp, formats_db: Path, anyio_backend: str) -> AsyncIterator[ChatApi]:
    """A client on the app through httpx's ASGI transport."""
    async with client_for(formats_app) as client:
        yield ChatApi(client, formats_db)


@pytest.fixture
def full_session() -> dict[str, Any]:
    """A save body with every property set to a non-default value (links by id only), its texts with XML's
    and form encoding's special characters and a character outside the BMP."""
    return full_entity(
        CustomerName="John Smith & Sons <Ltd>",
        FirstMessage="Hi, I need help with my order #42 = 50% off?",
        LastMessage="Ha det bra! \u00e6\u00f8\u00e5 \u2713 \U0001f600",
    )


@pytest.fixture
def wire() -> ModuleType:
    """Writers for each request format (support.bodies: wire.xml, wire.form, wire.body, ...)."""
    return bodies


def stored_row(db_path: Path, chat_session_id: int) -> dict[str, Any]:
    """The chat_session row as SQLite holds it, without the id and the bookkeeping columns."""
    connection = sqlite3.connect(db_path)
    connection.row_factory = sqlite3.Row
    try:
        row = connection.execute("SELECT * FROM chat_session WHERE chat_session_id = ?", (chat_session_id,)).fetchone()
    finally:
        connection.close()
    assert row is not None, f"chat session {chat_session_id} is not stored"
    skipped = {"chat_session_id", "row_version", "updated_ticks"}
    return {key: row[key] for key in row.keys() if key not in skipped}  # noqa: SIM118 - sqlite3.Row needs keys()
