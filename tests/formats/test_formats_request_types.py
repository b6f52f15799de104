"""Issue 3: the same session sent in all seven request Content-Types stores the same row."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from formats_support import stored_row

from support.bodies import REQUEST_TYPES, SERVICES88

pytestmark = pytest.mark.anyio

# (Content-Type as sent, XML default namespace or None)
REQUEST_TABLE = (
    ("application/json", None),
    ("text/json", None),
    ("application/xml", SERVICES88),
    ("application/xml", None),
    ("text/xml", None),
    ("text/xml", SERVICES88),
    ("application/x-www-form-urlencoded", None),
    ("application/json-patch+json", None),
    ("application/merge-patch+json", None),
)
TABLE_IDS = [f"{ct}{'+ns' if ns else ''}" for ct, ns in REQUEST_TABLE]

# What GetChatSessionEntity answers for the full_session fixture (dates in UTC, links by id).
EXPECTED_SCALARS = {
    "TopicId": 2,
    "CustomerAlias": "jsmith",
    "CustomerHost": "195.88.54.16",
    "CustomerName": "John Smith & Sons <Ltd>",
    "CustomerEmail": "john.smith@example.com",
    "CustomerPhone": "+1-555-0123",
    "CustomerConsented": True,
    "CustomerCompanyName": "Acme Corporation",
    "Status": "CustomerLast",
    "FirstMessage": "Hi, I need help with my order #42 = 50% off?",
    "LastMessage": "Ha det bra! \u00e6\u00f8\u00e5 \u2713 \U0001f600",
    "WhenRequested": "2024-12-15T08:22:45.1234567+00:00",
    "WhenStarted": "2024-12-15T08:23:15.0000001+00:00",
    "WhenEnded": "2024-12-15T09:25:50.9999999+00:00",
    "WhenIdle": "2024-12-15T08:25:50.5000000+00:00",
    "WhenFetched": "2024-12-15T14:23:10.0850049+00:00",
    "SessionKey": "chat-2347-jsmith-20241215",
    "InitialQueuePos": 3,
    "AlertLevel": 2,
    "Rank": 5,
    "Flags": "UserIsTyping",
    "ChatbotIsActive": True,
    "Rating": 4,
}
EXPECTED_LINKS = {
    "User": ("AssociateId", 1),
    "Person": ("PersonId", 4711),
    "Contact": ("ContactId", 12),
    "Project": ("ProjectId", 13),
    "Sale": ("SaleId", 14),
    "Ticket": ("TicketId", 15),
    "TransferTo": ("AssociateId", 2),
}


def _without_id(entity: dict) -> dict:
    return {key: value for key, value in entity.items() if key != "ChatSessionId"}


async def test_json_save_stores_every_property_as_sent(chat, full_session):
    """The JSON reference: every one of the 31 properties is answered back as sent (dates in UTC)."""
    answer = await chat.save_ok(full_session)
    stored = await chat.stored(answer["ChatSessionId"])
    assert {name: stored[name] for name in EXPECTED_SCALARS} == EXPECTED_SCALARS
    for name, (id_name, link_id) in EXPECTED_LINKS.items():
        assert stored[name][id_name] == link_id, name


@pytest.mark.parametrize(("content_type", "namespace"), REQUEST_TABLE, ids=TABLE_IDS)
async def test_each_request_type_stores_the_same_row_as_json(chat, wire, full_session, content_type, namespace):
    """Saving the full session in this Content-Type stores the same row, and answers the same entity, as JSON."""
    reference = await chat.save_ok(full_session)
    body = wire.body(full_session, content_type, namespace=namespace)

    response = await chat.save(body, f"{content_type}; charset=utf-8")

    assert response.status_code == 200, response.text
    new_id = response.json()["ChatSessionId"]
    assert new_id not in (0, reference["ChatSessionId"])
    assert stored_row(chat, new_id) == stored_row(chat, reference["ChatSessionId"])
    got = await chat.stored(new_id)
    expected = await chat.stored(reference["ChatSessionId"])
    assert _without_id(got) == _without_id(expected)
    assert {name: got[name] for name in EXPECTED_SCALARS} == EXPECTED_SCALARS


async def test_all_seven_request_types_in_one_table_store_identical_rows(chat, wire, full_session):
    """One pass over the whole table: every request type yields a distinct id and one identical stored row."""
    ids = []
    for content_type, namespace in REQUEST_TABLE:
        response = await chat.save(wire.body(full_session, content_type, namespace=namespace), content_type)
        assert response.status_code == 200, (content_type, namespace, response.text)
        ids.append(response.json()["ChatSessionId"])
    assert len(set(ids)) == len(REQUEST_TABLE)
    rows = [stored_row(chat, chat_session_id) for chat_session_id in ids]
    assert all(row == rows[0] for row in rows), rows
    answers = [_without_id(await chat.stored(chat_session_id)) for chat_session_id in ids]
    assert all(answer == answers[0] for answer in answers)
    assert {content_type for content_type, _ in REQUEST_TABLE} == set(REQUEST_TYPES)


async def test_xml_with_prefixed_services88_namespace_is_read(chat):
    """A Services88 namespace bound to a prefix (so:ChatSessionEntity) reads the same as the plain form."""
    members = "".join(
        f"<so:{name}>{json.dumps(value) if isinstance(value, bool) else value}</so:{name}>"
        for name, value in (("CustomerAlias", "prefixed"), ("Rank", 7), ("CustomerConsented", True))
    )
    body = (
        f'<so:ChatSessionEntity xmlns:so="{SERVICES88}" '
        f'xmlns:i="http://www.w3.org/2001/XMLSchema-instance">{members}</so:ChatSessionEntity>'
    )
    response = await chat.save(body, "application/xml")
    assert response.status_code == 200, response.text
    stored = await chat.stored(response.json()["ChatSessionId"])
    assert (stored["CustomerAlias"], stored["Rank"], stored["CustomerConsented"]) == ("prefixed", 7, True)


async def test_xml_nil_and_space_separated_flags(chat, full_session):
    """XML reads i:nil="true" as null (a string's null is stored as "") and a space-separated flag list."""
    saved = await chat.save_ok(full_session)
    body = (
        '<ChatSessionEntity xmlns:i="http://www.w3.org/2001/XMLSchema-instance">'
        f"<ChatSessionId>{saved['ChatSessionId']}</ChatSessionId>"
        '<CustomerName i:nil="true" /><User i:nil="true" /><Flags>CustomerIsTyping UserIsTyping</Flags>'
        "<Status>Closed</Status></ChatSessionEntity>"
    )
    response = await chat.save(body, "text/xml")
    assert response.status_code == 200, response.text
    stored = await chat.stored(saved["ChatSessionId"])
    assert stored["CustomerName"] == ""
    assert stored["User"] is None
    assert stored["Flags"] == "UserIsTyping"
    assert stored["Status"] == "Closed"


async def test_xml_root_must_be_the_entity(chat):
    """An XML body whose root is not ChatSessionEntity is a 400 naming the root found."""
    response = await chat.save("<ChatSession><Rank>1</Rank></ChatSession>", "application/xml")
    assert response.status_code == 400, response.text
    assert "ChatSession" in response.json()["ErrorMessage"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("false", False), ("1", True), ("0", False), ("TRUE", True)],
)
async def test_form_booleans(chat, raw, expected):
    """Form booleans are true/false/1/0 (case-insensitive)."""
    body = urlencode({"CustomerConsented": raw, "ChatbotIsActive": raw})
    response = await chat.save(body, "application/x-www-form-urlencoded")
    assert response.status_code == 200, response.text
    stored = await chat.stored(response.json()["ChatSessionId"])
    assert (stored["CustomerConsented"], stored["ChatbotIsActive"]) == (expected, expected)


async def test_form_empty_value_means_null(chat, full_session):
    """In a form an empty value is null: strings become "", links unset, numbers their default."""
    saved = await chat.save_ok(full_session)
    body = urlencode(
        {"ChatSessionId": saved["ChatSessionId"], "CustomerName": "", "User": "", "Rank": "", "WhenStarted": ""}
    )
    response = await chat.save(body, "application/x-www-form-urlencoded")
    assert response.status_code == 200, response.text
    stored = await chat.stored(saved["ChatSessionId"])
    assert stored["CustomerName"] == ""
    assert stored["User"] is None
    assert stored["Rank"] == 0
    assert stored["WhenStarted"] == "0001-01-01T00:00:00"


async def test_form_bracket_keys_read_like_dotted_keys(chat):
    """User[AssociateId]=1 is read the same as User.AssociateId=1."""
    dotted = await chat.save(urlencode({"User.AssociateId": "1"}), "application/x-www-form-urlencoded")
    bracket = await chat.save(urlencode({"User[AssociateId]": "1"}), "application/x-www-form-urlencoded")
    assert dotted.status_code == bracket.status_code == 200, (dotted.text, bracket.text)
    assert dotted.json()["User"]["AssociateId"] == bracket.json()["User"]["AssociateId"] == 1


async def test_form_percent_escapes_carry_utf8(chat):
    """Form values percent-encode UTF-8 by default; '+' is a space and %2B a plus."""
    body = urlencode({"CustomerName": "\u00c6gir \u2713 a+b"})
    assert "%2B" in body
    response = await chat.save(body, "application/x-www-form-urlencoded")
    assert response.status_code == 200, response.text
    assert response.json()["CustomerName"] == "\u00c6gir \u2713 a+b"


async def test_docs_xml_example_pretty_printed(chat):
    """The indented XML example of docs/formats.md saves as written."""
    body = """<?xml version="1.0" encoding="utf-8"?>
<ChatSessionEntity xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
  <ChatSessionId>0</ChatSessionId>
  <TopicId>1</TopicId>
  <User><AssociateId>2</AssociateId></User>
  <Person i:nil="true" />
  <CustomerName>Ada &amp; Co</CustomerName>
  <Status>InQueue</Status>
  <Flags>UserIsTyping</Flags>
  <WhenRequested>2024-12-15T09:22:45.1234567+01:00</WhenRequested>
</ChatSessionEntity>
"""
    response = await chat.save(body, "application/xml")
    assert response.status_code == 200, response.text
    stored = await chat.stored(response.json()["ChatSessionId"])
    assert stored["TopicId"] == 1
    assert stored["User"]["AssociateId"] == 2
    assert stored["Person"] is None
    assert stored["CustomerName"] == "Ada & Co"
    assert (stored["Status"], stored["Flags"]) == ("InQueue", "UserIsTyping")
    assert stored["WhenRequested"] == "2024-12-15T08:22:45.1234567+00:00"


async def test_docs_form_example(chat):
    """The form example of docs/formats.md saves as written; Rating= resets Rating to 0."""
    body = "ChatSessionId=0&CustomerName=Ada+Lovelace&User.AssociateId=2&CustomerConsented=true&Status=InQueue&Rating="
    response = await chat.save(body, "application/x-www-form-urlencoded")
    assert response.status_code == 200, response.text
    stored = await chat.stored(response.json()["ChatSessionId"])
    assert stored["CustomerName"] == "Ada Lovelace"
    assert stored["User"]["AssociateId"] == 2
    assert (stored["CustomerConsented"], stored["Status"], stored["Rating"]) == (True, "InQueue", 0)


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;", "a & b <c> \"d\" 'e'"),
        ("check &#x2713; &#10003; line&#xD;&#xA;two", "check \u2713 \u2713 line\r\ntwo"),
        ("<![CDATA[a <b> & c]]>", "a <b> & c"),
        ("ab<!-- a comment -->cd", "abcd"),
        ("  padded  ", "  padded  "),
    ],
)
async def test_xml_text_forms(chat, markup, expected):
    """Predefined entities, character references, CDATA and comments inside a value read as XML defines them."""
    body = f"<ChatSessionEntity><CustomerName>{markup}</CustomerName></ChatSessionEntity>"
    response = await chat.save(body, "application/xml")
    assert response.status_code == 200, response.text
    assert response.json()["CustomerName"] == expected


async def test_xml_root_name_is_case_insensitive(chat):
    """The root element's name is matched without regard to case (docs/formats.md)."""
    response = await chat.save("<chatsessionentity><Rank>4</Rank></chatsessionentity>", "text/xml")
    assert response.status_code == 200, response.text
    assert response.json()["Rank"] == 4


async def test_json_array_as_application_json_is_a_patch(chat, full_session):
    """A JSON array sent as application/json is read as a JSON Patch, as SuperOffice's own PATCH sample sends it."""
    saved = await chat.save_ok(full_session)
    patch = [
        {"op": "test", "path": "/ChatSessionId", "value": saved["ChatSessionId"]},
        {"op": "replace", "path": "rank", "value": 77},
    ]
    response = await chat.save(json.dumps(patch), "application/json")
    assert response.status_code == 200, response.text
    stored = await chat.stored(saved["ChatSessionId"])
    assert stored["Rank"] == 77
    assert stored["CustomerName"] == full_session["CustomerName"]


async def test_form_with_too_many_fields_is_400(chat):
    """A form body is limited to 1000 fields (docs/formats.md); more is a 400, not a slow parse."""
    body = "&".join(f"f{index}=1" for index in range(1001))
    response = await chat.save(body, "application/x-www-form-urlencoded")
    assert response.status_code == 400, response.text
    assert response.json()["ErrorType"] == "SoMalformedRequestException"
