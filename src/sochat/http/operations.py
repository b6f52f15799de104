"""Every operation of the HTTP API, declared once.

Each entry names the route (an agent method, or a REST verb and path with SuperOffice's operationId), its
parameters, its body, its answers, the rights it needs and its summary. sochat.http.routes builds the router from
this table and sochat.http.openapi the OpenAPI document; an agent method's scalar parameters are read by the glue
in sochat.http.operation (query string or a ``{Name: value}`` body). Adding an agent method: its use case in the
agent, its handler (a call taking the read arguments), one ``agent_method`` entry here (docs/development.md).

Over 400 lines on purpose: it is one declaration per operation and grows by one entry with each; splitting it
would scatter what this module exists to keep in one place.
"""

from __future__ import annotations

from sochat.http.handlers import agents_chat, agents_topics, authentication, docs, health, rest_chat_session
from sochat.http.handlers.chat_session_io import answer_session
from sochat.http.handlers.context import no_content
from sochat.http.negotiation import RESPONSE_TYPES
from sochat.http.odata import COLUMNS, MAX_TOP
from sochat.http.operation import (
    APP_TOKEN,
    COMMON_HEADERS,
    CONDITIONAL,
    ID_PATH,
    IDEMPOTENCY,
    INT32,
    SELECT,
    Operation,
    Result,
    agent_int32,
    agent_method,
    content,
    entity_answer,
    entity_body,
    errors,
    header,
    no_content_answer,
    object_answer,
    planned_agent_method,
    planned_rest,
    query,
    typed_answer,
)

# What the Chat agent's methods answer: the entity, the entity or null, or 204 without a body.
ENTITY = Result(entity_answer(), answer_session)
ENTITY_OR_NULL = Result(entity_answer(nullable=True), answer_session)
TOPIC = Result(entity_answer(name="ChatTopicEntity", what="The chat topic."), agents_topics.answer_topic)
TOPIC_OR_NULL = Result(
    entity_answer(nullable=True, name="ChatTopicEntity", what="The chat topic."), agents_topics.answer_topic
)


def nothing(description: str) -> Result:
    return Result(no_content_answer(description), lambda ctx, value: no_content())


_READ_ERRORS = errors("400", "401", "403", "500", "503")
_DELETE_ERRORS = errors("400", "401", "403", "404", "412", "500", "503")
_SESSION = "/api/v1/ChatSession"
_TOPIC = "/api/v1/ChatTopic"

CHAT_AGENT = (
    *agent_method(
        "CreateDefaultChatSessionEntity",
        summary="The default new ChatSessionEntity; nothing is stored.",
        description="Answers a new ChatSessionEntity filled with default values; nothing is stored.",
        call=agents_chat.create_default_chat_session_entity,
        parameters=COMMON_HEADERS,
        result=ENTITY,
        error_answers=_READ_ERRORS,
        rights="ChatSession: create (the role's table right)",
    ),
    *agent_method(
        "SaveChatSessionEntity",
        summary="Create (ChatSessionId 0) or replace a ChatSessionEntity; answers it as stored.",
        description="Updates the existing ChatSessionEntity or creates a new one if ChatSessionId is 0. "
        "Body: a ChatSessionEntity. Answers the entity as stored.",
        call=agents_chat.save_chat_session_entity,
        parameters=(*CONDITIONAL, IDEMPOTENCY, *COMMON_HEADERS),
        request_body=entity_body(),
        result=ENTITY,
        error_answers=errors(),
        rights="ChatSession: create (id 0) or update, and the field rights of what changes",
    ),
    *agent_method(
        "GetChatSessionEntity",
        summary="One ChatSessionEntity, or null when it does not exist.",
        description="Gets a ChatSessionEntity. Query: chatSessionEntityId (int32). Answers null when it does not "
        "exist.",
        call=agents_chat.get_chat_session_entity,
        parameters=(agent_int32("chatSessionEntityId", "The id."), SELECT, *COMMON_HEADERS),
        result=ENTITY_OR_NULL,
        error_answers=_READ_ERRORS,
        rights="ChatSession: read",
    ),
    *agent_method(
        "DeleteChatSessionEntity",
        summary="Delete a ChatSessionEntity.",
        description="Deletes a ChatSessionEntity. Query: ChatSessionEntityId (int32). Answers 204 with no body.",
        call=agents_chat.delete_chat_session_entity,
        parameters=(agent_int32("chatSessionEntityId", "The id."), *CONDITIONAL, APP_TOKEN),
        result=nothing("Deleted (or not stored)."),
        error_answers=_DELETE_ERRORS,
        rights="ChatSession: delete",
    ),
    *agent_method(
        "CreateDefaultChatTopicEntity",
        summary="Loading default values into a new ChatTopicEntity.",
        description="Answers a new ChatTopicEntity filled with default values; nothing is stored.",
        call=agents_topics.create_default_chat_topic_entity,
        parameters=COMMON_HEADERS,
        result=TOPIC,
        error_answers=_READ_ERRORS,
        rights="ChatTopic: read (any role)",
    ),
    *agent_method(
        "SaveChatTopicEntity",
        summary="Updates the existing ChatTopicEntity or creates a new ChatTopicEntity if the id parameter is 0.",
        description="Body: a ChatTopicEntity. ChatTopicId 0 creates a topic; otherwise the stored one is replaced. "
        "Answers the entity as stored.",
        call=agents_topics.save_chat_topic_entity,
        parameters=COMMON_HEADERS,
        request_body=entity_body(name="ChatTopicEntity"),
        result=TOPIC,
        error_answers=errors("400", "401", "403", "404", "413", "415", "500", "503"),
        rights="ChatTopic: create (id 0) or update (admin)",
    ),
    *agent_method(
        "GetChatTopicEntity",
        summary="Gets a ChatTopicEntity object.",
        description="Gets a ChatTopicEntity. Query: chatTopicEntityId (int32). Answers null when it does not exist.",
        call=agents_topics.get_chat_topic_entity,
        parameters=(agent_int32("chatTopicEntityId", "The identifier of the topic."), SELECT, *COMMON_HEADERS),
        result=TOPIC_OR_NULL,
        error_answers=_READ_ERRORS,
        rights="ChatTopic: read (any role)",
    ),
    *agent_method(
        "DeleteChatTopicEntity",
        summary="Deletes the ChatTopicEntity",
        description="Deletes a ChatTopicEntity. Query: chatTopicEntityId (int32). Answers 204 with no body; 409 while "
        "chat sessions still name the topic.",
        call=agents_topics.delete_chat_topic_entity,
        parameters=(agent_int32("chatTopicEntityId", "The identity of the ChatTopicEntity."), APP_TOKEN),
        result=nothing("Deleted (or not stored)."),
        error_answers=errors("400", "401", "403", "404", "409", "500", "503"),
        rights="ChatTopic: delete (admin)",
    ),
)

_ONE_SESSION = "One chat session: read, replace, patch (JSON Patch or Merge Patch) or delete."
_SESSIONS = "List sessions (OData: $select, $filter, $orderBy, $top, $skip, $format) or create one."
_LIST_PARAMETERS = (
    query("$select", {"type": "string"}, "Columns: " + ", ".join(COLUMNS)),
    query("$filter", {"type": "string"}, "SuperOffice's archive filter; see docs/api.md."),
    query("$orderBy", {"type": "string"}, "col [asc|desc], ..."),
    query("$entities", {"type": "string"}, "Accepted; the only entity of this archive is chat."),
    query("$top", {**INT32, "minimum": 1, "maximum": MAX_TOP}, "Page size."),
    query("$skip", {**INT32, "minimum": 0}, "Rows to skip (first page)."),
    query(
        "$mode",
        {"type": "string", "enum": ["Slim", "Wide", "Full"]},
        "Any case; every mode answers the same rows here. Another value is a 400.",
    ),
    query("$options", {"type": "string"}, "Accepted and ignored."),
    query("$context", {"type": "string"}, "Accepted and ignored."),
    query("$format", {"type": "string"}, "json or xml, any case: overrides Accept; another value is a 400."),
    query("$jsonSafe", {"type": "boolean"}, "Accepted; every number sochat answers is an int32."),
    query(
        "$output",
        {"type": "string", "enum": ["Logical", "Display"]},
        "Display writes every value as text formatted for SO-Culture.",
    ),
    query("$skiptoken", {"type": "string"}, "From odata.nextLink."),
)

CHAT_SESSION_REST = (
    Operation(
        "GET",
        f"{_SESSION}/default",
        "v1ChatSessionEntity_DefaultChatSessionEntity",
        "The default new ChatSessionEntity.",
        "ChatSession",
        rest_chat_session.get_default,
        COMMON_HEADERS,
        responses={**entity_answer(), **_READ_ERRORS},
        rights="ChatSession: create",
        description="A new ChatSessionEntity with default values; nothing is stored.",
    ),
    Operation(
        "GET",
        f"{_SESSION}/{{id}}",
        "v1ChatSessionEntity_GetChatSessionEntity",
        "One chat session.",
        "ChatSession",
        rest_chat_session.get_one,
        (ID_PATH, SELECT, *COMMON_HEADERS, header("If-None-Match"), header("If-Modified-Since")),
        responses={
            **entity_answer(links=True),
            "304": {"description": "Not modified."},
            **errors("400", "401", "403", "404", "500", "503"),
        },
        rights="ChatSession: read",
        description=_ONE_SESSION,
    ),
    Operation(
        "PUT",
        f"{_SESSION}/{{id}}",
        "v1ChatSessionEntity_PutChatSessionEntity",
        "Replace a chat session.",
        "ChatSession",
        rest_chat_session.put,
        (ID_PATH, SELECT, *CONDITIONAL, *COMMON_HEADERS),
        entity_body(),
        {**entity_answer(links=True), **errors()},
        rights="ChatSession: update, and the field rights of what changes",
        description=_ONE_SESSION,
    ),
    Operation(
        "PATCH",
        f"{_SESSION}/{{id}}",
        "v1ChatSessionEntity_PatchChatSessionEntity",
        "Patch a chat session (JSON Patch or JSON Merge Patch).",
        "ChatSession",
        rest_chat_session.patch,
        (ID_PATH, SELECT, *CONDITIONAL, *COMMON_HEADERS),
        entity_body(),
        {**entity_answer(links=True), **errors()},
        rights="ChatSession: update, and the field rights of what changes",
        description=_ONE_SESSION,
    ),
    Operation(
        "DELETE",
        f"{_SESSION}/{{id}}",
        "v1ChatSessionEntity_DeleteChatSessionEntity",
        "Delete a chat session.",
        "ChatSession",
        rest_chat_session.delete,
        (ID_PATH, *CONDITIONAL, APP_TOKEN),
        responses={**no_content_answer("Deleted."), **_DELETE_ERRORS},
        rights="ChatSession: delete",
        description=_ONE_SESSION,
    ),
    Operation(
        "GET",
        _SESSION,
        "v1ChatSessionEntity_GetAll",
        "The OData list of chat sessions.",
        "ChatSession",
        rest_chat_session.list_sessions,
        (*_LIST_PARAMETERS, *COMMON_HEADERS),
        responses={
            "200": {"description": "One page.", "content": content("ODataSlimResponse", list(RESPONSE_TYPES))},
            **_READ_ERRORS,
        },
        rights="ChatSession: read (rows the role may not read are left out)",
        description=_SESSIONS,
    ),
    Operation(
        "POST",
        _SESSION,
        "v1ChatSessionEntity_PostChatSessionEntity",
        "Create a chat session.",
        "ChatSession",
        rest_chat_session.post,
        (SELECT, IDEMPOTENCY, *CONDITIONAL, *COMMON_HEADERS),
        entity_body(),
        {**entity_answer(links=True), **errors()},
        rights="ChatSession: create (or update, with an id), and the field rights of what is set",
        description=_SESSIONS,
    ),
)

_CREDENTIALS = {"Username": {"type": "string"}, "Password": {"type": "string"}}
_LOGIN_RESULT = {
    "Ticket": {"type": "string"},
    "AssociateId": {"type": "integer"},
    "UserName": {"type": "string"},
    "IdleMinutes": {"type": "integer"},
}
_TOKEN_FIELDS = ("grant_type", "username", "password", "client_id", "client_secret")
_TOKEN_RESULT = {
    "access_token": {"type": "string"},
    "token_type": {"type": "string"},
    "expires_in": {"type": "integer"},
}

AUTHENTICATION = (
    Operation(
        "POST",
        "/api/v1/Authentication/Login",
        "sochat_Login",
        "Sign in: answers a SOTicket and sets the SOCHAT_SESSION and XSRF-TOKEN cookies.",
        "Authentication",
        authentication.login,
        request_body={
            "required": True,
            "content": {
                media: {"schema": {"type": "object", "properties": _CREDENTIALS}}
                for media in ("application/json", "application/x-www-form-urlencoded")
            },
        },
        responses={
            **object_answer("Signed in.", _LOGIN_RESULT, list(RESPONSE_TYPES)),
            **errors("400", "401", "403", "415", "500", "503"),
        },
        rights="none (anyone may try; failures count towards the lockout)",
        authenticated=False,
        description="Sign in with Username and Password: answers a SOTicket and sets the browser session cookies.",
    ),
    Operation(
        "POST",
        "/api/v1/Authentication/Logout",
        "sochat_Logout",
        "Revoke the credential this request used and clear the cookies.",
        "Authentication",
        authentication.logout,
        responses={**no_content_answer("Signed out."), **errors("401", "500", "503")},
        rights="any signed-in caller",
        description="Revoke the ticket, access token or browser session this request used.",
    ),
    Operation(
        "POST",
        "/api/v1/oauth/token",
        "sochat_OAuthToken",
        "OAuth 2 token endpoint: grant_type password or client_credentials.",
        "Authentication",
        authentication.oauth_token,
        request_body={
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {"type": "object", "properties": {name: {"type": "string"} for name in _TOKEN_FIELDS}}
                }
            },
        },
        responses={
            **object_answer("An access token.", _TOKEN_RESULT, ["application/json"]),
            **errors("400", "401", "415", "500", "503"),
        },
        rights="none (the grant's own credentials)",
        authenticated=False,
        description="OAuth 2 token endpoint (password and client_credentials grants): an 8A: Bearer access token.",
    ),
)

# SuperOffice's chat API (Swagger-v1-ChatAgent.json, -ChatSession.json, -ChatTopic.json) beyond what sochat
# serves: agent methods by name, and REST routes as (path, {verb: operation name}). Each answers 501 naming it.
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
PLANNED = (
    *(operation for method in PLANNED_AGENT_METHODS for operation in planned_agent_method(method)),
    *(operation for path, methods in PLANNED_REST_ROUTES for operation in planned_rest(path, methods)),
)

_TEXT = {"type": "string"}
_OBJECT = {"type": "object"}
DOCS_AND_HEALTH = (
    Operation(
        "GET",
        "/api/openapi.json",
        "sochat_OpenApi",
        "This document.",
        "Docs",
        docs.openapi_json,
        responses=typed_answer("OpenAPI 3.1", "application/json", _OBJECT),
        authenticated=False,
        description="The OpenAPI document.",
    ),
    Operation(
        "GET",
        "/api/docs",
        "sochat_Docs",
        "This document as a web page.",
        "Docs",
        docs.docs_page,
        responses=typed_answer("HTML", "text/html", _TEXT),
        authenticated=False,
        description="The API as a web page.",
    ),
    Operation(
        "GET",
        "/metrics",
        "sochat_Metrics",
        "Prometheus metrics (text exposition format).",
        "Health",
        health.metrics,
        responses={**typed_answer("Metrics.", "text/plain", _TEXT), **errors("503")},
        authenticated=False,
        description="Prometheus metrics.",
    ),
    Operation(
        "GET",
        "/health/live",
        "sochat_Live",
        "Liveness.",
        "Health",
        health.live,
        responses=typed_answer("Live.", "application/json", _OBJECT),
        authenticated=False,
        description="200 while the process runs.",
    ),
    Operation(
        "GET",
        "/health/ready",
        "sochat_Ready",
        "Readiness: the database answers.",
        "Health",
        health.ready,
        responses={**typed_answer("Ready.", "application/json", _OBJECT), **errors("503")},
        authenticated=False,
        description="200 when the database answers.",
    ),
)

# In the order routes are listed (the Allow header names a path's verbs in this order).
OPERATIONS: tuple[Operation, ...] = (*CHAT_AGENT, *CHAT_SESSION_REST, *AUTHENTICATION, *PLANNED, *DOCS_AND_HEALTH)
