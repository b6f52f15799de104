"""The whole HTTP API in one table, and the path rules SuperOffice clients rely on.

Paths match case-insensitively, may end in a slash, and may start with a tenant segment
(``/Cust12345/api/v1/...``), as SuperOffice Online's URLs do.
"""

from __future__ import annotations

from dataclasses import dataclass

from sochat.http import handlers
from sochat.http.handlers import Handler


@dataclass(frozen=True)
class Route:
    path: str  # canonical spelling, used in docs and Allow headers
    methods: dict[str, Handler]
    authenticated: bool = True


def _agent(method: str, summary: str, handler: Handler) -> Route:
    path = f"/api/v1/Agents/Chat/{method}"
    description = f"POST {path}\n\n{summary}\n"
    return Route(path, {"POST": handler, "GET": handlers.describe(description)})


ROUTES: tuple[Route, ...] = (
    _agent(
        "SaveChatSessionEntity",
        "Updates the existing ChatSessionEntity or creates a new one if ChatSessionId is 0. "
        "Body: a ChatSessionEntity. Answers the entity as stored.",
        handlers.save_chat_session_entity,
    ),
    _agent(
        "GetChatSessionEntity",
        "Gets a ChatSessionEntity. Query: chatSessionEntityId (int32). Answers null when it does not exist.",
        handlers.get_chat_session_entity,
    ),
    Route("/health/live", {"GET": handlers.health_live}, authenticated=False),
    Route("/health/ready", {"GET": handlers.health_ready}, authenticated=False),
)

_BY_KEY = {route.path.lower(): route for route in ROUTES}


def match(path: str) -> tuple[Route | None, str | None]:
    """The route for a request path, and the tenant segment if one was given."""
    parts = [part for part in path.split("/") if part]
    tenant = None
    if len(parts) > 1 and parts[0].lower() != "api" and parts[1].lower() == "api":
        tenant, parts = parts[0], parts[1:]
    return _BY_KEY.get("/" + "/".join(parts).lower()), tenant
