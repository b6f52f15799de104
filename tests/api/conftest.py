"""Fixtures for the API tests: the in-process app on the test's demo store (both databases, see
support.fixtures), with the two chat calls spelled out."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

import httpx
import pytest

from sochat.store.store import Store
from support.api import GET, SAVE, TJE0, error_message
from support.inprocess import opener


class Api:
    """An httpx client on an in-process app, with the two chat calls spelled out."""

    def __init__(self, client: httpx.AsyncClient, store: Store) -> None:
        self.client = client
        self.store = store

    async def save(
        self,
        body: object,
        *,
        auth: tuple[str, str] | None = TJE0,
        headers: dict[str, str] | None = None,
        path: str = SAVE,
    ) -> httpx.Response:
        """POST SaveChatSessionEntity; ``body`` as bytes/str is sent as is, anything else as JSON."""
        content = body.encode("utf-8") if isinstance(body, str) else body
        if not isinstance(content, bytes):
            content = json.dumps(content).encode("utf-8")
        sent = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        return await self.client.post(path, content=content, headers=sent, auth=auth)

    async def save_ok(self, body: object, **kwargs: object) -> dict[str, object]:
        response = await self.save(body, **kwargs)  # type: ignore[arg-type]
        assert response.status_code == 200, response.text
        answer: dict[str, object] = response.json()
        return answer

    async def get(self, chat_session_id: int, *, auth: tuple[str, str] | None = TJE0) -> httpx.Response:
        return await self.client.post(GET, params={"chatSessionEntityId": chat_session_id}, auth=auth)

    @staticmethod
    def error(response: httpx.Response, status: int) -> str:
        """Assert an error answer with exactly SuperOffice's error body; answer its ErrorMessage."""
        message = error_message(response, status)
        assert response.headers.get("x-request-id")
        return message

    async def stored(self, chat_session_id: int) -> object:
        """The session as GetChatSessionEntity answers it to tje0 (None when not stored)."""
        response = await self.get(chat_session_id)
        assert response.status_code == 200, response.text
        return response.json()


ApiFactory = Callable[..., AbstractAsyncContextManager[Api]]


@pytest.fixture
def api_factory(store: Store) -> ApiFactory:
    """Open an app with the given Settings fields on the test's store, as an async context manager."""
    return opener(store, lambda opened: Api(opened.client, store))


@pytest.fixture
async def api(api_factory: ApiFactory, anyio_backend: str) -> AsyncIterator[Api]:
    async with api_factory() as opened:
        yield opened


@pytest.fixture
async def strict_api(api_factory: ApiFactory, anyio_backend: str) -> AsyncIterator[Api]:
    async with api_factory(strict=True) as opened:
        yield opened
