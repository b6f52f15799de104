"""The API's paths, the demo users' credentials and SuperOffice's error body, spelled once for every folder."""

from __future__ import annotations

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
