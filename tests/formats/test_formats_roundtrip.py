"""Issue 3: round trips JSON -> XML -> JSON through the API leave the entity unchanged."""

from __future__ import annotations

import pytest
from formats_support import stored_row

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("xml_type", ["application/xml", "text/xml"])
async def test_json_xml_json_round_trip(chat, full_session, xml_type):
    """Save as JSON, get as XML, save that XML back, get as JSON: the same entity and the same row."""
    saved = await chat.save_ok(full_session)
    chat_session_id = saved["ChatSessionId"]
    before = await chat.stored(chat_session_id)
    row_before = stored_row(chat, chat_session_id)

    as_xml = await chat.get(chat_session_id, accept=xml_type)
    assert as_xml.status_code == 200
    assert as_xml.headers["content-type"].startswith(xml_type)
    resaved = await chat.save(as_xml.content, f"{xml_type}; charset=utf-8")

    assert resaved.status_code == 200, resaved.text
    assert resaved.json()["ChatSessionId"] == chat_session_id  # the XML names the stored id: an update
    assert await chat.stored(chat_session_id) == before
    assert stored_row(chat, chat_session_id) == row_before


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"Flags": "CustomerIsTyping", "Status": "Invalid"},  # flags 0 is the empty token list in XML
        {"Status": "ClosedFromQueue", "CustomerConsented": False, "ChatbotIsActive": False},
        {"User": None, "Person": None, "Contact": None, "Project": None, "Sale": None, "Ticket": None},
        {"TransferTo": None, "TopicId": 0},
        {"CustomerName": None, "FirstMessage": "", "LastMessage": "  spaced  \n\tline two  "},
        {"WhenRequested": None, "WhenStarted": "0001-01-01T00:00:00", "WhenEnded": ""},
        {"Rank": -2147483648, "AlertLevel": 2147483647, "InitialQueuePos": -1, "Rating": 0},
        {"CustomerName": "a & b < c > d \"e\" 'f' ]]> \u00e6\u00f8\u00e5 \U0001f600"},
        {"LastMessage": "carriage\r\nreturn\rlone"},
    ],
)
async def test_round_trip_keeps_edge_values(chat, full_session, changes):
    """Nulls, empty strings, whitespace, markup characters, int32 limits and unset dates survive JSON -> XML -> JSON."""
    saved = await chat.save_ok({**full_session, **changes})
    chat_session_id = saved["ChatSessionId"]
    before = await chat.stored(chat_session_id)

    as_xml = await chat.get(chat_session_id, accept="application/xml")
    resaved = await chat.save(as_xml.content, "application/xml")

    assert resaved.status_code == 200, resaved.text
    assert await chat.stored(chat_session_id) == before


async def test_xml_answer_saved_as_new_session_matches(chat, full_session):
    """An XML answer with its ChatSessionId set to 0 creates a new row equal to the original."""
    saved = await chat.save_ok(full_session)
    chat_session_id = saved["ChatSessionId"]
    xml = (await chat.get(chat_session_id, accept="text/xml")).text
    copied = xml.replace(f"<ChatSessionId>{chat_session_id}</ChatSessionId>", "<ChatSessionId>0</ChatSessionId>", 1)
    assert copied != xml

    response = await chat.save(copied, "text/xml")

    assert response.status_code == 200, response.text
    new_id = response.json()["ChatSessionId"]
    assert new_id != chat_session_id
    assert stored_row(chat, new_id) == stored_row(chat, chat_session_id)


async def test_xml_to_json_to_xml_round_trip(chat, wire, full_session):
    """The other direction: save as XML, get as JSON, save that JSON back, get as XML: identical XML."""
    response = await chat.save(wire.xml(full_session), "application/xml")
    assert response.status_code == 200, response.text
    chat_session_id = response.json()["ChatSessionId"]
    xml_before = (await chat.get(chat_session_id, accept="application/xml")).content

    as_json = await chat.get(chat_session_id, accept="application/json")
    resaved = await chat.save(as_json.content, "application/json")

    assert resaved.status_code == 200, resaved.text
    assert (await chat.get(chat_session_id, accept="application/xml")).content == xml_before
