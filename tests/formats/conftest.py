"""Fixtures for the format tests (issue 3): an in-process app on a private demo database, and wire helpers.

Everything here is independent of tests/conftest.py so these tests keep working while that file changes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape

import httpx
import pytest

from sochat.app import SochatApp, create_app
from sochat.demo import load_demo
from sochat.settings import Settings
from sochat.store.sqlite import SqliteStore

SAVE = "/api/v1/Agents/Chat/SaveChatSessionEntity"
GET = "/api/v1/Agents/Chat/GetChatSessionEntity"
AUTH = "Basic dGplMDpUamUw"  # tje0:Tje0, the demo admin
SERVICES88 = "http://www.superoffice.net/ws/crm/NetServer/Services88"
NIL_NS = "http://www.w3.org/2001/XMLSchema-instance"
ENTITY_ROOT = "ChatSessionEntity"
SEVEN_REQUEST_TYPES = (
    "application/json",
    "text/json",
    "application/xml",
    "text/xml",
    "application/x-www-form-urlencoded",
    "application/json-patch+json",
    "application/merge-patch+json",
)
SIX_ANSWER_TYPES = (
    "application/json",
    "text/json",
    "application/xml",
    "text/xml",
    "application/json-patch+json",
    "application/merge-patch+json",
)
VARY = ("Accept", "Accept-Language", "SO-Language", "SO-Culture", "SO-TimeZone")


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
            headers["Authorization"] = AUTH
        return await self.client.post(SAVE, content=content, headers=headers)

    async def save_json(self, entity: dict[str, Any]) -> dict[str, Any]:
        """Save a JSON entity; assert 200 and answer the stored entity."""
        response = await self.save(json.dumps(entity))
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    async def get(self, chat_session_id: int, *, accept: str | None = None) -> httpx.Response:
        """POST GetChatSessionEntity?chatSessionEntityId=N with the given Accept."""
        headers = {"Authorization": AUTH}
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
        connection = sqlite3.connect(self.db_path)
        try:
            (count,) = connection.execute("SELECT count(*) FROM chat_session").fetchone()
        finally:
            connection.close()
        return int(count)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def formats_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated demo database for the format tests (tests use their own ids and before/after counts)."""
    return tmp_path_factory.mktemp("formats") / "t.db"


@pytest.fixture(scope="session")
def formats_app(formats_db: Path) -> Iterator[SochatApp]:
    """The real app on a real SQLite store, started once: Basic logins are argon2-verified once, then cached."""
    store = SqliteStore(formats_db)
    store.migrate()
    assert load_demo(store)
    app = create_app(Settings(), store)
    app.startup()
    try:
        yield app
    finally:
        app.shutdown()
        store.close()


@pytest.fixture
async def chat(formats_app: SochatApp, formats_db: Path, anyio_backend: str) -> AsyncIterator[ChatApi]:
    """A client on the app through httpx's ASGI transport."""
    transport = httpx.ASGITransport(app=formats_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield ChatApi(client, formats_db)


@pytest.fixture
def full_session() -> dict[str, Any]:
    """A save body with every one of the 31 properties set to a non-default value (links by id only)."""
    return {
        "ChatSessionId": 0,
        "TopicId": 2,
        "User": {"AssociateId": 1},
        "Person": {"PersonId": 4711},
        "CustomerAlias": "jsmith",
        "CustomerHost": "195.88.54.16",
        "CustomerName": "John Smith & Sons <Ltd>",
        "CustomerEmail": "john.smith@example.com",
        "CustomerPhone": "+1-555-0123",
        "CustomerConsented": True,
        "CustomerCompanyName": "Acme Corporation",
        "Status": "CustomerLast",
        "FirstMessage": "Hi, I need help with my order #42 = 50% off?",
        "LastMessage": "Ha det bra! \u00e6\u00f8\u00e5 \u2713 \U0001f600",
        "WhenRequested": "2024-12-15T09:22:45.1234567+01:00",
        "WhenStarted": "2024-12-15T09:23:15.0000001+01:00",
        "WhenEnded": "2024-12-15T09:25:50.9999999Z",
        "WhenIdle": "2024-12-15T08:25:50.5+00:00",
        "WhenFetched": "2024-12-15T09:23:10.0850049-05:00",
        "SessionKey": "chat-2347-jsmith-20241215",
        "InitialQueuePos": 3,
        "AlertLevel": 2,
        "Rank": 5,
        "Flags": "UserIsTyping",
        "Contact": {"ContactId": 12},
        "Project": {"ProjectId": 13},
        "Sale": {"SaleId": 14},
        "Ticket": {"TicketId": 15},
        "TransferTo": {"AssociateId": 2},
        "ChatbotIsActive": True,
        "Rating": 4,
    }


def _xml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def _xml_members(entity: dict[str, Any]) -> str:
    parts = []
    for name, value in entity.items():
        if value is None:
            parts.append(f'<{name} i:nil="true"/>')
        elif isinstance(value, dict):
            parts.append(f"<{name}>{_xml_members(value)}</{name}>")
        else:
            parts.append(f"<{name}>{_xml_value(value)}</{name}>")
    return "".join(parts)


def _flatten(prefix: str, value: Any, out: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for name, member in value.items():
            _flatten(f"{prefix}.{name}" if prefix else name, member, out)
    elif value is None:
        out.append((prefix, ""))
    elif isinstance(value, bool):
        out.append((prefix, "true" if value else "false"))
    else:
        out.append((prefix, str(value)))


class Wire:
    """Our own writers for each request format, built independently of sochat's codecs."""

    @staticmethod
    def xml(entity: dict[str, Any], *, namespace: str | None = None, encoding: str = "utf-8") -> bytes:
        """A ChatSessionEntity XML document as SuperOffice writes one (optionally in the Services88 namespace)."""
        default_ns = f' xmlns="{namespace}"' if namespace else ""
        text = (
            f'<?xml version="1.0" encoding="{encoding}"?>'
            f'<{ENTITY_ROOT}{default_ns} xmlns:i="{NIL_NS}">{_xml_members(entity)}</{ENTITY_ROOT}>'
        )
        return text.encode(encoding)

    @staticmethod
    def form_pairs(entity: dict[str, Any]) -> list[tuple[str, str]]:
        """The form fields of an entity: dotted keys for nested carriers, empty value for null."""
        out: list[tuple[str, str]] = []
        _flatten("", entity, out)
        return out

    @classmethod
    def form(cls, entity: dict[str, Any], *, encoding: str = "utf-8") -> bytes:
        """An application/x-www-form-urlencoded body (User.AssociateId=1 style keys)."""
        return urlencode(cls.form_pairs(entity), encoding=encoding).encode("ascii")

    @staticmethod
    def json_patch(entity: dict[str, Any]) -> bytes:
        """An RFC 6902 patch that turns the default new entity into ``entity`` (one replace per property)."""
        ops = [
            {"op": "replace", "path": f"/{name}", "value": value}
            for name, value in entity.items()
            if name != "ChatSessionId"
        ]
        return json.dumps(ops).encode("utf-8")

    @staticmethod
    def merge_patch(entity: dict[str, Any]) -> bytes:
        """An RFC 7396 patch that turns the default new entity into ``entity``."""
        return json.dumps({k: v for k, v in entity.items() if k != "ChatSessionId"}).encode("utf-8")

    @classmethod
    def body(cls, entity: dict[str, Any], content_type: str, *, namespace: str | None = None) -> bytes:
        """``entity`` written in the format a request Content-Type names."""
        if content_type in ("application/json", "text/json"):
            return json.dumps(entity).encode("utf-8")
        if content_type in ("application/xml", "text/xml"):
            return cls.xml(entity, namespace=namespace)
        if content_type == "application/x-www-form-urlencoded":
            return cls.form(entity)
        if content_type == "application/json-patch+json":
            return cls.json_patch(entity)
        if content_type == "application/merge-patch+json":
            return cls.merge_patch(entity)
        raise AssertionError(f"no writer for {content_type}")


@pytest.fixture
def wire() -> type[Wire]:
    """Writers for each request format."""
    return Wire


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
