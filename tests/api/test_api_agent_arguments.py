"""Decision 20: an agent method's scalar parameters also come as a body object {Name: value}, names in any case,
in every request format (JSON, XML with the method as root element, form keys); the query string still works and
wins when both name a parameter."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from support.api import DELETE, GET, TJE0
from support.bodies import FORM, JSON_PATCH, JSON_TYPES, MERGE_PATCH, XML_TYPES

pytestmark = pytest.mark.anyio


def _xml(root: str, name: str, value: object) -> bytes:
    return f'<?xml version="1.0" encoding="utf-8"?><{root}><{name}>{value}</{name}></{root}>'.encode()


def _body(content_type: str, root: str, name: str, value: object) -> bytes:
    if content_type in XML_TYPES:
        return _xml(root, name, value)
    if content_type == FORM:
        return urlencode({name: value}).encode("ascii")
    return json.dumps({name: value}).encode("utf-8")


BODY_TYPES = (*JSON_TYPES, *XML_TYPES, FORM, JSON_PATCH, MERGE_PATCH)


@pytest.mark.parametrize("content_type", BODY_TYPES)
@pytest.mark.parametrize("name", ["chatSessionEntityId", "ChatSessionEntityId", "CHATSESSIONENTITYID"])
async def test_get_reads_the_id_from_a_body_object(api, content_type, name):
    """GetChatSessionEntity with {chatSessionEntityId: id} in the body, in any format and letter case."""
    created = await api.save_ok({"CustomerName": "by body"})
    body = _body(content_type, "GetChatSessionEntity", name, created["ChatSessionId"])
    response = await api.client.post(GET, content=body, headers={"Content-Type": content_type}, auth=TJE0)
    assert response.status_code == 200, response.text
    assert response.json() == created


@pytest.mark.parametrize("content_type", ["application/json", "application/xml", FORM])
async def test_delete_reads_the_id_from_a_body_object(api, content_type):
    """DeleteChatSessionEntity with the id in the body deletes that session."""
    created = await api.save_ok({})
    body = _body(content_type, "DeleteChatSessionEntity", "ChatSessionEntityId", created["ChatSessionId"])
    response = await api.client.post(DELETE, content=body, headers={"Content-Type": content_type}, auth=TJE0)
    assert response.status_code == 204, response.text
    assert (await api.get(created["ChatSessionId"])).content.strip() == b"null"


async def test_the_query_wins_over_the_body(api):
    """When the query names the parameter, the body is not read for it."""
    first, second = await api.save_ok({"CustomerName": "query"}), await api.save_ok({"CustomerName": "body"})
    response = await api.client.post(
        GET,
        params={"chatSessionEntityId": first["ChatSessionId"]},
        json={"chatSessionEntityId": second["ChatSessionId"]},
        auth=TJE0,
    )
    assert response.status_code == 200, response.text
    assert response.json()["CustomerName"] == "query"


@pytest.mark.parametrize(
    ("content_type", "body", "named"),
    [
        ("application/json", b'{"chatSessionEntityId": "abc"}', "chatsessionentityid"),
        ("application/json", b'{"chatSessionEntityId": true}', "chatsessionentityid"),
        ("application/json", b'{"chatSessionEntityId": 1.5}', "chatsessionentityid"),
        ("application/json", b'{"chatSessionEntityId": 2147483648}', "chatsessionentityid"),
        ("application/json", b'{"somethingElse": 1}', "chatsessionentityid"),
        ("application/json", b"[1]", "body"),
        ("application/json", b"7", "body"),
        ("application/xml", _xml("ChatSessionEntity", "chatSessionEntityId", 1), "getchatsessionentity"),
        (FORM, b"chatSessionEntityId=", "chatsessionentityid"),
    ],
)
async def test_a_wrong_body_object_is_a_400_naming_it(api, content_type, body, named):
    """A value that is no int32, a missing member, a body that is not an object or an XML root other than the
    method's name is a 400 that names what was wrong."""
    response = await api.client.post(GET, content=body, headers={"Content-Type": content_type}, auth=TJE0)
    message = api.error(response, 400)
    assert named in message.lower(), message
