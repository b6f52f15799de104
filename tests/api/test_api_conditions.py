"""Conditional writes on every write route, both databases: If-Match, If-None-Match and If-Unmodified-Since with
another session's ETag, a malformed value, a weak ETag, a list of ETags and ``*`` (docs/api.md, "Conditional
requests and ETags").

Every refused write is checked twice: the answer (status and SuperOffice's error body) and the database (the
session as GetChatSessionEntity answers it, unchanged, or still there after a refused delete).

The other session's ETag always has the same version as the target's (both were just created, version 1), so
only the id in the tag tells them apart: a write that ignored the id would pass.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from support.api import DELETE, REST, SAVE, TJE0

pytestmark = pytest.mark.anyio

MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
LONG_AGO = "Mon, 01 Jan 2024 00:00:00 GMT"
FAR_AHEAD = "Fri, 01 Jan 9998 00:00:00 GMT"

# Every write route that takes the conditions: the agent's Save and Delete, SuperOffice's REST POST with an id,
# sochat's PUT, PATCH in both patch formats, and DELETE.
WRITES = ["Save", "DeleteChatSessionEntity", "POST", "PUT", "PATCH-merge", "PATCH-json", "DELETE"]
DELETES = {"DeleteChatSessionEntity", "DELETE"}


def _marker() -> str:
    return f"cond-{uuid.uuid4().hex[:12]}"


async def _write(api: Any, verb: str, chat_session_id: int, headers: dict[str, str]) -> httpx.Response:
    """One write of kind ``verb`` on the session (changing CustomerName), with the condition ``headers``."""
    marker = _marker()
    path = f"{REST}/{chat_session_id}"
    client: httpx.AsyncClient = api.client
    if verb in ("Save", "POST"):
        body = json.dumps({"ChatSessionId": chat_session_id, "CustomerName": marker}).encode()
        sent = {"Content-Type": "application/json", **headers}
        return await client.post(SAVE if verb == "Save" else REST, content=body, headers=sent, auth=TJE0)
    if verb == "PUT":
        body = json.dumps({"CustomerName": marker}).encode()
        return await client.put(path, content=body, headers={"Content-Type": "application/json", **headers}, auth=TJE0)
    if verb == "PATCH-merge":
        body = json.dumps({"CustomerName": marker}).encode()
        return await client.patch(path, content=body, headers={"Content-Type": MERGE_PATCH, **headers}, auth=TJE0)
    if verb == "PATCH-json":
        body = json.dumps([{"op": "replace", "path": "/CustomerName", "value": marker}]).encode()
        return await client.patch(path, content=body, headers={"Content-Type": JSON_PATCH, **headers}, auth=TJE0)
    if verb == "DeleteChatSessionEntity":
        return await client.post(DELETE, params={"ChatSessionEntityId": chat_session_id}, headers=headers, auth=TJE0)
    if verb == "DELETE":
        return await client.delete(path, headers=headers, auth=TJE0)
    raise AssertionError(verb)


async def _two_sessions(api: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A target session and another one, both just created (version 1)."""
    target = await api.save_ok({"CustomerName": _marker()})
    other = await api.save_ok({"CustomerName": _marker()})
    return target, other


def _tag(session: dict[str, Any], version: int = 1) -> str:
    """The strong ETag sochat gives ``session`` at ``version`` (docs/api.md: ``"<id>.<version>"``)."""
    return f'"{session["ChatSessionId"]}.{version}"'


async def _assert_refused(api: Any, response: httpx.Response, status: int, before: dict[str, Any]) -> str:
    """``response`` is SuperOffice's error with ``status``, and the session is exactly as it was."""
    message: str = api.error(response, status)
    assert await api.stored(before["ChatSessionId"]) == before
    return message


async def _assert_written(api: Any, verb: str, response: httpx.Response, before: dict[str, Any]) -> None:
    """The write happened: a delete removed the session, any other write changed CustomerName."""
    chat_session_id = before["ChatSessionId"]
    if verb in DELETES:
        assert response.status_code == 204, response.text
        assert await api.stored(chat_session_id) is None
        return
    assert response.status_code == 200, response.text
    after = await api.stored(chat_session_id)
    assert isinstance(after, dict)
    assert after["CustomerName"] != before["CustomerName"]
    assert after["CustomerName"] == response.json()["CustomerName"]


# -- If-Match ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("verb", WRITES)
async def test_if_match_with_another_sessions_etag_is_412(api, verb):
    """If-Match naming another session's ETag (same version, other id) is a 412 and nothing changes."""
    target, other = await _two_sessions(api)
    response = await _write(api, verb, target["ChatSessionId"], {"If-Match": _tag(other)})
    message = await _assert_refused(api, response, 412, target)
    assert str(target["ChatSessionId"]) in message
    assert await api.stored(other["ChatSessionId"]) == other


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("garbage", id="token"),
        pytest.param('""', id="empty-tag"),
        pytest.param('"1"', id="no-dot"),
        pytest.param('"abc.def"', id="letters"),
        pytest.param('"{id}."', id="no-version"),
        pytest.param('".1"', id="no-id"),
        pytest.param('"{id}.1.1"', id="two-dots"),
        pytest.param('"-{id}.1"', id="negative-id"),
        pytest.param('"{id}.-1"', id="negative-version"),
        pytest.param('"{id}.\u00b9"', id="superscript-digit"),
        pytest.param("W/", id="bare-weak-prefix"),
        pytest.param(",", id="empty-list"),
    ],
)
@pytest.mark.parametrize("verb", WRITES)
async def test_if_match_with_a_malformed_value_is_412(api, verb, value):
    """A value that is no ETag of ours matches nothing: 412, nothing changes (docs/api.md: "a tag of another
    form matches nothing")."""
    target, _ = await _two_sessions(api)
    header = value.format(id=target["ChatSessionId"])
    response = await _write(
        api, verb, target["ChatSessionId"], {"If-Match": header.encode("utf-8")}
    )  # bytes: the superscript is not ASCII
    await _assert_refused(api, response, 412, target)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param('"99999999999.1"', id="id-beyond-int32"),
        pytest.param('"{id}.99999999999999999999"', id="version-beyond-int64"),
        pytest.param('"{other}.1", "{id}.99999999999999999999"', id="in-a-list"),
    ],
)
@pytest.mark.parametrize("verb", WRITES)
async def test_if_match_with_a_number_no_etag_can_hold_is_400(api, verb, value):
    """A tag of our form with an id beyond int32 or a version beyond int64 is a 400 naming If-Match."""
    target, other = await _two_sessions(api)
    header = value.format(id=target["ChatSessionId"], other=other["ChatSessionId"])
    response = await _write(api, verb, target["ChatSessionId"], {"If-Match": header})
    assert "if-match" in (await _assert_refused(api, response, 400, target)).lower()


@pytest.mark.parametrize("verb", WRITES)
async def test_if_match_with_a_list_naming_the_current_etag_writes(api, verb):
    """A list of ETags that holds the current one after other sessions' tags and junk lets the write happen."""
    target, other = await _two_sessions(api)
    header = f'{_tag(other)}, "x.y" ,{_tag(target)}'
    response = await _write(api, verb, target["ChatSessionId"], {"If-Match": header})
    await _assert_written(api, verb, response, target)


@pytest.mark.parametrize("verb", WRITES)
async def test_if_match_with_a_stale_and_the_current_etag_writes(api, verb):
    """A list holding a stale ETag of the session and then its current one lets the write happen."""
    target, _ = await _two_sessions(api)
    header = f"{_tag(target, 0)}, {_tag(target)}"
    response = await _write(api, verb, target["ChatSessionId"], {"If-Match": header})
    await _assert_written(api, verb, response, target)


@pytest.mark.parametrize("verb", WRITES)
async def test_if_match_with_a_list_without_the_current_etag_is_412(api, verb):
    """A list of ETags of other sessions and stale versions of this one is a 412; nothing changes."""
    target, other = await _two_sessions(api)
    header = f'{_tag(other)}, {_tag(target, 0)}, {_tag(target, 2)}, "x.y"'
    response = await _write(api, verb, target["ChatSessionId"], {"If-Match": header})
    await _assert_refused(api, response, 412, target)


@pytest.mark.parametrize("verb", WRITES)
async def test_if_match_star_on_a_stored_session_writes(api, verb):
    """``If-Match: *`` ("only if it exists") on a stored session lets the write happen."""
    target, _ = await _two_sessions(api)
    response = await _write(api, verb, target["ChatSessionId"], {"If-Match": "*"})
    await _assert_written(api, verb, response, target)


@pytest.mark.parametrize("verb", WRITES)
async def test_if_match_with_the_current_etag_writes(api, verb):
    """The current strong ETag lets the write happen (the baseline for the refusals above)."""
    target, _ = await _two_sessions(api)
    response = await _write(api, verb, target["ChatSessionId"], {"If-Match": _tag(target)})
    await _assert_written(api, verb, response, target)


@pytest.mark.parametrize("form", ["W/{tag}", "{bare}"], ids=["weak", "unquoted"])
@pytest.mark.parametrize("verb", WRITES)
async def test_if_match_with_the_current_version_in_another_form_is_412(api, verb, form):
    """A weak ETag never matches If-Match (strong comparison), nor does an unquoted one, even naming the current
    version."""
    target, _ = await _two_sessions(api)
    header = form.format(tag=_tag(target), bare=_tag(target).strip('"'))
    response = await _write(api, verb, target["ChatSessionId"], {"If-Match": header})
    await _assert_refused(api, response, 412, target)


@pytest.mark.parametrize("verb", WRITES)
async def test_if_match_with_a_weak_etag_of_another_session_is_412(api, verb):
    """A weak ETag naming another session is a 412 whatever the comparison: nothing changes."""
    target, other = await _two_sessions(api)
    response = await _write(api, verb, target["ChatSessionId"], {"If-Match": f"W/{_tag(other)}"})
    await _assert_refused(api, response, 412, target)


# -- If-None-Match -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("*", id="star"),
        pytest.param("{current}", id="current"),
        pytest.param("W/{current}", id="weak-current"),
        pytest.param("{other}", id="another-session"),
        pytest.param("{other}, {current}", id="list"),
        pytest.param("garbage", id="malformed"),
        pytest.param('"99999999999.1"', id="beyond-int32"),
    ],
)
@pytest.mark.parametrize("verb", WRITES)
async def test_if_none_match_is_a_read_condition_that_writes_ignore(api, verb, value):
    """If-None-Match is a condition of GET only (docs/api.md: 304 on GET /api/v1/ChatSession/{id}); every write
    route ignores it, whatever it holds, and writes."""
    target, other = await _two_sessions(api)
    header = value.format(current=_tag(target), other=_tag(other))
    response = await _write(api, verb, target["ChatSessionId"], {"If-None-Match": header})
    await _assert_written(api, verb, response, target)


# -- If-Unmodified-Since -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("garbage", id="token"),
        pytest.param("*", id="star"),
        pytest.param('"{id}.1"', id="an-etag"),
        pytest.param('W/"{id}.1"', id="a-weak-etag"),
        pytest.param("Mon, 99 Foo 2024 00:00:00 GMT", id="bad-date"),
        pytest.param("", id="empty"),
    ],
)
@pytest.mark.parametrize("verb", WRITES)
async def test_if_unmodified_since_with_a_malformed_value_is_400(api, verb, value):
    """If-Unmodified-Since that is not an HTTP date is a 400 naming the header; nothing changes."""
    target, _ = await _two_sessions(api)
    header = value.format(id=target["ChatSessionId"])
    response = await _write(api, verb, target["ChatSessionId"], {"If-Unmodified-Since": header})
    assert "if-unmodified-since" in (await _assert_refused(api, response, 400, target)).lower()


@pytest.mark.parametrize("verb", WRITES)
async def test_if_unmodified_since_before_the_last_write_is_412(api, verb):
    """A date before the session's last write is a 412; nothing changes."""
    target, _ = await _two_sessions(api)
    response = await _write(api, verb, target["ChatSessionId"], {"If-Unmodified-Since": LONG_AGO})
    await _assert_refused(api, response, 412, target)


@pytest.mark.parametrize("verb", WRITES)
async def test_if_unmodified_since_after_the_last_write_writes(api, verb):
    """A date after the session's last write lets the write happen."""
    target, _ = await _two_sessions(api)
    response = await _write(api, verb, target["ChatSessionId"], {"If-Unmodified-Since": FAR_AHEAD})
    await _assert_written(api, verb, response, target)


@pytest.mark.parametrize("verb", WRITES)
async def test_if_match_and_if_unmodified_since_must_both_hold(api, verb):
    """The current ETag with a date before the last write is a 412: every condition sent must hold."""
    target, _ = await _two_sessions(api)
    headers = {"If-Match": _tag(target), "If-Unmodified-Since": LONG_AGO}
    response = await _write(api, verb, target["ChatSessionId"], headers)
    await _assert_refused(api, response, 412, target)


@pytest.mark.parametrize("verb", WRITES)
async def test_another_sessions_etag_with_a_good_date_is_still_412(api, verb):
    """Another session's ETag is a 412 even when If-Unmodified-Since alone would let the write through."""
    target, other = await _two_sessions(api)
    headers = {"If-Match": _tag(other), "If-Unmodified-Since": FAR_AHEAD}
    response = await _write(api, verb, target["ChatSessionId"], headers)
    await _assert_refused(api, response, 412, target)
