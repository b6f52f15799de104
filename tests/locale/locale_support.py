"""Shared helpers for the locale and observability tests (issue 6): paths, credentials and a client wrapper."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from sochat.app import SochatApp
from support.api import GET, LIST, SAVE, TJE0, TJE0_BASIC
from support.api import error_message as error_message  # for this folder's tests
from support.databases import sqlite_session_count

AUTH = TJE0_BASIC  # tje0:Tje0, the demo admin
PASSWORD = TJE0[1]


class LocaleApi:
    """An httpx client on one in-process app, with the calls these tests make spelled out."""

    def __init__(self, client: httpx.AsyncClient, app: SochatApp, db_path: Path) -> None:
        self.client = client
        self.app = app
        self.db_path = db_path

    async def save(self, entity: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
        """POST SaveChatSessionEntity with a JSON body, as tje0, with extra request headers."""
        sent = {"Authorization": AUTH, "Content-Type": "application/json", **(headers or {})}
        return await self.client.post(SAVE, content=json.dumps(entity).encode("utf-8"), headers=sent)

    async def save_ok(self, entity: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
        """Save; assert 200 and answer the entity as answered."""
        response = await self.save(entity, headers)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    async def get(self, chat_session_id: int, headers: dict[str, str] | None = None) -> httpx.Response:
        """POST GetChatSessionEntity?chatSessionEntityId=N as tje0."""
        sent = {"Authorization": AUTH, **(headers or {})}
        return await self.client.post(GET, params={"chatSessionEntityId": chat_session_id}, headers=sent)

    async def get_ok(self, chat_session_id: int, headers: dict[str, str] | None = None) -> dict[str, Any]:
        """Get; assert 200 and a stored entity, and answer it."""
        response = await self.get(chat_session_id, headers)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        assert isinstance(answer, dict), answer
        return answer

    async def list(self, params: dict[str, str], headers: dict[str, str] | None = None) -> httpx.Response:
        """GET /api/v1/ChatSession with OData parameters as tje0."""
        sent = {"Authorization": AUTH, **(headers or {})}
        return await self.client.get(LIST, params=params, headers=sent)

    def row_count(self) -> int:
        """How many chat sessions the database holds, read straight from SQLite."""
        return sqlite_session_count(self.db_path)
