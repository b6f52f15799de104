"""Shared fixtures: a demo database per test, an in-process app talking ASGI, and SuperOffice's sample request.

The app's store is parametrised over both databases: every test built on ``store`` (tests/api, through
``api``) runs as ``[sqlite]`` and ``[postgresql]``. PostgreSQL is the server of SOCHAT_TEST_POSTGRES_URL
(default postgresql://postgres@127.0.0.1:5432/test): a schema per test module, dropped after it, whose rows
are reset to the demo template before each test. Where it cannot be reached the ``[postgresql]`` half is
skipped with the reason, or fails when SOCHAT_REQUIRE_POSTGRES=1 (CI).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import httpx
import pytest

from database_backends import (
    BACKENDS,
    POSTGRES_URL,
    check_postgres,
    copy_schema_rows,
    drop_schema,
    load_cheap_demo,
    postgres_backend,
    unique_name,
    with_query,
)
from sochat.app import create_app
from sochat.settings import Settings
from sochat.store.protocol import Store
from sochat.store.sqlite import SqliteStore
from sochat.store.url import open_store

SAVE_PATH = "/api/v1/Agents/Chat/SaveChatSessionEntity"
GET_PATH = "/api/v1/Agents/Chat/GetChatSessionEntity"

# Demo users (sochat.demo): name -> password.
TJE0 = ("tje0", "Tje0")  # admin; the credentials of SuperOffice's sample requests
AGENT1 = ("agent1", "Agent1")
VIEWER = ("viewer", "Viewer1")  # readonly

# The sample request of the founding document (seed 000), headers and body copied verbatim.
SEED_HEADERS = {
    "Authorization": "Basic dGplMDpUamUw",
    "Accept": "application/json; charset=utf-8",
    "Accept-Language": "fr,de,ru,zh",
    "Content-Type": "application/json; charset=utf-8",
}
SEED_BODY = """{
"ChatSessionId": 352,
"TopicId": 588,
"User": null,
"Person": null,
"CustomerAlias": "soluta",
"CustomerHost": "qui",
"CustomerName": "Schiller, Hilpert and Labadie",
"CustomerEmail": "mckayla@sengeryost.uk",
"CustomerPhone": "546-196-2294",
"CustomerConsented": false,
"CustomerCompanyName": "Williamson, Weber and Grimes",
"Status": "Closed",
"FirstMessage": "rerum",
"LastMessage": "ut",
"WhenRequested": "2002-08-11T10:10:59.0850049+02:00",
"WhenStarted": "2019-06-07T10:10:59.0850049+02:00",
"WhenEnded": "2002-04-04T10:10:59.0850049+02:00",
"WhenIdle": "1999-06-07T10:10:59.0850049+02:00",
"WhenFetched": "2010-04-13T10:10:59.0850049+02:00",
"SessionKey": "est",
"InitialQueuePos": 613,
"AlertLevel": 418,
"Rank": 235,
"Flags": "CustomerIsTyping",
"Contact": null,
"Project": null,
"Sale": null,
"Ticket": null,
"TransferTo": null,
"ChatbotIsActive": false,
"Rating": 957
}"""

# ChatSessionEntity's properties in SuperOffice's order (the seed's response table).
ENTITY_PROPERTIES = (
    "ChatSessionId",
    "TopicId",
    "User",
    "Person",
    "CustomerAlias",
    "CustomerHost",
    "CustomerName",
    "CustomerEmail",
    "CustomerPhone",
    "CustomerConsented",
    "CustomerCompanyName",
    "Status",
    "FirstMessage",
    "LastMessage",
    "WhenRequested",
    "WhenStarted",
    "WhenEnded",
    "WhenIdle",
    "WhenFetched",
    "SessionKey",
    "InitialQueuePos",
    "AlertLevel",
    "Rank",
    "Flags",
    "Contact",
    "Project",
    "Sale",
    "Ticket",
    "TransferTo",
    "ChatbotIsActive",
    "Rating",
)
ERROR_KEYS = {"Error", "ErrorType", "ErrorMessage", "ErrorSource"}


def _full_entity() -> dict[str, object]:
    return {
        "ChatSessionId": 0,
        "TopicId": 2,
        "User": {"AssociateId": 1},
        "Person": {"PersonId": 4711},
        "CustomerAlias": "jsmith",
        "CustomerHost": "195.88.54.16",
        "CustomerName": "John Smith",
        "CustomerEmail": "john.smith@example.com",
        "CustomerPhone": "+1-555-0123",
        "CustomerConsented": True,
        "CustomerCompanyName": "Acme Corporation",
        "Status": "CustomerLast",
        "FirstMessage": "Hi, I need help with my recent order",
        "LastMessage": "Have a great day! \u00e6\u00f8\u00e5 \u2713",
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
        path: str = SAVE_PATH,
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
        return await self.client.post(GET_PATH, params={"chatSessionEntityId": chat_session_id}, auth=auth)

    @staticmethod
    def error(response: httpx.Response, status: int) -> str:
        """Assert an error answer with exactly SuperOffice's error body; answer its ErrorMessage."""
        assert response.status_code == status, response.text
        body = response.json()
        assert isinstance(body, dict), body
        assert set(body) == ERROR_KEYS, body
        assert body["Error"] is True
        for key in ("ErrorType", "ErrorMessage", "ErrorSource"):
            assert isinstance(body[key], str)
            assert body[key], key
        assert response.headers.get("x-request-id")
        message: str = body["ErrorMessage"]
        return message

    async def stored(self, chat_session_id: int) -> object:
        """The session as GetChatSessionEntity answers it to tje0 (None when not stored)."""
        response = await self.get(chat_session_id)
        assert response.status_code == 200, response.text
        return response.json()


ApiFactory = Callable[..., AbstractAsyncContextManager[Api]]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def seed_request() -> tuple[dict[str, str], str]:
    """The seed's sample request: (headers, body text), verbatim."""
    return dict(SEED_HEADERS), SEED_BODY


@pytest.fixture
def entity_properties() -> tuple[str, ...]:
    """ChatSessionEntity's 31 properties in SuperOffice's order."""
    return ENTITY_PROPERTIES


@pytest.fixture
def full_entity() -> dict[str, object]:
    """A save body with every property set to a non-null, non-default value (links by id only)."""
    return _full_entity()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The PostgreSQL test server's URL, after checking once that it answers (else skip or fail, see
    tests/database_backends.py)."""
    return check_postgres(POSTGRES_URL)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test built on the ``store`` below runs once per database: ``[sqlite]`` and ``[postgresql]``.

    A test that also asks for ``db_path`` reads the SQLite file itself, so it runs on SQLite only."""
    if "database" in metafunc.fixturenames:
        databases = ("sqlite",) if "db_path" in metafunc.fixturenames else BACKENDS
        metafunc.parametrize("database", databases, indirect=True)


@pytest.fixture
def database(request: pytest.FixtureRequest) -> str:
    """The kind of database the test's store is on (parametrised by pytest_generate_tests)."""
    kind: str = request.param
    return kind


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database with the demo data (cheap password hashes), built once and copied per test."""
    path = tmp_path_factory.mktemp("template") / "demo.db"
    store = SqliteStore(path)
    store.migrate()
    load_cheap_demo(store)
    store.close()
    return path


@pytest.fixture(scope="session")
def postgres_demo_schema(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL schema with the demo data (cheap password hashes), built once and copied per test."""
    schema = unique_name("sochat_template")
    store = open_store(with_query(postgres_url, f"schema={schema}"), pool_size=1)
    try:
        store.migrate()
        load_cheap_demo(store)
    finally:
        store.close()
    yield schema
    drop_schema(postgres_url, schema)


@pytest.fixture
def db_path(demo_database: Path, tmp_path: Path) -> Path:
    """A private SQLite copy of the demo database (SQLite's backup API, so the template's WAL is included).

    Asking for it pins a test to SQLite: the test reads or writes this file itself."""
    path = tmp_path / "sochat.db"
    source = sqlite3.connect(demo_database)
    target = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return path


@pytest.fixture
def store(database: str, request: pytest.FixtureRequest) -> Iterator[Store]:
    """The test's own migrated copy of the demo database: a fresh SQLite file, or the module's PostgreSQL
    schema with its rows reset to the demo template."""
    if database == "sqlite":
        opened: Store = SqliteStore(request.getfixturevalue("db_path"))
        assert opened.migrate() == []
        yield opened
        opened.close()
        return
    postgres_url: str = request.getfixturevalue("postgres_url")
    template: str = request.getfixturevalue("postgres_demo_schema")
    schema: str = request.getfixturevalue("postgres_module_schema")
    copy_schema_rows(postgres_url, template, schema)  # the template's rows, and nothing a test before left
    opened = open_store(with_query(postgres_url, f"schema={schema}"), pool_size=2)  # each test has its own pool
    assert opened.migrate() == []
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def postgres_module_schema(postgres_url: str) -> Iterator[str]:
    """A migrated PostgreSQL schema for the tests of one module, dropped after them; ``store`` resets its rows
    to the demo template before each test (a fresh schema per test would cost ten times as much)."""
    schema = unique_name("sochat_test")
    with postgres_backend(postgres_url, schema) as backend:
        store = backend.open(pool_size=1)
        try:
            store.migrate()
        finally:
            store.close()
        yield schema


@pytest.fixture
def api_factory(store: Store) -> ApiFactory:
    """Open an app with the given Settings fields on the test's store, as an async context manager."""

    @asynccontextmanager
    async def open_api(**settings: object) -> AsyncIterator[Api]:
        app = create_app(Settings(**settings), store)  # type: ignore[arg-type]
        app.startup()
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                yield Api(client, store)
        finally:
            app.shutdown()

    return open_api


@pytest.fixture
async def api(api_factory: ApiFactory, anyio_backend: str) -> AsyncIterator[Api]:
    async with api_factory() as opened:
        yield opened


@pytest.fixture
async def strict_api(api_factory: ApiFactory, anyio_backend: str) -> AsyncIterator[Api]:
    async with api_factory(strict=True) as opened:
        yield opened
