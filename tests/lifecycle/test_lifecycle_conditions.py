"""Issue 9 status codes on a real server: 404, 409, 412, 304, ETags, Idempotency-Key, rights, $select, _Links."""

from __future__ import annotations

import json
import uuid
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import httpx
import pytest
from lifecycle_support import (
    as_text,
    count_sessions,
    decode,
    error_message,
    left_out_text,
    other_entity,
    properties,
    rich_entity,
)

from support.api import AGENT1, DELETE, GET, REST, SAVE, VIEWER
from support.entity import PROPERTIES

pytestmark = pytest.mark.e2e

UNKNOWN = 2_000_000_001
JSON = {"Content-Type": "application/json"}
MERGE = {"Content-Type": "application/merge-patch+json"}
JSON_PATCH = {"Content-Type": "application/json-patch+json"}
LONG_AGO = "Mon, 01 Jan 2024 00:00:00 GMT"


def _marker() -> str:
    return f"cond-{uuid.uuid4().hex[:12]}"


def _unassigned(marker: str) -> dict[str, Any]:
    """A create body without a User, so that agents may see and change the session too."""
    return rich_entity(marker) | {"User": None}


def _create(http: httpx.Client, marker: str | None = None, *, user: bool = True) -> httpx.Response:
    body = rich_entity(marker or _marker()) if user else _unassigned(marker or _marker())
    response = http.post(REST, json=body)
    assert response.status_code == 200, response.text[:500]
    return response


def _state(http: httpx.Client, chat_session_id: int) -> tuple[str, dict[str, Any]]:
    """(ETag, properties) of the stored session, as GET answers them."""
    response = http.get(f"{REST}/{chat_session_id}")
    assert response.status_code == 200, response.text[:500]
    return response.headers["etag"], properties(response.json())


def _write(http: httpx.Client, verb: str, chat_session_id: int, headers: dict[str, str]) -> httpx.Response:
    """One write of the given kind on the session, with extra headers (conditions)."""
    path = f"{REST}/{chat_session_id}"
    if verb == "PUT":
        return http.put(path, json=other_entity(_marker()), headers=headers)
    if verb == "PATCH-merge":
        return http.patch(path, content=b'{"Rank": 1, "CustomerName": "changed"}', headers=MERGE | headers)
    if verb == "PATCH-json":
        ops = [{"op": "replace", "path": "/Rank", "value": 1}]
        return http.patch(path, content=json.dumps(ops).encode(), headers=JSON_PATCH | headers)
    if verb == "DELETE":
        return http.delete(path, headers=headers)
    if verb == "Save":
        body = other_entity(_marker()) | {"ChatSessionId": chat_session_id}
        return http.post(SAVE, json=body, headers=headers)
    if verb == "DeleteChatSessionEntity":
        return http.post(DELETE, params={"ChatSessionEntityId": chat_session_id}, headers=headers)
    raise AssertionError(verb)


WRITES = ["PUT", "PATCH-merge", "PATCH-json", "DELETE", "Save", "DeleteChatSessionEntity"]


# -- 404 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("accept", ["application/json", "application/xml"])
@pytest.mark.parametrize("verb", ["GET", "PUT", "PATCH-merge", "PATCH-json", "DELETE"])
def test_unknown_id_is_404_on_the_rest_resource(http, verb, accept):
    """GET/PUT/PATCH/DELETE /api/v1/ChatSession/{unknown} answer 404 with the error body; nothing is created."""
    count = count_sessions(http)
    headers = {"Accept": accept}
    response = http.get(f"{REST}/{UNKNOWN}", headers=headers) if verb == "GET" else _write(http, verb, UNKNOWN, headers)
    assert str(UNKNOWN) in error_message(response, 404)
    assert count_sessions(http) == count


# -- 409 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("test_first", [True, False])
def test_failed_test_op_is_409_and_saves_nothing(http, test_first):
    """A JSON Patch whose test op fails answers 409, before or after other ops, and the session is unchanged."""
    created = _create(http)
    chat_session_id = created.json()["ChatSessionId"]
    before = _state(http, chat_session_id)
    failing = {"op": "test", "path": "/CustomerAlias", "value": "somebody-else"}
    ops = [
        {"op": "replace", "path": "/CustomerName", "value": "should not be saved"},
        {"op": "replace", "path": "/Rank", "value": 99},
    ]
    ops = [failing, *ops] if test_first else [*ops, failing]
    response = http.patch(f"{REST}/{chat_session_id}", content=json.dumps(ops).encode(), headers=JSON_PATCH)
    error_message(response, 409)
    assert _state(http, chat_session_id) == before


# -- 412 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("verb", WRITES)
def test_if_unmodified_since_before_the_last_write_is_412(http, verb):
    """If-Unmodified-Since earlier than the last write makes every write a 412 with nothing saved."""
    chat_session_id = _create(http).json()["ChatSessionId"]
    before = _state(http, chat_session_id)
    response = _write(http, verb, chat_session_id, {"If-Unmodified-Since": LONG_AGO})
    error_message(response, 412)
    assert _state(http, chat_session_id) == before


@pytest.mark.parametrize("verb", WRITES)
def test_if_unmodified_since_at_the_last_write_lets_the_write_happen(http, verb):
    """If-Unmodified-Since equal to Last-Modified lets every write through."""
    created = _create(http)
    chat_session_id = created.json()["ChatSessionId"]
    response = _write(http, verb, chat_session_id, {"If-Unmodified-Since": created.headers["last-modified"]})
    assert response.status_code in (200, 204), response.text[:500]


@pytest.mark.parametrize("verb", WRITES)
def test_stale_if_match_is_412_and_saves_nothing(http, verb):
    """If-Match with an ETag from before the last write makes every write a 412 with nothing saved."""
    created = _create(http)
    chat_session_id = created.json()["ChatSessionId"]
    stale = created.headers["etag"]
    bump = http.patch(f"{REST}/{chat_session_id}", content=b'{"Rating": 3}', headers=MERGE)
    assert bump.status_code == 200, bump.text[:500]
    before = _state(http, chat_session_id)
    assert before[0] != stale
    response = _write(http, verb, chat_session_id, {"If-Match": stale})
    error_message(response, 412)
    assert _state(http, chat_session_id) == before


@pytest.mark.parametrize("verb", WRITES)
def test_current_if_match_lets_the_write_happen(http, verb):
    """If-Match with the current ETag lets every write through, and the ETag then changes (or the session goes)."""
    created = _create(http)
    chat_session_id = created.json()["ChatSessionId"]
    response = _write(http, verb, chat_session_id, {"If-Match": created.headers["etag"]})
    assert response.status_code in (200, 204), response.text[:500]
    after = http.get(f"{REST}/{chat_session_id}")
    if verb.startswith("Delete") or verb == "DELETE":
        assert after.status_code == 404
    else:
        assert response.headers["etag"] == after.headers["etag"] == f'"{chat_session_id}.2"'


def test_if_match_star_on_an_unknown_id_stores_nothing(http):
    """If-Match: * ("only if it exists") on an id that is not stored is refused and creates nothing."""
    count = count_sessions(http)
    response = http.put(f"{REST}/{UNKNOWN}", json=other_entity(_marker()), headers={"If-Match": "*"})
    assert response.status_code in (404, 412), response.text[:500]
    body = other_entity(_marker()) | {"ChatSessionId": UNKNOWN}
    response = http.post(SAVE, json=body, headers={"If-Match": "*"})
    assert response.status_code in (404, 412), response.text[:500]
    assert count_sessions(http) == count


@pytest.mark.parametrize("if_match", ["*", f'"{UNKNOWN}.1"'])
@pytest.mark.parametrize("verb", ["PUT", "PATCH", "SAVE"])
def test_if_match_on_an_unknown_id_is_412_on_every_write(http, verb, if_match):
    """If-Match, `*` or a tag, on an id that is not stored is a 412 on PUT, PATCH and Save alike (RFC 9110: there
    is no current representation to match), and creates nothing."""
    count = count_sessions(http)
    headers = {"If-Match": if_match}
    if verb == "PUT":
        response = http.put(f"{REST}/{UNKNOWN}", json=other_entity(_marker()), headers=headers)
    elif verb == "PATCH":
        patch = [{"op": "replace", "path": "/CustomerName", "value": "x"}]
        headers["Content-Type"] = "application/json-patch+json"
        response = http.patch(f"{REST}/{UNKNOWN}", content=json.dumps(patch), headers=headers)
    else:
        response = http.post(SAVE, json=other_entity(_marker()) | {"ChatSessionId": UNKNOWN}, headers=headers)
    assert response.status_code == 412, response.text[:500]
    message = response.json()["ErrorMessage"]
    assert f"ChatSession {UNKNOWN}" in message
    assert "exist" in message
    assert count_sessions(http) == count


def test_if_match_star_on_a_save_with_id_0_stores_nothing(http):
    """SaveChatSessionEntity with ChatSessionId 0 and If-Match: * is refused (RFC 9110: no current representation)."""
    marker = _marker()
    response = http.post(SAVE, json=rich_entity(marker), headers={"If-Match": "*"})
    assert response.status_code == 412, response.text[:500]
    assert count_sessions(http, f"sessionKey eq '{marker}'") == 0


# -- 304 and ETags -------------------------------------------------------------------------------


def test_if_none_match_answers_304_when_current(http):
    """If-None-Match with the current ETag (strong, weak or *) is 304 without a body; a stale one is 200."""
    created = _create(http)
    chat_session_id = created.json()["ChatSessionId"]
    etag = created.headers["etag"]
    for header in (etag, f"W/{etag}", f'"0.0", {etag}', "*"):
        response = http.get(f"{REST}/{chat_session_id}", headers={"If-None-Match": header})
        assert response.status_code == 304, (header, response.text[:500])
        assert response.content == b""
        assert response.headers["etag"] == etag
    bump = http.patch(f"{REST}/{chat_session_id}", content=b'{"Rank": 2}', headers=MERGE)
    assert bump.status_code == 200
    response = http.get(f"{REST}/{chat_session_id}", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.json()["Rank"] == 2


def test_if_modified_since_answers_304_when_unchanged(http):
    """If-Modified-Since at or after Last-Modified is 304; a time before it is 200 with the session."""
    created = _create(http)
    chat_session_id = created.json()["ChatSessionId"]
    last_modified = created.headers["last-modified"]
    response = http.get(f"{REST}/{chat_session_id}", headers={"If-Modified-Since": last_modified})
    assert response.status_code == 304, response.text[:500]
    assert response.content == b""
    moment = parsedate_to_datetime(last_modified)
    earlier = format_datetime(moment.replace(year=moment.year - 1), usegmt=True)
    response = http.get(f"{REST}/{chat_session_id}", headers={"If-Modified-Since": earlier})
    assert response.status_code == 200
    assert response.json()["ChatSessionId"] == chat_session_id


def test_etag_changes_on_every_write(http):
    """Create, Save, PUT, merge PATCH and JSON PATCH each answer a new ETag "<id>.<version>"; GET agrees."""
    created = _create(http)
    chat_session_id = created.json()["ChatSessionId"]
    tags = [created.headers["etag"]]
    for verb in ("Save", "PUT", "PATCH-merge", "PATCH-json"):
        response = _write(http, verb, chat_session_id, {})
        assert response.status_code == 200, response.text[:500]
        tags.append(response.headers["etag"])
        assert http.get(f"{REST}/{chat_session_id}").headers["etag"] == tags[-1]
        assert http.post(GET, params={"chatSessionEntityId": chat_session_id}).headers["etag"] == tags[-1]
    assert tags == [f'"{chat_session_id}.{version}"' for version in range(1, 6)]


# -- Idempotency-Key -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", [REST, SAVE])
def test_idempotent_retry_answers_the_same_session_and_creates_one(http, path):
    """A create retried with the same Idempotency-Key and body answers the first id, marked replayed; one row."""
    marker = _marker()
    body = json.dumps(rich_entity(marker)).encode()
    headers = JSON | {"Idempotency-Key": f"key-{marker}"}
    first = http.post(path, content=body, headers=headers)
    assert first.status_code == 200, first.text[:500]
    assert "idempotent-replayed" not in first.headers
    second = http.post(path, content=body, headers=headers)
    assert second.status_code == 200, second.text[:500]
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json()["ChatSessionId"] == first.json()["ChatSessionId"]
    assert properties(second.json()) == properties(first.json())
    assert count_sessions(http, f"sessionKey eq '{marker}'") == 1


def test_idempotent_replay_answers_the_session_as_it_is_now(http):
    """A replayed create answers the session as it is after later writes, not the first answer's bytes."""
    marker = _marker()
    body = json.dumps(rich_entity(marker)).encode()
    headers = JSON | {"Idempotency-Key": f"key-{marker}"}
    first = http.post(REST, content=body, headers=headers)
    chat_session_id = first.json()["ChatSessionId"]
    patched = http.patch(f"{REST}/{chat_session_id}", content=b'{"Rank": 42}', headers=MERGE)
    assert patched.status_code == 200
    replay = http.post(REST, content=body, headers=headers)
    assert replay.status_code == 200, replay.text[:500]
    assert replay.json()["Rank"] == 42
    assert replay.headers["etag"] == patched.headers["etag"]


def test_same_idempotency_key_with_another_body_is_409(http):
    """The same Idempotency-Key with another body is 409 and creates nothing more."""
    marker = _marker()
    headers = JSON | {"Idempotency-Key": f"key-{marker}"}
    first = http.post(REST, json=rich_entity(marker), headers=headers)
    assert first.status_code == 200, first.text[:500]
    other = rich_entity(marker) | {"Rank": 77}
    error_message(http.post(REST, json=other, headers=headers), 409)
    error_message(http.post(SAVE, json=other, headers=headers), 409)
    assert count_sessions(http, f"sessionKey eq '{marker}'") == 1


def test_idempotency_keys_belong_to_their_caller(live, http):
    """Another user sending the same key and body creates their own session (keys are per caller)."""
    marker = _marker()
    body = json.dumps(_unassigned(marker)).encode()
    headers = JSON | {"Idempotency-Key": f"key-{marker}"}
    first = http.post(REST, content=body, headers=headers)
    with live.sync_client(AGENT1) as agent:
        second = agent.post(REST, content=body, headers=headers)
    assert second.status_code == 200, second.text[:500]
    assert "idempotent-replayed" not in second.headers
    assert second.json()["ChatSessionId"] != first.json()["ChatSessionId"]
    assert count_sessions(http, f"sessionKey eq '{marker}'") == 2


# -- rights --------------------------------------------------------------------------------------


@pytest.mark.parametrize("verb", ["DELETE", "DeleteChatSessionEntity"])
def test_agent_may_not_delete(live, http, verb):
    """agent1 (agent role) gets 403 deleting a session it may change, REST or agent method; the session stays."""
    chat_session_id = _create(http, user=False).json()["ChatSessionId"]
    before = _state(http, chat_session_id)
    with live.sync_client(AGENT1) as agent:
        error_message(_write(agent, verb, chat_session_id, {}), 403)
        assert _write(agent, "PATCH-merge", chat_session_id, {}).status_code == 200
    assert http.get(f"{REST}/{chat_session_id}").status_code == 200
    assert _state(http, chat_session_id)[0] != before[0]


@pytest.mark.parametrize("verb", ["Save", "PUT", "PATCH-merge", "PATCH-json", "DELETE", "DeleteChatSessionEntity"])
def test_viewer_may_not_write(live, http, verb):
    """viewer (readonly) gets 403 for every write on a stored session; nothing changes; reading works."""
    chat_session_id = _create(http).json()["ChatSessionId"]
    before = _state(http, chat_session_id)
    with live.sync_client(VIEWER) as viewer:
        error_message(_write(viewer, verb, chat_session_id, {}), 403)
        read = viewer.get(f"{REST}/{chat_session_id}")
    assert read.status_code == 200
    assert read.json()["TableRight"]["Mask"] == "Select"
    assert _state(http, chat_session_id) == before


@pytest.mark.parametrize("path", [REST, SAVE])
def test_viewer_may_not_create(live, http, path):
    """viewer gets 403 creating a session through POST or SaveChatSessionEntity; nothing is stored."""
    marker = _marker()
    with live.sync_client(VIEWER) as viewer:
        message = error_message(viewer.post(path, json=rich_entity(marker)), 403)
    assert "create" in message
    assert count_sessions(http, f"sessionKey eq '{marker}'") == 0


# -- $select and _Links --------------------------------------------------------------------------


@pytest.mark.parametrize("accept", ["application/json", "application/xml"])
def test_select_nulls_unselected_and_keeps_rights_and_links(live, http, accept):
    """$select clears unselected properties (null for strings and carriers, the type's default for value types),
    a sub-path keeps only that member (the others cleared alike), and keeps rights and links."""
    full = _create(http).json()
    chat_session_id = full["ChatSessionId"]
    response = http.get(
        f"{REST}/{chat_session_id}",
        params={"$select": "customerName, Status,User/FullName,WhenEnded"},
        headers={"Accept": accept},
    )
    assert response.status_code == 200, response.text[:500]
    entity = decode(response)
    assert list(entity)[: len(PROPERTIES)] == list(PROPERTIES)
    plain = properties(full)
    for name in PROPERTIES:
        if name in ("CustomerName", "Status", "WhenEnded"):
            assert properties(entity)[name] == plain[name], name
        elif name != "User":
            assert as_text(entity[name]) == left_out_text(name, xml=accept.endswith("xml")), name
    user = entity["User"]
    assert user["FullName"] == "Tom Jensen"
    references = {"Name", "Tooltip", "FormalName", "UserName", "ExtraFields", "CustomFields"}
    references |= {"TableRight", "FieldProperties"}
    assert all(user[key] is None for key in references), user
    assert as_text({key: user[key] for key in ("AssociateId", "Rank", "Type", "Deleted")}) == {
        "AssociateId": "0",
        "Rank": "0",
        "Type": "Unknown",
        "Deleted": "false",
    }
    assert entity["TableRight"] is not None
    assert set(entity["FieldProperties"]) == set(PROPERTIES)
    assert entity["_Links"] == {
        "Self": f"{live.base_url}/api/v1/ChatSession/{chat_session_id}",
        "Archive": f"{live.base_url}/api/v1/ChatSession",
    }


@pytest.mark.parametrize("verb", ["POST", "PUT", "PATCH"])
def test_select_applies_to_write_answers(http, verb):
    """$select shapes the answers of POST, PUT and PATCH too, while the whole session is stored."""
    chat_session_id = _create(http).json()["ChatSessionId"]
    params = {"$select": "Rank"}
    if verb == "POST":
        response = http.post(REST, params=params, json=other_entity(_marker()))
    elif verb == "PUT":
        response = http.put(f"{REST}/{chat_session_id}", params=params, json=other_entity(_marker()))
    else:
        response = http.patch(f"{REST}/{chat_session_id}", params=params, content=b'{"Rank": 9}', headers=MERGE)
    assert response.status_code == 200, response.text[:500]
    entity = response.json()
    assert entity["Rank"] == 9
    assert entity["CustomerName"] is None and entity["ChatSessionId"] == 0
    assert "_Links" in entity and entity["TableRight"] is not None
    stored = http.get(entity["_Links"]["Self"]).json()
    assert stored["CustomerName"] is not None


def test_select_of_an_unknown_property_is_400(http):
    """$select naming no property of the entity is a 400 whose message names it."""
    chat_session_id = _create(http).json()["ChatSessionId"]
    response = http.get(f"{REST}/{chat_session_id}", params={"$select": "CustomerName,NoSuchThing"})
    assert "NoSuchThing" in error_message(response, 400)
