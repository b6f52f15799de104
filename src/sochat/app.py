"""create_app(settings): the ASGI application. Pure ASGI, no framework: our routing rules
(case-insensitive paths, tenant prefix) and content negotiation are SuperOffice's, not a framework's."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from sochat.agents.facade import Agents, open_agents
from sochat.domain.errors import (
    HeadersTooLarge,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    SochatError,
    Unauthorized,
)
from sochat.http.auth import Authenticator
from sochat.http.errors import error_response, unexpected_error_response
from sochat.http.handlers.context import Context, Edge
from sochat.http.locale import request_locale, zone_named
from sochat.http.messages import Request, Response
from sochat.http.negotiation import response_media_type
from sochat.http.routes import match
from sochat.observability import Observability, parse_faults, parse_thresholds
from sochat.security.passwords import VerifiedCredentials
from sochat.settings import Settings
from sochat.store.store import Store
from sochat.store.url import open_store

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

log = logging.getLogger("sochat")
access_log = logging.getLogger("sochat.access")

# Request headers are bounded before any work (docs/api.md): one value at most MAX_HEADER_VALUE_BYTES (Apache's
# and nginx's default line size), all names and values together at most MAX_HEADER_BYTES, and at most
# MAX_HEADER_LINES lines (repeated names are joined, which costs more with every line). Beyond them: 431.
MAX_HEADER_VALUE_BYTES = 8 * 1024
MAX_HEADER_BYTES = 64 * 1024
MAX_HEADER_LINES = 100


class SochatApp:
    """The ASGI app. The store opens on startup (lifespan) or is handed in ready to use."""

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        self._owns_store = store is None
        self._started = False
        self._base_zone = zone_named(settings.base_timezone)
        self._edge = Edge(settings.max_body_bytes, settings.host, settings.port, settings.cookie_secure)
        self._cache = VerifiedCredentials(settings.credential_cache_size)
        self.observability = Observability(
            slow_ms=settings.slow_threshold_ms,
            slow_overrides=parse_thresholds(settings.slow_thresholds),
            faults=parse_faults(settings.faults),
        )
        self._store: Store | None = store
        if store is not None:
            store.observe = self.observability.database_time

    @property
    def store(self) -> Store:
        if self._store is None:
            raise RuntimeError("the app has not started: its store is not open")
        return self._store

    def startup(self) -> None:
        """Open the store (migrate it, load the demo) and build the agents; nothing when started already, as when
        `sochat serve` started the app before uvicorn's lifespan asks for it."""
        if self._started:
            return
        if self._store is None:
            self._store = open_store(
                self.settings.database_url,
                sqlite_synchronous=self.settings.sqlite_synchronous,
                pool_size=self.settings.db_pool_size,
            )
            self._store.observe = self.observability.database_time
            applied = self._store.migrate()
            if applied:
                log.info("database migrated: %s", ", ".join(applied))
            if self.settings.demo:
                from sochat.demo import load_demo

                load_demo(self._store, sessions=True)
        self._agents: Agents = open_agents(self._store, self.settings, self._cache, self.observability)
        self._auth = Authenticator(self._agents.authentication)
        self._started = True

    def shutdown(self) -> None:
        self._started = False
        if self._owns_store and self._store is not None:
            self._store.close()
            self._store = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    self.startup()
                except Exception as exc:
                    log.exception("startup failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        refused = _oversized_headers(scope["headers"])
        request = Request(
            method=scope["method"],
            path=scope["path"],
            query_string=scope.get("query_string", b""),
            headers={} if refused else _headers(scope["headers"]),
            scheme=scope.get("scheme", "http"),
            client=(scope.get("client") or ("-", 0))[0],
            request_id=secrets.token_hex(8),
        )
        media_type = response_media_type(request.headers.get("accept"))
        try:
            if refused is not None:
                raise refused
            response = await self._dispatch(request, receive, media_type)
        except SochatError as exc:
            response = error_response(exc, media_type)
            if isinstance(exc, Unauthorized):
                response.headers.extend(self._auth.challenges)
        except Exception:
            log.exception("unexpected error in %s %s (request id %s)", request.method, request.path, request.request_id)
            response = unexpected_error_response(request.request_id, media_type)
        await _send(send, response, request.request_id)
        seconds = time.perf_counter() - started
        self.observability.observe(
            request.route,
            request.method,
            response.status,
            seconds,
            request_id=request.request_id,
            user=request.user_name,
            app=request.app,
        )
        access_log.info(
            "%s %s %d %.1fms id=%s user=%s app=%s",
            request.method,
            request.path,
            response.status,
            seconds * 1000,
            request.request_id,
            request.user_name,
            request.app,
            extra={
                "app": request.app,
                "method": request.method,
                "path": request.path,
                "route": request.route,
                "status": response.status,
                "duration_ms": round(seconds * 1000, 1),
                "request_id": request.request_id,
                "user": request.user_name,
            },
        )

    async def _dispatch(self, request: Request, receive: Receive, media_type: str) -> Response:
        route, request.tenant, path_params = match(request.path)
        if route is None:
            raise NotFound(f"No such route: {request.method} {request.path}")
        request.route = route.path
        handler = route.methods.get(request.method)
        if handler is None:
            raise MethodNotAllowed(
                f"{request.method} is not allowed on {route.path}; use {' or '.join(route.methods)}",
                allow=tuple(route.methods),
            )
        request.body = await _read_body(request, receive, self.settings.max_body_bytes)
        locale = request_locale(request.headers, self._base_zone, self.settings.default_language)
        principal = await self._auth.authenticate(request.headers, request.client) if route.authenticated else None
        if principal is not None:
            request.user_name = principal.username
            request.app = principal.app or "-"
        ctx = Context(request, principal, locale, media_type, self._agents, self._edge, path_params)
        await self.observability.inject(route.path)
        response = await handler(ctx)
        response.headers.extend(locale.response_headers())
        return response


# Answers depend on these request headers, so caches must key on them.
_VARY = b"Accept, Accept-Language, SO-Language, SO-Culture, SO-TimeZone"


def create_app(settings: Settings, store: Store | None = None) -> SochatApp:
    return SochatApp(settings, store)


# `sochat serve --workers N` hands its settings to each worker process through this variable.
SETTINGS_ENVIRONMENT = "SOCHAT__SETTINGS_JSON"


def settings_to_json(settings: Settings) -> str:
    return json.dumps(dataclasses.asdict(settings))


def app_from_environment() -> SochatApp:
    """The app factory uvicorn calls in each worker process."""
    from sochat import logs

    settings = Settings(**json.loads(os.environ[SETTINGS_ENVIRONMENT]))
    logs.configure(settings.log_level)
    return SochatApp(settings)


def _oversized_headers(raw: list[tuple[bytes, bytes]]) -> HeadersTooLarge | None:
    """The error for headers past the bounds above, or None when they are within them."""
    if len(raw) > MAX_HEADER_LINES:
        return HeadersTooLarge(f"The request has {len(raw)} header lines; the limit is {MAX_HEADER_LINES}")
    total = 0
    for name, value in raw:
        if len(value) > MAX_HEADER_VALUE_BYTES:
            shown = name[:40].decode("latin-1")
            return HeadersTooLarge(
                f"The header {shown} is {len(value)} bytes long; the limit is {MAX_HEADER_VALUE_BYTES} bytes per header"
            )
        total += len(name) + len(value)
    if total > MAX_HEADER_BYTES:
        return HeadersTooLarge(f"The request headers are {total} bytes long; the limit is {MAX_HEADER_BYTES} bytes")
    return None


def _headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in raw:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return headers


async def _read_body(request: Request, receive: Receive, limit: int) -> bytes:
    declared = (request.headers.get("content-length") or "").strip()
    # ASCII digits only ("²".isdigit() is true, but int() refuses it); a length longer than 18 digits is over any
    # limit and is not converted (int() refuses more than 4300 digits).
    if declared.isascii() and declared.isdigit() and (len(declared) > 18 or int(declared) > limit):
        shown = declared if len(declared) <= 18 else "more than 10^18"
        raise PayloadTooLarge(f"The body is {shown} bytes; the limit is {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"The body is over the limit of {limit} bytes")
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


async def _send(send: Send, response: Response, request_id: str) -> None:
    headers = [(b"x-request-id", request_id.encode()), (b"vary", _VARY)]
    if response.content_type:
        headers.append((b"content-type", response.content_type.encode("latin-1")))
    headers.append((b"content-length", str(len(response.body)).encode()))
    headers.extend((name.encode("latin-1"), value.encode("latin-1")) for name, value in response.headers)
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})
