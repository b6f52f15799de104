"""An example request and answer for every operation of /api/docs, written by the same code that renders real
answers, so the page shows what the server sends."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sochat.domain import datetimes
from sochat.domain.answers import struct_properties
from sochat.domain.chat_session import ChatSession, default_chat_session
from sochat.domain.chat_topic import ChatBotSettings, ChatTopicEntity, ChatWidgetSettings
from sochat.domain.principal import Role
from sochat.domain.rights import chat_session_field_properties, field_properties
from sochat.http import render
from sochat.http.locale import RequestLocale

_AGENTS = "/api/v1/Agents/Chat/"
_REST = "/api/v1/ChatSession"
_HOST = "http://localhost:8080"
_AUTH = "Authorization: SOTicket 7T:..."
_JSON = "Content-Type: application/json"
_WHEN = datetimes.from_datetime(datetime(2024, 12, 15, 9, 22, 45, 123456, tzinfo=UTC))
_SAMPLE = ChatSession(
    chat_session_id=42,
    topic_id=1,
    user_id=1,
    customer_alias="ada",
    customer_name="Ada Lovelace",
    customer_email="ada@example.com",
    status=4,
    first_message="Hi, I cannot log in",
    last_message="Hi, I cannot log in",
    when_requested=_WHEN,
    session_key="k-42",
    initial_queue_pos=1,
)
_USER: dict[str, object] = {"Name": "TJ", "FullName": "Tom Jensen", "FormalName": "Tom Jensen", "UserName": "tje0"}
_CREATE = {"ChatSessionId": 0, "CustomerName": "Ada Lovelace", "Status": "InQueue", "User": {"AssociateId": 1}}


@dataclass(frozen=True)
class Example:
    request: str  # the request as it goes on the wire (start line, headers, body)
    answer: str  # the answer likewise


def _json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _entity(session: ChatSession, *, links: bool = False) -> str:
    entity = render.chat_session_properties(session, {("Associate", 1): _USER}, RequestLocale(UTC))
    entity["TableRight"] = {"Mask": "FULL", "Reason": ""}
    properties = chat_session_field_properties(Role.ADMIN)
    first = next(iter(properties))
    # Every property has an entry like the first one; the page shows one to keep the example readable.
    entity["FieldProperties"] = {first: properties[first], "...": "..."}
    if links:
        entity["_Links"] = {"Self": f"{_HOST}{_REST}/{session.chat_session_id}", "Archive": f"{_HOST}{_REST}"}
    return _json(entity)


def _answer(status: str, body: str | None = None, content_type: str = "application/json; charset=utf-8") -> str:
    head = f"HTTP/1.1 {status}"
    return head if body is None else f"{head}\nContent-Type: {content_type}\n\n{body}"


def _request(line: str, *headers: str, body: str | None = None) -> str:
    text = "\n".join([line, *headers])
    return text if body is None else f"{text}\n\n{body}"


def examples() -> dict[tuple[str, str], Example]:
    """(path, method) -> Example for every operation the OpenAPI document describes (a test keeps it complete)."""
    entity = _entity(_SAMPLE)
    with_links = _entity(_SAMPLE, links=True)
    default = _entity(default_chat_session(_WHEN))
    found: dict[tuple[str, str], Example] = {}
    for verb in ("CreateDefault", "Save", "Get", "Delete"):
        method = f"{verb}ChatSessionEntity"
        found[(_AGENTS + method, "get")] = Example(
            _request(f"GET {_AGENTS}{method}", _AUTH),
            _answer("200 OK", f"POST {_AGENTS}{method}\n\n...", "text/plain; charset=utf-8"),
        )
    found[(_AGENTS + "CreateDefaultChatSessionEntity", "post")] = Example(
        _request(f"POST {_AGENTS}CreateDefaultChatSessionEntity", _AUTH, "SO-TimeZone: UTC"),
        _answer("200 OK", default),
    )
    found[(_AGENTS + "SaveChatSessionEntity", "post")] = Example(
        _request(f"POST {_AGENTS}SaveChatSessionEntity", _AUTH, _JSON, body=_json(_CREATE)),
        _answer("200 OK", entity),
    )
    found[(_AGENTS + "GetChatSessionEntity", "post")] = Example(
        _request(f"POST {_AGENTS}GetChatSessionEntity?chatSessionEntityId=42", _AUTH),
        _answer("200 OK", entity + "\n\n(an id that is not stored answers 200 with the body null)"),
    )
    found[(_AGENTS + "DeleteChatSessionEntity", "post")] = Example(
        _request(f"POST {_AGENTS}DeleteChatSessionEntity?chatSessionEntityId=42", _AUTH), _answer("204 No Content")
    )
    found[(f"{_REST}/default", "get")] = Example(_request(f"GET {_REST}/default", _AUTH), _answer("200 OK", default))
    found[(f"{_REST}/{{id}}", "get")] = Example(_request(f"GET {_REST}/42", _AUTH), _answer("200 OK", with_links))
    found[(f"{_REST}/{{id}}", "put")] = Example(
        _request(f"PUT {_REST}/42", _AUTH, _JSON, 'If-Match: "42.1"', body=_json(_CREATE | {"ChatSessionId": 42})),
        _answer("200 OK", with_links),
    )
    patch = [{"op": "replace", "path": "/Status", "value": "Closed"}]
    found[(f"{_REST}/{{id}}", "patch")] = Example(
        _request(f"PATCH {_REST}/42", _AUTH, "Content-Type: application/json-patch+json", body=_json(patch)),
        _answer("200 OK", with_links.replace('"InQueue"', '"Closed"')),
    )
    found[(f"{_REST}/{{id}}", "delete")] = Example(_request(f"DELETE {_REST}/42", _AUTH), _answer("204 No Content"))
    found[(_REST, "post")] = Example(
        _request(f"POST {_REST}", _AUTH, _JSON, "Idempotency-Key: 5f1c...", body=_json(_CREATE)),
        _answer("200 OK", with_links),
    )
    listing = {
        "odata.metadata": f"{_HOST}/api/v1/archive$metadata",
        "odata.nextLink": f"{_HOST}{_REST}?$select=customerName%2Cstatus&$top=1&$skiptoken=WzQyXQ",
        "value": [{"PrimaryKey": 42, "EntityName": "chat", "customerName": "Ada Lovelace", "status": "InQueue"}],
    }
    found[(_REST, "get")] = Example(
        _request(f"GET {_REST}?$select=customerName,status&$filter=status eq 'InQueue'&$top=1", _AUTH),
        _answer("200 OK", _json(listing)),
    )
    _add_topic_examples(found)
    _add_service_examples(found)
    return found


def _topic(topic: ChatTopicEntity) -> str:
    entity = struct_properties(topic, UTC)
    entity["TableRight"] = {"Mask": "FULL", "Reason": ""}
    properties = field_properties(ChatTopicEntity)
    first = next(iter(properties))
    entity["FieldProperties"] = {first: properties[first], "...": "..."}
    return _json(entity)


def _add_topic_examples(found: dict[tuple[str, str], Example]) -> None:
    create = {"ChatTopicId": 0, "Name": "Support", "Widget": {"Size": "Large"}, "BotSettings": {"BotName": "Robo"}}
    stored = _topic(
        ChatTopicEntity(
            chat_topic_id=4,
            name="Support",
            widget=ChatWidgetSettings(size=1),
            bot_settings=ChatBotSettings(bot_name="Robo"),
        )
    )
    for verb in ("CreateDefault", "Save", "Get", "Delete"):
        method = f"{verb}ChatTopicEntity"
        found[(_AGENTS + method, "get")] = Example(
            _request(f"GET {_AGENTS}{method}", _AUTH),
            _answer("200 OK", f"POST {_AGENTS}{method}\n\n...", "text/plain; charset=utf-8"),
        )
    found[(_AGENTS + "CreateDefaultChatTopicEntity", "post")] = Example(
        _request(f"POST {_AGENTS}CreateDefaultChatTopicEntity", _AUTH), _answer("200 OK", _topic(ChatTopicEntity()))
    )
    found[(_AGENTS + "SaveChatTopicEntity", "post")] = Example(
        _request(f"POST {_AGENTS}SaveChatTopicEntity", _AUTH, _JSON, body=_json(create)), _answer("200 OK", stored)
    )
    found[(_AGENTS + "GetChatTopicEntity", "post")] = Example(
        _request(f"POST {_AGENTS}GetChatTopicEntity?chatTopicEntityId=4", _AUTH),
        _answer("200 OK", stored + "\n\n(an id that is not stored answers 200 with the body null)"),
    )
    found[(_AGENTS + "DeleteChatTopicEntity", "post")] = Example(
        _request(f"POST {_AGENTS}DeleteChatTopicEntity?chatTopicEntityId=4", _AUTH),
        _answer("204 No Content\n\n(409 while chat sessions name the topic)"),
    )


def _add_service_examples(found: dict[tuple[str, str], Example]) -> None:
    login = {"Ticket": "7T:...", "AssociateId": 1, "UserName": "tje0", "IdleMinutes": 480}
    found[("/api/v1/Authentication/Login", "post")] = Example(
        _request("POST /api/v1/Authentication/Login", _JSON, body=_json({"Username": "tje0", "Password": "..."})),
        _answer("200 OK", _json(login)),
    )
    found[("/api/v1/Authentication/Logout", "post")] = Example(
        _request("POST /api/v1/Authentication/Logout", _AUTH), _answer("204 No Content")
    )
    token = {"access_token": "8A:...", "token_type": "Bearer", "expires_in": 3600}
    found[("/api/v1/oauth/token", "post")] = Example(
        _request(
            "POST /api/v1/oauth/token",
            "Content-Type: application/x-www-form-urlencoded",
            body="grant_type=password&username=tje0&password=...",
        ),
        _answer("200 OK", _json(token)),
    )
    found[("/api/openapi.json", "get")] = Example(
        _request("GET /api/openapi.json"), _answer("200 OK", '{"openapi": "3.1.0", ...}')
    )
    found[("/api/docs", "get")] = Example(
        _request("GET /api/docs"), _answer("200 OK", "<!doctype html>...", "text/html; charset=utf-8")
    )
    found[("/metrics", "get")] = Example(
        _request("GET /metrics"),
        _answer("200 OK", "# HELP sochat_requests_total ...", "text/plain; version=0.0.4; charset=utf-8"),
    )
    found[("/health/live", "get")] = Example(_request("GET /health/live"), _answer("200 OK", '{"Status": "live"}'))
    found[("/health/ready", "get")] = Example(_request("GET /health/ready"), _answer("200 OK", '{"Status": "ready"}'))
