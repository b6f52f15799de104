"""Issue 13 point 1: nested Structs, arrays and dictionaries travel through every codec as ChatSessionEntity's
scalars do. A fully populated ChatTopicEntity (and Structs holding arrays of scalars and of Structs) is answered in
JSON and XML and read back from every request format to the same value; XML names array items and dictionary pairs
as .NET does; errors name the property path; names match in any case; strict mode refuses nulls inside.

The request bodies for XML and form are written here, independently of sochat's XML and form writers.
"""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape

import msgspec
import pytest

from sochat.domain.answers import struct_properties
from sochat.domain.chat_message import ChatMessage, ChatPresence
from sochat.domain.chat_topic import (
    ChatBotSettings,
    ChatOpeningHours,
    ChatTopicEntity,
    ChatWidgetSettings,
    TimeZoneData,
    TimeZoneRule,
)
from sochat.domain.convert import from_wire
from sochat.domain.errors import InvalidInput
from sochat.domain.fields import array_item, fields_of, wire_name
from sochat.http.codecs import patch, xml
from sochat.http.formats import decode_body, encode_answer

HOUR = 36_000_000_000  # ticks


class Transcript(msgspec.Struct, rename="pascal"):
    """A Struct holding an array of Structs, an array of enums and a dictionary of Structs."""

    chat_session_id: int = 0
    messages: list[ChatMessage] = msgspec.field(default_factory=list)
    topics: list[int] | None = None
    rules: dict[str, TimeZoneRule] = msgspec.field(default_factory=dict)


def full_topic() -> ChatTopicEntity:
    """Every property set to a value that is not its default."""
    hours = {
        f"{day}_{part}": (8 + index) * HOUR + (30 * 60 * 10_000_000 if part == "stop" else 0)
        for index, day in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
        for part in ("start", "stop")
    }
    return ChatTopicEntity(
        chat_topic_id=12,
        name="Support \u00e6\u00f8\u00e5",
        description="First line & <second>",
        welcome_message="Welcome! \U0001f600",
        language=3,
        last_accept=638_700_000_000_000_000,
        seconds_pr_accept=42,
        alert_recipient="alerts@example.com",
        alert_template=7,
        collect_consent=True,
        badge_header="Chat with us",
        custom_queue_text_enabled=True,
        custom_queue_text="You are number {cque}",
        warn_new_chat_minutes=2,
        warn_manager_new_chat_minutes=5,
        ticket_enabled=True,
        ticket_category=4,
        ticket_priority=2,
        opening_hours_enabled=True,
        opening_hours=ChatOpeningHours(
            tz_location=261,
            **{f"{day}_enabled": True for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
            **hours,
            use_lunch_hours=True,
            lunch_start=12 * HOUR,
            lunch_stop=12 * HOUR + 5,  # a fraction of a second survives
        ),
        widget=ChatWidgetSettings(
            auto_faq_enabled=True,
            auto_faq_category=9,
            pre_form_enabled=True,
            pre_form_message="Tell us who you are",
            required_fields=1 | 2,
            post_form_enabled=True,
            post_form_header="Thanks",
            post_form_message="Rate us",
            post_transcript_enabled=True,
            language_iso_code="nb-NO",
            size=1,
            theme=1,
            **{
                name: f"#{index:06x}"
                for index, name in enumerate(
                    (
                        "color",
                        "badge_color",
                        "badge_text_color",
                        "cust_msg_color",
                        "cust_msg_text_color",
                        "agent_msg_color",
                        "agent_msg_text_color",
                        "button_color",
                        "button_text_color",
                    )
                )
            },
            font="Arial",
            font_size="12px",
            logo_enabled=True,
            logo_blob_id=77,
            logo_name="logo.png",
            show_agent_photo=True,
            welcome_title="Hello",
            welcome_message="We answer in minutes",
            offline_header="Closed",
            offline_message="Leave a message",
            offline_fields=4 | 8 | 16,
            use_agent_firstname=True,
        ),
        bot_enabled=True,
        bot_settings=ChatBotSettings("Botty", 1, 2, 3, 4),
        offline_collect_consent=True,
        warn_chat_message_minutes=3,
        warn_manager_chat_message_minutes=6,
        use_queue_offline_form=True,
        offline_form_time_limit=10,
        offline_form_queue_length=5,
        widget_enable_rating=True,
        widget_rating_text="How did we do?",
    )


def full_transcript() -> Transcript:
    messages = [
        ChatMessage(
            i + 1, 12, 1 + i % 3, f"<p>message {i}</p>", f"Author {i}", i % 2, i, f"p{i}", 638_700_000_000_000_000 + i
        )
        for i in range(3)
    ]
    rules = {"2024-03-31T02:00:00": TimeZoneRule(31, 3, 27, 10, 60, "last Sunday", "last Sunday")}
    return Transcript(5, messages, [3, 5, 8], rules)


def _answer(value: msgspec.Struct, media_type: str) -> bytes:
    root = wire_name(type(value))
    return encode_answer(media_type, root, struct_properties(value, UTC, tokens="xml" in media_type), type(value))


def _read(shape: type[Any], body: bytes, content_type: str, *, strict: bool = False) -> Any:
    members = {field.name.lower() for field in fields_of(shape)}
    decoded = decode_body(body, content_type, wire_name(shape), members, shape)
    value = decoded.value
    if decoded.kind == "merge-patch":
        value = patch.apply_merge_patch(struct_properties(shape(), UTC), value)
    return from_wire(shape, value, UTC, strict=strict)


# -- request writers of this test --------------------------------------------------------------------


def _xml_value(name: str, value: Any, item_names: dict[str, str]) -> str:
    if value is None:
        return f'<{name} i:nil="true"/>'
    if isinstance(value, dict) and name in item_names:  # a dictionary: item_names holds its pair element
        pair = item_names[name]
        pairs = (
            f"<{pair}><Key>{escape(k)}</Key>{_xml_value('Value', v, item_names)}</{pair}>" for k, v in value.items()
        )
        return f"<{name}>" + "".join(pairs) + f"</{name}>"
    if isinstance(value, dict):
        return f"<{name}>" + "".join(_xml_value(k, v, item_names) for k, v in value.items()) + f"</{name}>"
    if isinstance(value, list):
        item = item_names[name]
        return f"<{name}>" + "".join(_xml_value(item, one, item_names) for one in value) + f"</{name}>"
    text = ("true" if value else "false") if isinstance(value, bool) else escape(str(value))
    return f"<{name}>{text}</{name}>"


def xml_body(root: str, data: dict[str, Any], item_names: dict[str, str] | None = None) -> bytes:
    members = "".join(_xml_value(name, value, item_names or {}) for name, value in data.items())
    xsi = "http://www.w3.org/2001/XMLSchema-instance"
    return f'<?xml version="1.0"?><{root} xmlns:i="{xsi}">{members}</{root}>'.encode()


def form_body(data: dict[str, Any]) -> bytes:
    """Nested members as dotted keys, array items as [index] (``Messages[2].Author``), null as an empty value."""
    pairs: list[tuple[str, str]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else key, item)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(f"{prefix}[{index}]", item)
        elif value is not None:
            pairs.append((prefix, ("true" if value else "false") if isinstance(value, bool) else str(value)))

    walk("", data)
    return urlencode(pairs).encode()


def _no_carrier_extras(data: Any) -> Any:
    """The answer without the output-only TableRight/FieldProperties and the time-zone rules (ids are what count)."""
    if isinstance(data, dict):
        skip = ("TableRight", "FieldProperties", "TimeZoneSTDRules", "TimeZoneDSTRules")
        return {key: _no_carrier_extras(value) for key, value in data.items() if key not in skip}
    if isinstance(data, list):
        return [_no_carrier_extras(item) for item in data]
    return data


# -- round trips ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("media_type", ["application/json", "text/json", "application/xml", "text/xml"])
@pytest.mark.parametrize("value", [full_topic(), full_transcript(), ChatPresence(4, "Ann", 2, True, [1, 2, 3])])
def test_answer_reads_back_to_the_same_struct(media_type, value):
    """The answer (JSON or XML) sent back as a request body is the same Struct: nested objects, links, arrays of
    Structs and of ints, dictionaries, flag enums, time spans with fractions, dates."""
    assert _read(type(value), _answer(value, media_type), media_type) == value


@pytest.mark.parametrize("value", [full_topic(), full_transcript(), ChatPresence(4, "Ann", 2, True, [1, 2, 3])])
def test_every_request_format_reads_the_same_struct(value):
    """JSON, JSON sent as json-patch+json (an object is the entity), a Merge Patch onto the defaults, XML written
    by hand with typed item elements, and form keys with indexes all give the same Struct."""
    shape = type(value)
    data = _no_carrier_extras(json.loads(_answer(value, "application/json")))
    xml_data = _no_carrier_extras(struct_properties(value, UTC, tokens=True))
    item_names = {"Messages": "ChatMessage", "Topics": "int", "ChatTopics": "int", "Rules": "TimeZoneRuleKeyValuePair"}
    bodies = {
        "application/json": json.dumps(data).encode(),
        "application/json-patch+json": json.dumps(data).encode(),
        "application/merge-patch+json": json.dumps(data).encode(),
        "application/xml": xml_body(wire_name(shape), xml_data, item_names),
        "application/x-www-form-urlencoded": form_body(data),
    }
    for content_type, body in bodies.items():
        assert _read(shape, body, content_type) == value, content_type


def test_xml_answer_names_items_and_pairs_as_dotnet():
    """<int> items for int[], the item type's name for Structs, <TimeZoneRuleKeyValuePair> for the rules."""
    presence = _answer(ChatPresence(chat_topics=[1, 2]), "application/xml").decode()
    assert "<ChatTopics><int>1</int><int>2</int></ChatTopics>" in presence
    transcript = _answer(full_transcript(), "application/xml").decode()
    assert transcript.count("<ChatMessage>") == 3
    assert "<Rules><TimeZoneRuleKeyValuePair><Key>2024-03-31T02:00:00</Key><Value><StartDay>31</StartDay>" in transcript
    assert "<Topics><int>3</int><int>5</int><int>8</int></Topics>" in transcript
    topic = _answer(full_topic(), "application/xml").decode()
    assert "<MonStart>PT8H</MonStart><MonStop>PT8H30M</MonStop>" in topic
    assert "<RequiredFields>Email Name</RequiredFields>" in topic
    assert "<TzLocation><TZLocationID>261</TZLocationID>" in topic


def test_array_answers_have_typed_roots():
    topics = array_item(ChatTopicEntity)
    assert xml.array_root(topics) == "ArrayOfChatTopicEntity"
    body = xml.encode(xml.array_root(topics), [struct_properties(full_topic(), UTC, tokens=True)], topics).decode()
    assert "<ArrayOfChatTopicEntity" in body and "<ChatTopicEntity><ChatTopicId>12</ChatTopicId>" in body
    messages = fields_of(Transcript)[1].item
    assert messages is not None and xml.array_root(messages) == "ArrayOfChatMessage"
    ints = fields_of(ChatPresence)[-1].item
    assert ints is not None and xml.array_root(ints) == "ArrayOfint"
    body = xml.encode("ArrayOfint", [1, 2], ints).decode()
    assert body.endswith(
        '<ArrayOfint xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><int>1</int><int>2</int></ArrayOfint>'
    )
    rendered = [struct_properties(message, UTC, tokens=True) for message in full_transcript().messages]
    body = xml.encode("ArrayOfChatMessage", rendered, messages).decode()
    assert body.count("<ChatMessage><ChatMessageId>") == 3


def test_json_answer_of_a_topic():
    """Nested objects in place, declared link carriers expanded with their id, time spans as .NET writes them."""
    answer = json.loads(_answer(full_topic(), "application/json"))
    assert answer["Language"] == {"Id": 3, "Value": "", "Tooltip": "", "TableRight": None, "FieldProperties": None}
    assert answer["AlertTemplate"] == {"ReplyTemplateId": 7, "Name": "", "Description": "", "FolderId": 0}
    assert answer["OpeningHours"]["TzLocation"]["TZLocationID"] == 261
    assert answer["OpeningHours"]["TzLocation"]["TimeZoneSTDRules"] == {}
    assert answer["OpeningHours"]["MonStop"] == "08:30:00"
    assert answer["OpeningHours"]["LunchStop"] == "12:00:00.0000005"
    assert answer["Widget"]["RequiredFields"] == "Email, Name"
    assert answer["Widget"]["OfflineFields"] == "Company, Phone, Country"
    assert answer["BotSettings"]["BotName"] == "Botty"
    assert list(answer) == [field.name for field in fields_of(ChatTopicEntity)]


# -- reading quirks inside nested values --------------------------------------------------------------


def test_names_in_any_case_and_lenient_scalars_inside():
    topic = from_wire(
        ChatTopicEntity,
        {
            "openinghours": {"MONSTART": "08:00", "monenabled": "1", "tzlocation": {"tzlocationid": "261"}},
            "WIDGET": {"requiredfields": "email name", "logoblobid": 5.0},
        },
        UTC,
    )
    assert topic.opening_hours.mon_start == 8 * HOUR and topic.opening_hours.mon_enabled is True
    assert topic.opening_hours.tz_location == 261
    assert topic.widget.required_fields == 3 and topic.widget.logo_blob_id == 5


@pytest.mark.parametrize(
    ("shape", "data", "path", "rule"),
    [
        (
            ChatTopicEntity,
            {"OpeningHours": {"TzLocation": {"TZLocationID": "x"}}},
            "OpeningHours.TzLocation.TZLocationID",
            "int32",
        ),
        (ChatTopicEntity, {"OpeningHours": {"MonStart": "25:00"}}, "OpeningHours.MonStart", "a time"),
        (ChatTopicEntity, {"Widget": {"RequiredFields": "Email, Bogus"}}, "Widget.RequiredFields", "Bogus"),
        (ChatTopicEntity, {"Widget": {"Color": "#1234567890abcdef0"}}, "Widget.Color", "limit of 16"),
        (ChatTopicEntity, {"Widget": 5}, "Widget", "ChatWidgetSettings object"),
        (Transcript, {"Messages": [{}, {}, {"Author": "x" * 256}]}, "Messages[2].Author", "limit of 255"),
        (Transcript, {"Messages": [{"Type": "Sideways"}]}, "Messages[0].Type", "Sideways"),
        (Transcript, {"Topics": [1, "two"]}, "Topics[1]", "int32"),
        (Transcript, {"Topics": "1,2"}, "Topics", "an array"),
        (Transcript, {"Rules": {"k": {"StartDay": True}}}, "Rules.k.StartDay", "int32"),
    ],
)
def test_errors_name_the_property_path(shape, data, path, rule):
    with pytest.raises(InvalidInput) as caught:
        from_wire(shape, data, UTC)
    assert caught.value.property_name == path
    assert str(caught.value).startswith(f"{path}: ") and rule in str(caught.value)


def test_form_errors_name_the_indexed_path():
    body = urlencode({"Messages[0].Author": "ok", "Messages[1].Author": "x" * 256}).encode()
    with pytest.raises(InvalidInput) as caught:
        _read(Transcript, body, "application/x-www-form-urlencoded")
    assert caught.value.property_name == "Messages[1].Author"


def test_null_inside_nested_values_strict_and_lenient():
    """Lenient: null is the default (a null object is its defaults); strict: null for a value type is refused,
    with its path. A nullable array stays null."""
    data = {"Widget": {"LogoEnabled": None}, "OpeningHours": None}
    lenient = from_wire(ChatTopicEntity, data, UTC)
    assert lenient.widget.logo_enabled is False and lenient.opening_hours == ChatOpeningHours()
    with pytest.raises(InvalidInput) as caught:
        from_wire(ChatTopicEntity, data, UTC, strict=True)
    assert caught.value.property_name == "Widget.LogoEnabled"
    assert from_wire(Transcript, {"Topics": None}, UTC, strict=True).topics is None


def test_xml_single_item_and_empty_arrays_and_objects():
    """What the Struct declares decides: one item is still an array, no item is an empty one, an empty object
    element is the object's defaults."""
    one = xml_body("ChatPresence", {"ChatTopics": [7]}, {"ChatTopics": "int"})
    assert _read(ChatPresence, one, "application/xml").chat_topics == [7]
    empty = b"<ChatPresence><ChatTopics/></ChatPresence>"
    assert _read(ChatPresence, empty, "application/xml").chat_topics == []
    widget = b"<ChatTopicEntity><Widget/><Name>n</Name></ChatTopicEntity>"
    assert _read(ChatTopicEntity, widget, "application/xml").widget == ChatWidgetSettings()


def test_time_zone_data_declares_its_rules_dictionary():
    rules = fields_of(TimeZoneData)[5]
    assert rules.name == "TimeZoneSTDRules" and rules.item is not None and rules.item.name == "TimeZoneRule"
