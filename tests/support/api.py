"""The API's paths, the demo users' credentials and SuperOffice's error body, spelled once for every folder."""

from __future__ import annotations

import httpx

AGENT = "/api/v1/Agents/Chat/"
CREATE_DEFAULT = AGENT + "CreateDefaultChatSessionEntity"
SAVE = AGENT + "SaveChatSessionEntity"
GET = AGENT + "GetChatSessionEntity"
DELETE = AGENT + "DeleteChatSessionEntity"
REST = "/api/v1/ChatSession"
LIST = REST

# Demo users (sochat.demo): (name, password).
TJE0 = ("tje0", "Tje0")  # admin; the credentials of SuperOffice's sample requests
AGENT1 = ("agent1", "Agent1")  # agent: no delete
VIEWER = ("viewer", "Viewer1")  # readonly
TJE0_BASIC = "Basic dGplMDpUamUw"  # tje0:Tje0 as an Authorization header

ERROR_KEYS = {"Error", "ErrorType", "ErrorMessage", "ErrorSource"}


def error_message(response: httpx.Response, status: int) -> str:
    """Assert SuperOffice's JSON error body, exactly its four members, with ``status``; answer its ErrorMessage."""
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body, dict), body
    assert set(body) == ERROR_KEYS, body
    assert body["Error"] is True
    for key in ("ErrorType", "ErrorMessage", "ErrorSource"):
        assert isinstance(body[key], str), key
        assert body[key], key
    message: str = body["ErrorMessage"]
    return message
