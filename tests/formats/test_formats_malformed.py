"""Bodies that are the right format but not a valid request of it: a JSON Patch that is not an array of
operations (or holds one that is not an object), form field names that are not property paths, JSON that ends
early. Each is a 400 with SuperOffice's error body naming what is wrong, and nothing is stored (both databases).

Written for survivors of scripts/mutate: before them, removing each of these checks passed every test.
"""

from __future__ import annotations

import pytest

from support.api import REST

pytestmark = pytest.mark.anyio

JSON_PATCH = "application/json-patch+json"
FORM = "application/x-www-form-urlencoded"


async def _refused(chat, response, status: int, error_type: str, count: int) -> str:
    message: str = chat.error(response, status)
    assert response.json()["ErrorType"] == error_type, response.text
    assert chat.row_count() == count
    return message


@pytest.mark.parametrize("body", [b"42", b'"operations"', b"null", b"true"], ids=["number", "string", "null", "bool"])
async def test_a_json_patch_that_is_not_an_array_is_400(chat, body):
    """A JSON Patch body that is neither an array of operations nor an entity object: 400 naming the array."""
    count = chat.row_count()
    response = await chat.save(body, JSON_PATCH)
    assert "array of operations" in await _refused(chat, response, 400, "SoArgumentException", count)


async def test_a_json_patch_object_on_patch_is_400(chat):
    """PATCH takes no entity object as a JSON Patch: 400 naming the array; the session is unchanged."""
    saved = await chat.save_ok({"CustomerName": "unchanged"})
    path = f"{REST}/{saved['ChatSessionId']}"
    count = chat.row_count()
    response = await chat.request("PATCH", path, b'{"op": "replace", "path": "/Rank", "value": 1}', JSON_PATCH)
    assert "array of operations" in await _refused(chat, response, 400, "SoArgumentException", count)
    assert (await chat.stored(saved["ChatSessionId"]))["CustomerName"] == "unchanged"


@pytest.mark.parametrize("body", [b"[1]", b'["x", {"op": "replace", "path": "/Rank", "value": 1}]', b"[[]]"])
async def test_a_json_patch_operation_that_is_not_an_object_is_400(chat, body):
    """An operation that is not an object is a 400 naming it by position; nothing is applied or stored."""
    count = chat.row_count()
    response = await chat.save(body, JSON_PATCH)
    assert "operation 0 is not an object" in await _refused(chat, response, 400, "SoArgumentException", count)


@pytest.mark.parametrize(
    "body",
    [b"User..AssociateId=1", b".CustomerName=x", b"CustomerName.=x", b"User.AssociateId.A.B.C=1"],
    ids=["empty-part", "leading-dot", "trailing-dot", "five-levels"],
)
async def test_a_form_field_that_is_not_a_property_path_is_400(chat, body):
    """A form field name with an empty part or more than four levels is a 400 naming the field."""
    count = chat.row_count()
    response = await chat.save(body, FORM)
    message = await _refused(chat, response, 400, "SoMalformedRequestException", count)
    assert "is not a property path" in message
    assert body.split(b"=")[0].decode() in message


async def test_a_form_field_of_four_levels_is_read_as_a_path(chat):
    """Four levels is a path sochat reads (then refused for what it holds), not a malformed name."""
    count = chat.row_count()
    response = await chat.save(b"User.AssociateId.A.B=1", FORM)
    message = await _refused(chat, response, 400, "SoArgumentException", count)
    assert message.startswith("User.AssociateId:"), message


@pytest.mark.parametrize("body", [b'{"CustomerName": 1', b'{"CustomerName": "x"', b'{"CustomerName": ', b"["])
async def test_json_that_ends_early_says_so(chat, body):
    """JSON cut off after a value or a member name is "ends early" at the body's last byte, not a bad character."""
    count = chat.row_count()
    response = await chat.save(body, "application/json")
    message = await _refused(chat, response, 400, "SoMalformedRequestException", count)
    assert "ends early" in message, message
    assert f"at byte {len(body)}" in message, message
