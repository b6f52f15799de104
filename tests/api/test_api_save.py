"""SaveChatSessionEntity and GetChatSessionEntity in process: the seed's sample, create/update, input rules."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest

from support.api import TJE0

pytestmark = pytest.mark.anyio

JSON = "application/json; charset=utf-8"

SEED_DATES_UTC = {
    "WhenRequested": "2002-08-11T08:10:59.0850049+00:00",
    "WhenStarted": "2019-06-07T08:10:59.0850049+00:00",
    "WhenEnded": "2002-04-04T08:10:59.0850049+00:00",
    "WhenIdle": "1999-06-07T08:10:59.0850049+00:00",
    "WhenFetched": "2010-04-13T08:10:59.0850049+00:00",
}
UNSET_DATE = "0001-01-01T00:00:00"
STRING_LIMITS = {
    "CustomerAlias": 64,
    "CustomerHost": 255,
    "CustomerName": 255,
    "CustomerEmail": 255,
    "CustomerPhone": 32,
    "CustomerCompanyName": 255,
    "FirstMessage": 1024,
    "LastMessage": 1024,
    "SessionKey": 255,
}
INT_PROPERTIES = ("ChatSessionId", "TopicId", "InitialQueuePos", "AlertLevel", "Rank", "Rating")
BOOL_PROPERTIES = ("CustomerConsented", "ChatbotIsActive")
DATE_PROPERTIES = tuple(SEED_DATES_UTC)


async def test_seed_sample_request_is_saved_as_sent(api, seed_request, entity_properties):
    """The seed's sample request, verbatim, answers 200 with a fresh id and every property as sent."""
    headers, body = seed_request
    response = await api.client.post("/api/v1/Agents/Chat/SaveChatSessionEntity", content=body, headers=headers)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    answer = response.json()
    sent = json.loads(body)
    new_id = answer["ChatSessionId"]
    assert isinstance(new_id, int)
    assert new_id > 0
    assert new_id != 352
    expected = {**sent, **SEED_DATES_UTC, "ChatSessionId": new_id}
    assert {name: answer[name] for name in entity_properties} == expected
    assert answer["TableRight"] == {"Mask": "FULL", "Reason": ""}
    assert list(answer) == [*entity_properties, "TableRight", "FieldProperties"]


async def test_seed_sample_answer_has_field_properties_for_every_property(api, seed_request, entity_properties):
    """FieldProperties holds one entry per property with its .NET type and its string limit."""
    headers, body = seed_request
    response = await api.client.post("/api/v1/Agents/Chat/SaveChatSessionEntity", content=body, headers=headers)
    field_properties = response.json()["FieldProperties"]

    assert list(field_properties) == list(entity_properties)
    for name, entry in field_properties.items():
        assert set(entry) == {"FieldRight", "FieldType", "FieldLength"}, name
        assert entry["FieldLength"] == STRING_LIMITS.get(name, 0), name
    types = {name: entry["FieldType"] for name, entry in field_properties.items()}
    for name in STRING_LIMITS:
        assert types[name] == "System.String", name
    for name in INT_PROPERTIES:
        assert types[name] == "System.Int32", name
    for name in BOOL_PROPERTIES:
        assert types[name] == "System.Boolean", name
    for name in DATE_PROPERTIES:
        assert types[name] == "System.DateTime", name
    assert re.fullmatch(r"(\w+\.)+ChatSessionStatus", types["Status"])
    assert re.fullmatch(r"(\w+\.)+ChatSessionFlags", types["Flags"])
    for name, carrier in (("User", "Associate"), ("TransferTo", "Associate"), ("Person", "Person")):
        assert re.fullmatch(rf"(\w+\.)+{carrier}", types[name]), name


async def test_seed_sample_unknown_id_is_not_stored_under_that_id(api, seed_request):
    """Saving the sample's ChatSessionId 352 (not stored) creates a new id; 352 stays unknown."""
    headers, body = seed_request
    response = await api.client.post("/api/v1/Agents/Chat/SaveChatSessionEntity", content=body, headers=headers)
    new_id = response.json()["ChatSessionId"]

    assert await api.stored(352) is None
    # Read back with the sample's Accept-Language, so string references resolve the same way.
    again = await api.client.post(
        "/api/v1/Agents/Chat/GetChatSessionEntity",
        params={"chatSessionEntityId": new_id},
        headers={"Authorization": headers["Authorization"], "Accept-Language": headers["Accept-Language"]},
    )
    assert again.json() == response.json()


async def test_flags_none_is_answered_customer_is_typing(api):
    """Flags "None" (the seed's sample response) is read as 0 and answered "CustomerIsTyping"."""
    answer = await api.save_ok({"ChatSessionId": 0, "Flags": "None"})
    assert answer["Flags"] == "CustomerIsTyping"
    assert (await api.stored(answer["ChatSessionId"]))["Flags"] == "CustomerIsTyping"


async def test_id_zero_creates_and_get_answers_the_same(api, full_entity):
    """ChatSessionId 0 creates a session; Get answers exactly what the save answered."""
    answer = await api.save_ok(full_entity)
    assert answer["ChatSessionId"] > 0
    assert await api.stored(answer["ChatSessionId"]) == answer


async def test_two_creates_get_different_ids(api):
    """Two saves with id 0 create two sessions with different ids, each stored as sent."""
    first = await api.save_ok({"ChatSessionId": 0, "CustomerName": "first"})
    second = await api.save_ok({"ChatSessionId": 0, "CustomerName": "second"})
    assert first["ChatSessionId"] != second["ChatSessionId"]
    assert (await api.stored(first["ChatSessionId"]))["CustomerName"] == "first"
    assert (await api.stored(second["ChatSessionId"]))["CustomerName"] == "second"


async def test_update_replaces_every_property(api, full_entity):
    """Saving a stored id replaces the whole entity: properties left out return to their defaults."""
    created = await api.save_ok(full_entity)
    session_id = created["ChatSessionId"]

    updated = await api.save_ok({"ChatSessionId": session_id, "CustomerName": "Only this"})

    assert updated["ChatSessionId"] == session_id
    assert updated["CustomerName"] == "Only this"
    fresh = await api.save_ok({"ChatSessionId": 0, "CustomerName": "Only this"})
    assert {**fresh, "ChatSessionId": session_id} == updated
    assert updated["TopicId"] == 0
    assert updated["Status"] == "Invalid"
    assert updated["Flags"] == "CustomerIsTyping"
    for name in ("InitialQueuePos", "AlertLevel", "Rank", "Rating"):
        assert updated[name] == 0, name
    for name in BOOL_PROPERTIES:
        assert updated[name] is False, name
    for name in DATE_PROPERTIES:
        assert updated[name] == UNSET_DATE, name
    for name in ("User", "Person", "Contact", "Project", "Sale", "Ticket", "TransferTo"):
        assert updated[name] is None, name
    for name in STRING_LIMITS:
        if name != "CustomerName":
            assert updated[name] in (None, ""), name
    assert await api.stored(session_id) == updated


async def test_update_does_not_create_a_new_session(api):
    """An update keeps the id and adds no session."""
    created = await api.save_ok({"ChatSessionId": 0})
    session_id = created["ChatSessionId"]
    await api.save_ok({"ChatSessionId": session_id, "Rating": 3})
    assert await api.stored(session_id + 1) is None
    later = await api.save_ok({"ChatSessionId": 0})
    assert later["ChatSessionId"] == session_id + 1


async def test_unknown_nonzero_id_gets_a_fresh_id(api):
    """A non-zero id that is not stored creates a session with a fresh id (compatibility mode)."""
    first = await api.save_ok({"ChatSessionId": 0})
    answer = await api.save_ok({"ChatSessionId": 9999, "CustomerName": "x"})
    assert answer["ChatSessionId"] not in (9999, first["ChatSessionId"])
    assert await api.stored(9999) is None
    assert (await api.stored(answer["ChatSessionId"]))["CustomerName"] == "x"


async def test_ids_are_never_reused(api, db_path):
    """A deleted session's id is not handed out again."""
    ids = [(await api.save_ok({"ChatSessionId": 0}))["ChatSessionId"] for _ in range(3)]
    assert len(set(ids)) == 3
    highest = max(ids)
    with sqlite3.connect(db_path) as conn:
        conn.execute("DELETE FROM chat_session WHERE chat_session_id = ?", (highest,))
    conn.close()
    assert await api.stored(highest) is None

    again = await api.save_ok({"ChatSessionId": 0})
    assert again["ChatSessionId"] > highest


async def test_dates_keep_seven_digits_and_are_answered_in_utc(api):
    """Dates with any offset come back as the same instant in UTC, all seven fractional digits kept."""
    answer = await api.save_ok(
        {
            "WhenRequested": "2024-12-15T09:22:45.1234567+01:00",
            "WhenStarted": "2024-12-15T09:22:45.0000001-05:30",
            "WhenEnded": "2024-12-15T09:22:45Z",
            "WhenIdle": "2024-12-15T09:22:45.5+0200",
            "WhenFetched": "",
        }
    )
    assert answer["WhenRequested"] == "2024-12-15T08:22:45.1234567+00:00"
    assert answer["WhenStarted"] == "2024-12-15T14:52:45.0000001+00:00"
    assert answer["WhenEnded"] == "2024-12-15T09:22:45.0000000+00:00"
    assert answer["WhenIdle"] == "2024-12-15T07:22:45.5000000+00:00"
    assert answer["WhenFetched"] == UNSET_DATE


@pytest.mark.parametrize("content_type", ["text/json", "application/json", "text/json; charset=utf-8"])
async def test_json_content_types_are_accepted(api, content_type):
    """application/json and text/json bodies are read as JSON."""
    answer = await api.save_ok({"CustomerName": "typed"}, headers={"Content-Type": content_type})
    assert answer["CustomerName"] == "typed"


async def test_body_without_content_type_is_read_as_json(api):
    """A body sent without Content-Type is read as JSON, as SuperOffice does."""
    response = await api.client.post(
        "/api/v1/Agents/Chat/SaveChatSessionEntity", content=b'{"CustomerName": "bare"}', auth=TJE0
    )
    assert response.status_code == 200, response.text
    assert response.json()["CustomerName"] == "bare"


async def test_camel_case_property_names_are_accepted(api, full_entity):
    """Property names match case-insensitively (camelCase clients); answers use PascalCase."""
    camel = {name[0].lower() + name[1:]: value for name, value in full_entity.items()}
    camel["user"] = {"associateId": 1}
    answer = await api.save_ok(camel)
    expected = await api.save_ok(full_entity)
    assert {**answer, "ChatSessionId": 0} == {**expected, "ChatSessionId": 0}
    assert answer["CustomerName"] == "John Smith"
    assert answer["User"]["AssociateId"] == 1


async def test_unknown_properties_and_echoed_output_members_are_ignored(api):
    """Unknown members, TableRight, FieldProperties and _Links in a body are ignored."""
    answer = await api.save_ok(
        {
            "CustomerName": "echo",
            "NoSuchProperty": [1, 2, {"x": None}],
            "TableRight": {"Mask": "None", "Reason": "ignored"},
            "FieldProperties": {"fieldName": {"FieldRight": None, "FieldType": "System.Int32", "FieldLength": 546}},
            "_Links": {"Self": "http://example.invalid/x"},
        }
    )
    assert answer["CustomerName"] == "echo"
    assert "NoSuchProperty" not in answer
    assert "_Links" not in answer
    assert answer["TableRight"] == {"Mask": "FULL", "Reason": ""}
    assert "fieldName" not in answer["FieldProperties"]


@pytest.mark.parametrize(
    ("sent", "answered"),
    [(9, "Closed"), (0, "Invalid"), ("closed", "Closed"), ("inqueue", "InQueue"), ("11", "ClosedFromQueue")],
)
async def test_status_as_number_or_any_case_name(api, sent, answered):
    """Status accepts numbers and names in any case and is answered by its name."""
    answer = await api.save_ok({"Status": sent})
    assert answer["Status"] == answered


@pytest.mark.parametrize("status", ["Open", "", 12, -1, True])
async def test_unknown_status_is_400_naming_status(api, status):
    """An unknown Status is refused with a 400 naming Status and the allowed names."""
    message = api.error(await api.save({"Status": status}), 400)
    assert "Status" in message
    assert "Closed" in message


@pytest.mark.parametrize("name", ["Rating", "TopicId", "Rank", "AlertLevel", "InitialQueuePos"])
@pytest.mark.parametrize("value", [2**31, -(2**31) - 1, 10**30])
async def test_int32_overflow_is_400_naming_the_property(api, name, value):
    """An integer outside int32 is refused with a 400 naming the property."""
    message = api.error(await api.save({name: value}), 400)
    assert name in message


async def test_int32_limits_are_accepted(api):
    """The int32 extremes themselves are stored."""
    answer = await api.save_ok({"Rating": 2**31 - 1, "AlertLevel": -(2**31)})
    assert answer["Rating"] == 2**31 - 1
    assert answer["AlertLevel"] == -(2**31)


@pytest.mark.parametrize(("name", "limit"), sorted(STRING_LIMITS.items()))
async def test_string_over_limit_is_400_naming_property_and_limit(api, name, limit):
    """A string one character over its column size is refused, naming the property and the limit."""
    message = api.error(await api.save({name: "x" * (limit + 1)}), 400)
    assert name in message
    assert str(limit) in message


@pytest.mark.parametrize(("name", "limit"), sorted(STRING_LIMITS.items()))
async def test_string_at_limit_is_stored_whole(api, name, limit):
    """A string exactly at its limit (non-ASCII characters count as one) is stored untruncated."""
    text = ("\u00e6" * limit)[:limit]
    answer = await api.save_ok({name: text})
    assert answer[name] == text
    assert (await api.stored(answer["ChatSessionId"]))[name] == text


@pytest.mark.parametrize(
    ("body", "position"),
    [
        (b'{"ChatSessionId": 0,}', 20),
        (b'{"ChatSessionId": 0} x', 21),
        (b'{"ChatSessionId": 0', 19),
        (b'{"ChatSessionId": nul}', 18),
    ],
)
async def test_malformed_json_is_400_with_position(api, body, position):
    """Malformed JSON is a 400 whose message gives the byte position of the fault (or just past it)."""
    message = api.error(await api.save(body), 400)
    assert "JSON" in message
    found = re.search(r"(?:byte|position|offset|column)\D{0,3}(\d+)", message)
    assert found, message
    assert position <= int(found[1]) <= len(body), message


async def test_invalid_utf8_is_400(api):
    """A body that is not UTF-8 is a 400."""
    message = api.error(await api.save(b'{"CustomerName": "caf\xe9"}'), 400)
    assert "UTF-8" in message


async def test_body_over_one_mib_is_413(api):
    """A body over 1 MiB is refused with 413."""
    padding = "x" * (1024 * 1024)
    body = json.dumps({"CustomerName": "big", "Padding": padding}).encode()
    api.error(await api.save(body), 413)


async def test_streamed_body_over_one_mib_is_413(api):
    """A body over 1 MiB sent without Content-Length (chunked) is refused with 413 too."""

    async def chunks():
        yield b'{"CustomerName": "big", "Padding": "'
        for _ in range(20):
            yield b"x" * 65536
        yield b'"}'

    response = await api.client.post(
        "/api/v1/Agents/Chat/SaveChatSessionEntity",
        content=chunks(),
        headers={"Content-Type": "application/json"},
        auth=TJE0,
    )
    api.error(response, 413)


async def test_body_just_under_one_mib_is_accepted(api):
    """A body just under the limit is read (unknown members ignored)."""
    head = b'{"CustomerName": "fits", "Padding": "'
    body = head + b"x" * (1024 * 1024 - len(head) - 2) + b'"}'
    assert len(body) == 1024 * 1024
    answer = await api.save_ok(body)
    assert answer["CustomerName"] == "fits"


@pytest.mark.parametrize("content_type", ["application/yaml", "text/plain", "multipart/form-data; boundary=x"])
async def test_unsupported_content_type_is_415(api, content_type):
    """A Content-Type sochat cannot read is refused with 415."""
    response = await api.save(b'{"CustomerName": "x"}', headers={"Content-Type": content_type})
    api.error(response, 415)


async def test_non_object_body_is_400(api):
    """A JSON array instead of an entity object is a 400."""
    api.error(await api.save(b"[1, 2]"), 400)


# name: (body change or raw body, Content-Type, credentials, expected status)
REFUSED_SAVES = {
    "unknown status": ({"Status": "Open"}, JSON, TJE0, 400),
    "int32 overflow": ({"Rating": 2**31}, JSON, TJE0, 400),
    "string over limit": ({"CustomerPhone": "1" * 33}, JSON, TJE0, 400),
    "malformed json": (b'{"CustomerName": "changed",', JSON, TJE0, 400),
    "invalid utf-8": (b'{"CustomerName": "chang\xe9d"}', JSON, TJE0, 400),
    "too large": ({"Padding": "x" * (1024 * 1024)}, JSON, TJE0, 413),
    "unsupported media type": ({}, "application/yaml", TJE0, 415),
    "no credentials": ({}, JSON, None, 401),
    "wrong password": ({}, JSON, ("tje0", "tje0"), 401),
    "readonly user": ({}, JSON, ("viewer", "Viewer1"), 403),
}


@pytest.mark.parametrize("case", sorted(REFUSED_SAVES))
@pytest.mark.parametrize("target", ["update", "create"])
async def test_refused_save_changes_nothing(api, full_entity, case, target):
    """A refused save neither changes the stored session nor creates one (checked with Get)."""
    original = await api.save_ok(full_entity)
    session_id = original["ChatSessionId"]
    change, content_type, auth, status = REFUSED_SAVES[case]
    sent_id = session_id if target == "update" else 0
    if isinstance(change, dict):
        body = json.dumps({**full_entity, "CustomerName": "changed", **change, "ChatSessionId": sent_id}).encode()
    else:
        body = change.replace(b"{", f'{{"ChatSessionId": {sent_id}, '.encode(), 1)

    response = await api.save(body, headers={"Content-Type": content_type}, auth=auth)

    api.error(response, status)
    assert await api.stored(session_id) == original
    assert await api.stored(session_id + 1) is None
