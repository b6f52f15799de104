"""The app in process: sochat's ASGI app on a store the test chose (SQLite or PostgreSQL), spoken to through
httpx's ASGI transport. Built with sochat.app.create_app only, so it follows the app's public factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import TypeVar

import httpx

from sochat.app import SochatApp, create_app
from sochat.settings import Settings
from sochat.store.store import Store

BASE_URL = "http://test"
Wrapper = TypeVar("Wrapper")


@dataclass
class InProcess:
    """A started app and a client on it."""

    app: SochatApp
    client: httpx.AsyncClient


def new_client(app: SochatApp, address: tuple[str, int] | None = None) -> httpx.AsyncClient:
    """An httpx client on ``app``, seen from ``address`` (httpx's loopback default when None); the caller
    closes it."""
    transport = httpx.ASGITransport(app=app) if address is None else httpx.ASGITransport(app=app, client=address)
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL)


@asynccontextmanager
async def client_for(app: SochatApp, address: tuple[str, int] | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """new_client for the block."""
    async with new_client(app, address) as client:
        yield client


@contextmanager
def started_app(store: Store, **settings: object) -> Iterator[SochatApp]:
    """The app with these Settings fields on ``store``, started for the block and shut down after it (the store
    stays open: it belongs to the caller)."""
    app = create_app(Settings(**settings), store)  # type: ignore[arg-type]
    app.startup()
    try:
        yield app
    finally:
        app.shutdown()


@asynccontextmanager
async def in_process(
    store: Store, *, address: tuple[str, int] | None = None, **settings: object
) -> AsyncIterator[InProcess]:
    """started_app with a client on it, seen from ``address``."""
    with started_app(store, **settings) as app:
        async with client_for(app, address) as client:
            yield InProcess(app, client)


def opener(
    store: Store, wrap: Callable[[InProcess], Wrapper], *, address: tuple[str, int] | None = None
) -> Callable[..., AbstractAsyncContextManager[Wrapper]]:
    """What a folder's ``*_factory`` fixture hands its tests: ``async with open_app(**settings) as client``
    opens in_process on ``store`` and yields what ``wrap`` makes of it (support.client's Client)."""

    @asynccontextmanager
    async def open_app(**settings: object) -> AsyncIterator[Wrapper]:
        async with in_process(store, address=address, **settings) as opened:
            yield wrap(opened)

    return open_app
