"""Issue 9, the REST resource /api/v1/ChatSession end to end on a real server, in every content type."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from lifecycle_support import (
    ANSWER_TYPES,
    BODY_TYPES,
    check_default_entity,
    count_sessions,
    decode,
    encode_body,
    other_entity,
    properties,
    rich_entity,
)

from support.api import REST
from support.entity import PROPERTIES

pytestmark = pytest.mark.e2e

WHOLE_ENTITY_TYPES = tuple(t for t in BODY_TYPES if "patch" not in t)


def _marker() -> str:
    return f"rest-{uuid.uuid4().hex[:12]}"


def _media(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


def _send(
    http: httpx.Client, method: str, path: str, entity: Any, content_type: str, accept: str = "application/json"
) -> httpx.Response:
    body = entity if isinstance(entity, bytes) else encode_body(entity, content_type)
    headers = {"Content-Type": f"{content_type}; charset=utf-8", "Accept": accept}
    return http.request(method, path, content=body, headers=headers)


def _create(http: httpx.Client) -> dict[str, Any]:
    response = _send(http, "POST", REST, rich_entity(_marker()), "application/json")
    assert response.status_code == 200, response.text[:500]
    answer: dict[str, Any] = response.json()
    return answer


def _expected(reference: dict[str, Any], marker: str, chat_session_id: int) -> dict[str, Any]:
    expected = dict(reference)
    expected["ChatSessionId"] = str(chat_session_id)
    expected["CustomerName"] = reference["CustomerName"].replace("REFERENCE", marker)
    expected["SessionKey"] = marker
    return expected


def _links(base: str, chat_session_id: int) -> dict[str, str]:
    return {"Self": f"{base}/api/v1/ChatSession/{chat_session_id}", "Archive": f"{base}/api/v1/ChatSession"}


@pytest.fixture(scope="module")
def reference(http: httpx.Client) -> dict[str, Any]:
    """The properties POST answers for rich_entity('REFERENCE') sent as plain JSON."""
    response = _send(http, "POST", REST, rich_entity("REFERENCE"), "application/json")
    assert response.status_code == 200, response.text[:500]
    return properties(response.json())


@pytest.fixture(scope="module")
def other_reference(http: httpx.Client) -> dict[str, Any]:
    """The properties POST answers for other_entity('REFERENCE') sent as plain JSON."""
    response = _send(http, "POST", REST, other_entity("REFERENCE"), "application/json")
    assert response.status_code == 200, response.text[:500]
    return properties(response.json())


@pytest.mark.parametrize("accept", ANSWER_TYPES)
def test_get_default_answers_the_default_entity(http, accept):
    """GET /api/v1/ChatSession/default answers the documented default entity in JSON and XML; nothing is stored."""
    count = count_sessions(http)
    before = datetime.now(UTC)
    response = http.get(f"{REST}/default", headers={"Accept": accept})
    assert response.status_code == 200, response.text[:500]
    assert _media(response) == accept
    assert "etag" not in response.headers
    check_default_entity(decode(response), xml="xml" in accept, since=before)
    assert count_sessions(http) == count


@pytest.mark.parametrize("accept", ANSWER_TYPES)
@pytest.mark.parametrize("content_type", BODY_TYPES)
def test_post_creates_from_every_body_type(live, http, reference, content_type, accept):
    """POST /api/v1/ChatSession creates from each body type; the answer (each format) has _Links and an ETag."""
    marker = _marker()
    count = count_sessions(http)
    response = _send(http, "POST", REST, rich_entity(marker), content_type, accept)
    assert response.status_code == 200, response.text[:500]
    assert _media(response) == accept
    entity = decode(response)
    answer = properties(entity)
    new_id = int(answer["ChatSessionId"])
    assert answer == _expected(reference, marker, new_id)
    assert entity["_Links"] == _links(live.base_url, new_id)
    assert response.headers["etag"] == f'"{new_id}.1"'
    assert count_sessions(http) == count + 1
    assert properties(http.get(f"{REST}/{new_id}").json()) == answer


@pytest.mark.parametrize("accept", ANSWER_TYPES)
def test_get_one_answers_the_session_with_links_and_validators(live, http, accept):
    """GET /api/v1/ChatSession/{id} answers the stored session with _Links, ETag and Last-Modified."""
    created = _create(http)
    chat_session_id = created["ChatSessionId"]
    response = http.get(f"{REST}/{chat_session_id}", headers={"Accept": accept})
    assert response.status_code == 200, response.text[:500]
    assert _media(response) == accept
    entity = decode(response)
    assert properties(entity) == properties(created)
    assert entity["_Links"] == _links(live.base_url, chat_session_id)
    assert response.headers["etag"] == f'"{chat_session_id}.1"'
    assert response.headers["last-modified"].endswith("GMT")


@pytest.mark.parametrize("accept", ["application/json", "application/xml"])
@pytest.mark.parametrize("content_type", BODY_TYPES)
def test_put_replaces_from_every_body_type(live, http, other_reference, content_type, accept):
    """PUT /api/v1/ChatSession/{id} replaces the whole session from each body type; the path names the session."""
    chat_session_id = _create(http)["ChatSessionId"]
    marker = _marker()
    response = _send(http, "PUT", f"{REST}/{chat_session_id}", other_entity(marker), content_type, accept)
    assert response.status_code == 200, response.text[:500]
    assert _media(response) == accept
    entity = decode(response)
    assert properties(entity) == _expected(other_reference, marker, chat_session_id)
    assert entity["_Links"] == _links(live.base_url, chat_session_id)
    assert response.headers["etag"] == f'"{chat_session_id}.2"'
    assert properties(http.get(f"{REST}/{chat_session_id}").json()) == properties(entity)


def test_put_ignores_an_id_in_the_body(http):
    """PUT /{id} with another session's id in the body changes only the session the path names."""
    target = _create(http)
    bystander = _create(http)
    body = other_entity(_marker()) | {"ChatSessionId": bystander["ChatSessionId"]}
    response = _send(http, "PUT", f"{REST}/{target['ChatSessionId']}", body, "application/json")
    assert response.status_code == 200, response.text[:500]
    assert response.json()["ChatSessionId"] == target["ChatSessionId"]
    assert properties(http.get(f"{REST}/{bystander['ChatSessionId']}").json()) == properties(bystander)


@pytest.mark.parametrize("accept", ["application/json", "text/xml"])
@pytest.mark.parametrize("content_type", WHOLE_ENTITY_TYPES)
def test_patch_with_a_whole_entity_body(http, other_reference, content_type, accept):
    """PATCH /{id} with a whole entity as JSON, XML or form fields stores exactly that entity."""
    chat_session_id = _create(http)["ChatSessionId"]
    marker = _marker()
    response = _send(http, "PATCH", f"{REST}/{chat_session_id}", other_entity(marker), content_type, accept)
    assert response.status_code == 200, response.text[:500]
    assert _media(response) == accept
    assert properties(decode(response)) == _expected(other_reference, marker, chat_session_id)
    assert response.headers["etag"] == f'"{chat_session_id}.2"'


def _json_patch(chat_session_id: int) -> list[dict[str, Any]]:
    return [
        {"op": "test", "path": "/ChatSessionId", "value": chat_session_id},
        {"op": "test", "path": "/Rank", "value": 5},
        {"op": "replace", "path": "/CustomerName", "value": "Patched Name"},
        {"op": "replace", "path": "status", "value": "Closed"},
        {"op": "remove", "path": "/Rating"},
        {"op": "replace", "path": "/TransferTo", "value": {"AssociateId": 3}},
        {"op": "copy", "from": "/CustomerAlias", "path": "/SessionKey"},
    ]


def _merge_patch(chat_session_id: int) -> dict[str, Any]:
    return {"CustomerName": "Patched Name", "Status": "Closed", "Rating": None, "TransferTo": {"AssociateId": 3}}


@pytest.mark.parametrize("accept", ["application/json", "application/xml"])
@pytest.mark.parametrize(
    ("content_type", "build"),
    [
        ("application/json-patch+json", _json_patch),
        ("application/json", _json_patch),  # a JSON array is read as a JSON Patch
        ("text/json", _json_patch),
        ("application/merge-patch+json", _merge_patch),
    ],
)
def test_patch_changes_only_what_the_patch_names(http, content_type, build, accept):
    """PATCH /{id} with JSON Patch or Merge Patch changes the named properties and keeps every other one."""
    created = _create(http)
    chat_session_id = created["ChatSessionId"]
    body = json.dumps(build(chat_session_id)).encode()
    response = _send(http, "PATCH", f"{REST}/{chat_session_id}", body, content_type, accept)
    assert response.status_code == 200, response.text[:500]
    assert _media(response) == accept
    patched = properties(decode(response))
    expected = properties(created)
    expected["CustomerName"] = "Patched Name"
    expected["Status"] = "Closed"
    expected["Rating"] = "0"
    if build is _json_patch:
        expected["SessionKey"] = expected["CustomerAlias"]
    changed = {name for name in PROPERTIES if patched[name] != expected[name]}
    assert changed == {"TransferTo"}
    assert patched["TransferTo"]["AssociateId"] == "3"
    assert patched["TransferTo"]["UserName"] == "agent2"
    assert response.headers["etag"] == f'"{chat_session_id}.2"'
    assert properties(http.get(f"{REST}/{chat_session_id}").json()) == patched


@pytest.mark.parametrize("accept", ["application/json", "application/xml"])
def test_delete_answers_204_then_the_session_is_gone(http, accept):
    """DELETE /{id} answers 204 with no body; GET and a second DELETE then answer 404."""
    chat_session_id = _create(http)["ChatSessionId"]
    response = http.delete(f"{REST}/{chat_session_id}", headers={"Accept": accept})
    assert response.status_code == 204, response.text[:500]
    assert response.content == b""
    assert http.get(f"{REST}/{chat_session_id}").status_code == 404
    assert http.delete(f"{REST}/{chat_session_id}").status_code == 404


def test_tenant_prefix_any_case_and_trailing_slash(live, http):
    """Routes under /Cust12345/, in any letter case and with a trailing slash, answer tenant-prefixed _Links."""
    tenant_base = f"{live.base_url}/Cust12345"
    response = _send(http, "POST", "/Cust12345/API/v1/chatsession/", rich_entity(_marker()), "application/json")
    assert response.status_code == 200, response.text[:500]
    created = response.json()
    chat_session_id = created["ChatSessionId"]
    assert created["_Links"] == _links(tenant_base, chat_session_id)
    got = http.get(created["_Links"]["Self"])
    assert got.status_code == 200, got.text[:500]
    assert properties(got.json()) == properties(created)
    assert got.json()["_Links"] == _links(tenant_base, chat_session_id)
    patched = _send(
        http, "PATCH", f"/Cust12345/api/V1/ChatSession/{chat_session_id}/", {"Rank": 1}, "application/merge-patch+json"
    )
    assert patched.status_code == 200, patched.text[:500]
    assert patched.json()["_Links"] == _links(tenant_base, chat_session_id)
    assert patched.json()["Rank"] == 1
    plain = http.get(f"{REST}/{chat_session_id}")
    assert plain.json()["_Links"] == _links(live.base_url, chat_session_id)
    archive = http.get(created["_Links"]["Archive"], params={"$filter": f"sessionKey eq '{created['SessionKey']}'"})
    assert archive.status_code == 200, archive.text[:500]
    assert [row["PrimaryKey"] for row in archive.json()["value"]] == [chat_session_id]
