"""Issue 9, agent methods end to end on a real server: CreateDefault, Save, Get, Delete in every content type."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from lifecycle_support import (
    ANSWER_TYPES,
    BODY_TYPES,
    LEFT_OUT,
    NIL,
    check_default_entity,
    count_sessions,
    decode,
    encode_body,
    instant,
    other_entity,
    properties,
    rich_entity,
)
from lxml import etree

from support.api import CREATE_DEFAULT, DELETE, GET, SAVE
from support.entity import PROPERTIES

pytestmark = pytest.mark.e2e


def _marker() -> str:
    return f"ag-{uuid.uuid4().hex[:12]}"


def _save(http: httpx.Client, entity: dict[str, Any], content_type: str, accept: str, **headers: str) -> httpx.Response:
    sent = {"Content-Type": f"{content_type}; charset=utf-8", "Accept": accept, **headers}
    return http.post(SAVE, content=encode_body(entity, content_type), headers=sent)


def _get(http: httpx.Client, chat_session_id: int, accept: str = "application/json") -> httpx.Response:
    return http.post(GET, params={"chatSessionEntityId": chat_session_id}, headers={"Accept": accept})


def _media(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


def _expected(reference: dict[str, Any], marker: str, chat_session_id: int) -> dict[str, Any]:
    """The reference answer's properties with this case's marker and id."""
    expected = dict(reference)
    expected["ChatSessionId"] = str(chat_session_id)
    expected["CustomerName"] = reference["CustomerName"].replace("REFERENCE", marker)
    expected["SessionKey"] = marker
    return expected


@pytest.fixture(scope="module")
def reference(http: httpx.Client) -> dict[str, Any]:
    """The properties SaveChatSessionEntity answers for rich_entity('REFERENCE') sent as plain JSON."""
    response = _save(http, rich_entity("REFERENCE"), "application/json", "application/json")
    assert response.status_code == 200, response.text[:500]
    return properties(response.json())


@pytest.fixture(scope="module")
def other_reference(http: httpx.Client) -> dict[str, Any]:
    """The properties SaveChatSessionEntity answers for other_entity('REFERENCE') sent as plain JSON."""
    response = _save(http, other_entity("REFERENCE"), "application/json", "application/json")
    assert response.status_code == 200, response.text[:500]
    return properties(response.json())


@pytest.mark.parametrize("accept", ANSWER_TYPES)
def test_create_default_answers_the_documented_defaults(http, accept):
    """CreateDefaultChatSessionEntity answers docs/api.md's default entity in JSON and XML, and stores nothing."""
    count = count_sessions(http)
    before = datetime.now(UTC)
    response = http.post(CREATE_DEFAULT, headers={"Accept": accept})
    assert response.status_code == 200, response.text[:500]
    assert _media(response) == accept
    assert "etag" not in response.headers
    entity = decode(response)
    check_default_entity(entity, xml="xml" in accept, since=before)
    assert entity["TableRight"] is not None and entity["FieldProperties"]
    assert count_sessions(http) == count


def test_create_default_accepts_a_null_body(http):
    """CreateDefaultChatSessionEntity with a JSON null body answers the default entity too."""
    response = http.post(CREATE_DEFAULT, content=b"null", headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text[:500]
    assert response.json()["ChatSessionId"] == 0
    assert response.json()["Status"] == "Invalid"


@pytest.mark.parametrize("method", ["CreateDefaultChatSessionEntity", "SaveChatSessionEntity", "GetChatSessionEntity"])
def test_get_on_an_agent_url_describes_the_method(http, method):
    """GET on an agent URL answers a text/plain description naming the method, as SuperOffice does."""
    response = http.get(f"/api/v1/Agents/Chat/{method}")
    assert response.status_code == 200, response.text[:500]
    assert _media(response) == "text/plain"
    assert method in response.text


def test_get_on_the_delete_url_describes_and_does_not_delete(http):
    """GET DeleteChatSessionEntity?ChatSessionEntityId=N describes the method and leaves the session stored."""
    saved = _save(http, rich_entity(_marker()), "application/json", "application/json").json()
    response = http.get(DELETE, params={"ChatSessionEntityId": saved["ChatSessionId"]})
    assert response.status_code == 200
    assert "DeleteChatSessionEntity" in response.text
    assert _get(http, saved["ChatSessionId"]).json()["ChatSessionId"] == saved["ChatSessionId"]


def test_reference_answer_carries_the_input(reference):
    """The JSON reference save answers every sent value (dates as the same instants, in UTC)."""
    sent = rich_entity("REFERENCE")
    for name in PROPERTIES[1:]:
        value = sent[name]
        if name.startswith("When"):
            assert instant(reference[name]) == instant(value), name
            assert reference[name].endswith("+00:00"), reference[name]
        elif isinstance(value, dict):
            ((id_name, link_id),) = value.items()
            assert reference[name][id_name] == str(link_id), name
        elif isinstance(value, bool):
            assert reference[name] == ("true" if value else "false"), name
        else:
            assert reference[name] == str(value), name


@pytest.mark.parametrize("accept", ANSWER_TYPES)
@pytest.mark.parametrize("content_type", BODY_TYPES)
def test_save_creates_from_every_body_type(http, reference, content_type, accept):
    """SaveChatSessionEntity with id 0 creates from each body type and answers the stored entity in each format."""
    marker = _marker()
    response = _save(http, rich_entity(marker), content_type, accept)
    assert response.status_code == 200, response.text[:500]
    assert _media(response) == accept
    answer = properties(decode(response))
    new_id = int(answer["ChatSessionId"])
    assert new_id > 0
    assert answer == _expected(reference, marker, new_id)
    assert response.headers["etag"] == f'"{new_id}.1"'
    assert "last-modified" in response.headers
    stored = properties(_get(http, new_id).json())
    assert stored == answer


@pytest.mark.parametrize("accept", ["application/json", "text/xml"])
@pytest.mark.parametrize("content_type", BODY_TYPES)
def test_save_updates_from_every_body_type(http, other_reference, content_type, accept):
    """SaveChatSessionEntity with a stored id replaces the whole session from each body type."""
    created = _save(http, rich_entity(_marker()), "application/json", "application/json").json()
    chat_session_id = created["ChatSessionId"]
    marker = _marker()
    body = other_entity(marker) | {"ChatSessionId": chat_session_id}
    response = _save(http, body, content_type, accept)
    assert response.status_code == 200, response.text[:500]
    answer = properties(decode(response))
    assert answer == _expected(other_reference, marker, chat_session_id)
    assert response.headers["etag"] == f'"{chat_session_id}.2"'
    assert properties(_get(http, chat_session_id).json()) == answer


@pytest.mark.parametrize("accept", ANSWER_TYPES)
def test_get_answers_the_stored_session_in_every_format(http, accept):
    """GetChatSessionEntity answers the stored session as JSON or XML, with its ETag."""
    saved = _save(http, rich_entity(_marker()), "application/json", "application/json")
    chat_session_id = saved.json()["ChatSessionId"]
    response = _get(http, chat_session_id, accept)
    assert response.status_code == 200, response.text[:500]
    assert _media(response) == accept
    assert properties(decode(response)) == properties(saved.json())
    assert response.headers["etag"] == saved.headers["etag"]


@pytest.mark.parametrize("name", ["chatSessionEntityId", "ChatSessionEntityId", "CHATSESSIONENTITYID"])
def test_get_takes_its_parameter_in_any_case_and_a_null_body(http, name):
    """GetChatSessionEntity reads the id under any spelling of its name, with a JSON null body."""
    saved = _save(http, rich_entity(_marker()), "application/json", "application/json").json()
    response = http.post(
        GET, params={name: saved["ChatSessionId"]}, content=b"null", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text[:500]
    assert response.json()["ChatSessionId"] == saved["ChatSessionId"]


def test_get_of_an_unknown_id_answers_null_in_json_and_xml(http):
    """GetChatSessionEntity of an id that is not stored is 200 with null (JSON) or a nil root (XML)."""
    response = _get(http, 2_000_000_000)
    assert response.status_code == 200
    assert response.json() is None
    response = _get(http, 2_000_000_000, "application/xml")
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    assert etree.QName(root).localname == "ChatSessionEntity"
    assert root.get(NIL) == "true"


def test_get_applies_select(http):
    """GetChatSessionEntity with $select clears the other properties (null for strings and carriers, the type's
    default for value types) and keeps TableRight and FieldProperties."""
    saved = _save(http, rich_entity(_marker()), "application/json", "application/json").json()
    response = http.post(GET, params={"chatSessionEntityId": saved["ChatSessionId"], "$select": "CustomerName,Rank"})
    assert response.status_code == 200, response.text[:500]
    entity = response.json()
    for name in PROPERTIES:
        assert entity[name] == (saved[name] if name in ("CustomerName", "Rank") else LEFT_OUT[name]), name
    assert entity["TableRight"] == saved["TableRight"]
    assert entity["FieldProperties"] == saved["FieldProperties"]


@pytest.mark.parametrize("name", ["ChatSessionEntityId", "chatsessionentityid"])
def test_delete_removes_the_session_and_answers_204(http, name):
    """DeleteChatSessionEntity answers 204 without a body; the session is gone; deleting again is 204 too."""
    saved = _save(http, rich_entity(_marker()), "application/json", "application/json").json()
    chat_session_id = saved["ChatSessionId"]
    response = http.post(
        DELETE, params={name: chat_session_id}, content=b"null", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 204, response.text[:500]
    assert response.content == b""
    assert _get(http, chat_session_id).json() is None
    again = http.post(DELETE, params={name: chat_session_id})
    assert again.status_code == 204, again.text[:500]
