"""The whole HTTP API in one table, and the path rules SuperOffice clients rely on.

Paths match case-insensitively, may end in a slash, and may start with a tenant segment
(``/Cust12345/api/v1/...``), as SuperOffice Online's URLs do. ``{name}`` in a path is a parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sochat.http.handlers import agents_chat, authentication, docs, health, planned, rest_chat_session
from sochat.http.handlers.context import Handler


@dataclass(frozen=True)
class Route:
    path: str  # canonical spelling, used in docs, OpenAPI and error messages
    methods: dict[str, Handler]
    authenticated: bool = True
    summary: str = ""
    # False for SuperOffice operations that sochat knows but does not serve yet (501); they stay out of the
    # OpenAPI document, which describes only what answers.
    implemented: bool = True


def _agent(method: str, summary: str, handler: Handler) -> Route:
    path = f"/api/v1/Agents/Chat/{method}"
    description = f"POST {path}\n\n{summary}\n"
    return Route(path, {"POST": handler, "GET": agents_chat.describe(description)}, summary=summary)


# SuperOffice's chat API (Swagger-v1-ChatAgent.json, -ChatSession.json, -ChatTopic.json) beyond what sochat
# serves: agent methods by name, and REST routes as (path, {verb: method name}). Each answers 501 naming it.
PLANNED_AGENT_METHODS = (
    "GetChatPresence",
    "SaveChatPresence",
    "ChatSessionsForUser",
    "TransferChatSession",
    "AcceptChatSessionTransfer",
    "RejectChatSessionTransfer",
    "PickUpChatSession",
    "PickUpFirstChatSession",
    "ResetChatSession",
    "GetChatTranscript",
    "GetChatMessages",
    "AddChatMessage",
    "CreateDefaultChatTopicAgent",
    "CreateDefaultChatTopicEntity",
    "SaveChatTopicEntity",
    "DeleteChatTopicEntity",
    "GetChatTopicEntity",
    "IsWithinOpeningHours",
    "ChatTopicsForUser",
    "GetUserAgentList",
    "GetChatTopicUserAgentList",
    "GetChatTopicUserAgent",
    "AddChatTopicUserAgent",
    "UpdateChatTopicUserAgent",
    "UpdateChatTopicUserAgents",
    "DeleteChatTopicUserAgent",
    "CreateChatSessionForTopic",
)
_SESSION = "/api/v1/ChatSession"
_TOPIC = "/api/v1/ChatTopic"
PLANNED_REST_ROUTES: tuple[tuple[str, dict[str, str]], ...] = (
    (f"{_SESSION}/ForCurrentUser", {"GET": "ChatSessionsForUser"}),
    (f"{_SESSION}/Pickup", {"POST": "PickUpFirstChatSession"}),
    (f"{_SESSION}/{{chatSessionId}}/TransferTo/{{toAssociate}}", {"POST": "TransferChatSession"}),
    (f"{_SESSION}/{{chatSessionId}}/AcceptTransfer", {"POST": "AcceptChatSessionTransfer"}),
    (f"{_SESSION}/{{chatSessionId}}/RejectTransfer", {"POST": "RejectChatSessionTransfer"}),
    (f"{_SESSION}/{{chatSessionId}}/Pickup", {"POST": "PickUpChatSession"}),
    (f"{_SESSION}/{{chatSessionId}}/Reset", {"POST": "ResetChatSession"}),
    (f"{_SESSION}/{{chatSessionId}}/Transcript", {"POST": "GetChatTranscript"}),
    (f"{_SESSION}/{{chatSessionId}}/Messages", {"GET": "GetChatMessages", "POST": "AddChatMessage"}),
    (f"{_TOPIC}/default", {"GET": "DefaultChatTopicEntity"}),
    (f"{_TOPIC}/ForCurrentUser", {"GET": "ChatTopicsForUser"}),
    (f"{_TOPIC}/UserAgents", {"GET": "GetUserAgentList"}),
    (_TOPIC, {"POST": "PostChatTopicEntity"}),
    (
        f"{_TOPIC}/{{id}}",
        {"GET": "GetChatTopicEntity", "PUT": "PutChatTopicEntity", "DELETE": "DeleteChatTopicEntity"},
    ),
    (f"{_TOPIC}/{{id}}/Sessions", {"GET": "Sessions", "POST": "CreateChatSessionForTopic"}),
    (f"{_TOPIC}/{{chatTopicId}}/IsOpen", {"GET": "IsWithinOpeningHours"}),
    (
        f"{_TOPIC}/{{chatTopicId}}/UserAgent",
        {"GET": "GetChatTopicUserAgentList", "PUT": "UpdateChatTopicUserAgents", "POST": "AddChatTopicUserAgent"},
    ),
    (
        f"{_TOPIC}/{{chatTopicId}}/UserAgent/{{username}}",
        {"GET": "GetChatTopicUserAgent", "PUT": "UpdateChatTopicUserAgent", "DELETE": "DeleteChatTopicUserAgent"},
    ),
)


def _planned_routes() -> tuple[Route, ...]:
    routes: list[Route] = []
    for method in PLANNED_AGENT_METHODS:
        path = f"/api/v1/Agents/Chat/{method}"
        handlers = {"POST": planned.not_implemented(method, "ChatAgent"), "GET": planned.describe_planned(method, path)}
        routes.append(Route(path, handlers, summary=f"{method}: not implemented yet (501).", implemented=False))
    for path, methods in PLANNED_REST_ROUTES:
        source = path.split("/")[3]
        handlers = {verb: planned.not_implemented(name, source) for verb, name in methods.items()}
        summary = ", ".join(methods.values()) + ": not implemented yet (501)."
        routes.append(Route(path, handlers, summary=summary, implemented=False))
    return tuple(routes)


ROUTES: tuple[Route, ...] = (
    _agent(
        "CreateDefaultChatSessionEntity",
        "Answers a new ChatSessionEntity filled with default values; nothing is stored.",
        agents_chat.create_default_chat_session_entity,
    ),
    _agent(
        "SaveChatSessionEntity",
        "Updates the existing ChatSessionEntity or creates a new one if ChatSessionId is 0. "
        "Body: a ChatSessionEntity. Answers the entity as stored.",
        agents_chat.save_chat_session_entity,
    ),
    _agent(
        "GetChatSessionEntity",
        "Gets a ChatSessionEntity. Query: chatSessionEntityId (int32). Answers null when it does not exist.",
        agents_chat.get_chat_session_entity,
    ),
    _agent(
        "DeleteChatSessionEntity",
        "Deletes a ChatSessionEntity. Query: ChatSessionEntityId (int32). Answers 204 with no body.",
        agents_chat.delete_chat_session_entity,
    ),
    Route(
        "/api/v1/ChatSession/default",
        {"GET": rest_chat_session.get_default},
        summary="A new ChatSessionEntity with default values; nothing is stored.",
    ),
    Route(
        "/api/v1/ChatSession/{id}",
        {
            "GET": rest_chat_session.get_one,
            "PUT": rest_chat_session.put,
            "PATCH": rest_chat_session.patch,
            "DELETE": rest_chat_session.delete,
        },
        summary="One chat session: read, replace, patch (JSON Patch or Merge Patch) or delete.",
    ),
    Route(
        "/api/v1/ChatSession",
        {"GET": rest_chat_session.list_sessions, "POST": rest_chat_session.post},
        summary="List sessions (OData: $select, $filter, $orderBy, $top, $skip, $format) or create one.",
    ),
    Route(
        "/api/v1/Authentication/Login",
        {"POST": authentication.login},
        authenticated=False,
        summary="Sign in with Username and Password: answers a SOTicket and sets the browser session cookies.",
    ),
    Route(
        "/api/v1/Authentication/Logout",
        {"POST": authentication.logout},
        summary="Revoke the ticket, access token or browser session this request used.",
    ),
    Route(
        "/api/v1/oauth/token",
        {"POST": authentication.oauth_token},
        authenticated=False,
        summary="OAuth 2 token endpoint (password and client_credentials grants): an 8A: Bearer access token.",
    ),
    *_planned_routes(),
    Route("/api/openapi.json", {"GET": docs.openapi_json}, authenticated=False, summary="The OpenAPI document."),
    Route("/api/docs", {"GET": docs.docs_page}, authenticated=False, summary="The API as a web page."),
    Route("/metrics", {"GET": health.metrics}, authenticated=False, summary="Prometheus metrics."),
    Route("/health/live", {"GET": health.live}, authenticated=False, summary="200 while the process runs."),
    Route("/health/ready", {"GET": health.ready}, authenticated=False, summary="200 when the database answers."),
)


def _segments(path: str) -> tuple[str, ...]:
    return tuple(part for part in path.lower().split("/") if part)


# A tenant segment is an identifier like Cust12345; anything else (``..``, ``%2e%2e``, quotes, spaces) is no
# route at all, so it never reaches links built from it.
_TENANT = re.compile(r"[A-Za-z0-9_-]{1,64}")

_EXACT = {_segments(route.path): route for route in ROUTES if "{" not in route.path}
# Literal segments win over parameters: at the first position where two patterns differ, the literal one is
# tried first (``/ChatSession/{id}/Pickup`` before a hypothetical ``/ChatSession/{id}/{x}``).
_PATTERNS = sorted(
    ((_segments(route.path), route) for route in ROUTES if "{" in route.path),
    key=lambda item: tuple(part.startswith("{") for part in item[0]),
)


def match(path: str) -> tuple[Route | None, str | None, dict[str, str]]:
    """The route for a request path, the tenant segment if one was given, and the path parameters."""
    raw = [part for part in path.split("/") if part]
    tenant = None
    if len(raw) > 1 and raw[0].lower() != "api" and raw[1].lower() == "api":
        tenant, raw = raw[0], raw[1:]
        if not _TENANT.fullmatch(tenant):
            return None, None, {}
    key = tuple(part.lower() for part in raw)
    route = _EXACT.get(key)
    if route is not None:
        return route, tenant, {}
    for pattern, candidate in _PATTERNS:
        if len(pattern) != len(key):
            continue
        params: dict[str, str] = {}
        for expected, actual, original in zip(pattern, key, raw, strict=True):
            if expected.startswith("{"):
                params[expected[1:-1]] = original
            elif expected != actual:
                break
        else:
            return candidate, tenant, params
    return None, tenant, {}
