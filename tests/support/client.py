"""The one client every HTTP suite talks to the API through: an httpx client on an app (in process, see
support.inprocess), signed in as a demo user unless told otherwise, with the chat calls spelled out, and the
test's database (support.databases.Backend) for looks behind the API.

Bodies: bytes and str are sent as they are (any format); anything else is sent as JSON. ``auth`` per call: a
(name, password) pair for Basic, None for no credentials (then ``headers`` may carry any), or left out for the
client's own. A folder's own helpers (tests/auth's login cookies, tests/crm's roles) are functions in its
``<folder>_support.py`` that take this client.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from sochat.app import SochatApp
from sochat.store.store import Store
from support.api import GET, LIST, SAVE, TJE0, error_message
from support.databases import Backend, Rows
from support.inprocess import client_for

JSON = "application/json"
Credentials = tuple[str, str] | None


class _Own:
    """The marker for "the client's own credentials"."""


OWN = _Own()


class Client:
    """An httpx client on one app with the chat calls spelled out (see the module docstring)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        app: SochatApp | None = None,
        store: Store | None = None,
        backend: Backend | None = None,
        auth: Credentials = TJE0,
    ) -> None:
        self.client = client
        self.app = app
        self.store = store
        self.backend = backend
        self.auth = auth

    @asynccontextmanager
    async def at(self, address: str, port: int = 5001) -> AsyncIterator[Client]:
        """Another client on the same app, seen from ``address`` (for per-address rules such as lockout)."""
        assert self.app is not None, "at() needs an in-process app"
        async with client_for(self.app, (address, port)) as other:
            yield Client(other, app=self.app, store=self.store, backend=self.backend, auth=self.auth)

    async def request(
        self,
        method: str,
        path: str,
        body: object = None,
        content_type: str | None = JSON,
        *,
        accept: str | None = None,
        auth: Credentials | _Own = OWN,
        headers: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> httpx.Response:
        """One request; ``content_type`` is sent only with a body, ``accept`` only when given."""
        content = None if body is None else _content(body)
        sent: dict[str, Any] = {}
        if content is not None and content_type is not None:
            sent["Content-Type"] = content_type
        if accept is not None:
            sent["Accept"] = accept
        sent.update(headers or {})
        credentials = self.auth if isinstance(auth, _Own) else auth
        return await self.client.request(
            method, path, content=content, headers=sent, params=params, auth=credentials or httpx.USE_CLIENT_DEFAULT
        )

    async def save(
        self, body: object, content_type: str | None = JSON, *, path: str = SAVE, **options: Any
    ) -> httpx.Response:
        """POST SaveChatSessionEntity (or ``path``) with ``body``; ``options`` as for request."""
        return await self.request("POST", path, body, content_type, **options)

    async def save_ok(self, body: object, content_type: str | None = JSON, **options: Any) -> dict[str, Any]:
        """save; assert 200 and answer the entity as answered."""
        response = await self.save(body, content_type, **options)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    async def get(self, chat_session_id: int, **options: Any) -> httpx.Response:
        """POST GetChatSessionEntity?chatSessionEntityId=N; ``options`` as for request."""
        return await self.request("POST", GET, params={"chatSessionEntityId": chat_session_id}, **options)

    async def stored(self, chat_session_id: int) -> Any:
        """The session as GetChatSessionEntity answers it to the client's user, as JSON (None when not stored)."""
        response = await self.get(chat_session_id)
        assert response.status_code == 200, response.text
        return response.json()

    async def get_ok(self, chat_session_id: int, **options: Any) -> dict[str, Any]:
        """get; assert 200 and a stored entity, and answer it."""
        response = await self.get(chat_session_id, **options)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        assert isinstance(answer, dict), answer
        return answer

    async def list(self, params: dict[str, Any], **options: Any) -> httpx.Response:
        """GET /api/v1/ChatSession with OData parameters; ``options`` as for request."""
        return await self.request("GET", LIST, params=params, **options)

    @staticmethod
    def error(response: httpx.Response, status: int) -> str:
        """Assert an error answer with exactly SuperOffice's error body and a request id; answer its ErrorMessage."""
        message = error_message(response, status)
        assert response.headers.get("x-request-id")
        return message

    def sql(self, statement: str, *params: object) -> Rows:
        """One statement on the test's database, beside the app (``?`` placeholders on both databases)."""
        assert self.backend is not None, "this client was made without its database"
        return self.backend.sql(statement, *params)

    def row_count(self) -> int:
        """How many chat sessions the database holds, read beside the API."""
        return int(self.sql("SELECT count(*) FROM chat_session")[0][0])


def _content(body: object) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body).encode("utf-8")
