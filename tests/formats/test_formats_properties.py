"""Issue 3, property-based: any valid entity survives a round trip through every codec (XML, JSON, form)."""

from __future__ import annotations

from datetime import UTC
from typing import Any
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sochat.domain import datetimes
from sochat.domain.chat_session import FIELDS, ChatSession, chat_session_from_wire
from sochat.domain.enums import CHAT_SESSION_FLAGS, CHAT_SESSION_STATUS
from sochat.domain.fields import INT32_MAX, INT32_MIN, Kind
from sochat.http.codecs import form, xml
from sochat.http.codecs import json as json_codec
from sochat.http.formats import decode_body
from sochat.http.locale import RequestLocale
from sochat.http.render import chat_session_properties

PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LOCALE = RequestLocale(UTC)

# Every character XML 1.0 can carry (its Char production): no C0 controls but tab, LF and CR; no surrogates;
# not U+FFFE or U+FFFF. Exactly what sochat accepts in a string property.
XML_CHARS = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters=[chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"] + ["\ufffe", "\uffff"],
)
INT32 = st.integers(min_value=INT32_MIN, max_value=INT32_MAX)
LINK_ID = st.none() | st.integers(min_value=1, max_value=INT32_MAX)
TICKS = st.none() | st.integers(min_value=1, max_value=datetimes.MAX_TICKS)


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fit(limit: int):
    """Cut a text to ``limit`` UTF-16 code units, the unit SuperOffice's nvarchar limits count (an emoji is two)."""

    def cut(text: str) -> str:
        while _utf16_units(text) > limit:
            text = text[:-1]
        return text

    return cut


def _strategy(field) -> st.SearchStrategy[Any]:
    if field.kind is Kind.STRING:
        return st.text(XML_CHARS, max_size=field.length).map(_fit(field.length))  # never null (decision 18)
    if field.kind is Kind.LINK:
        return LINK_ID
    if field.kind is Kind.BOOL:
        return st.booleans()
    if field.kind is Kind.DATETIME:
        return TICKS
    if field.name == "Status":
        return st.sampled_from([value for _, value in CHAT_SESSION_STATUS.members])
    if field.name == "Flags":
        return st.sampled_from(sorted({value for _, value in CHAT_SESSION_FLAGS.members}))
    if field.name == "TopicId":
        return st.integers(min_value=0, max_value=INT32_MAX)  # a negative topic means "none" and reads as 0
    return INT32


SESSIONS = st.builds(ChatSession, **{field.attr: _strategy(field) for field in FIELDS})


def _from_wire(data: Any) -> ChatSession:
    assert isinstance(data, dict), data
    return chat_session_from_wire(data, UTC)


def _form_body(properties: dict[str, Any], encoding: str = "utf-8") -> bytes:
    """A form body built with urlencode: dotted keys for carriers (their id only), empty value for null."""
    pairs: list[tuple[str, str]] = []
    for name, value in properties.items():
        if isinstance(value, dict):
            field = next(f for f in FIELDS if f.name == name)
            id_name = next(k for k in value if k.lower().endswith("id") and k.lower() in _CARRIER_IDS[field.carrier])
            pairs.append((f"{name}.{id_name}", str(value[id_name])))
        elif value is None:
            pairs.append((name, ""))
        elif isinstance(value, bool):
            pairs.append((name, "true" if value else "false"))
        else:
            pairs.append((name, str(value)))
    return urlencode(pairs, encoding=encoding).encode("ascii")


_CARRIER_IDS = {
    "Associate": {"associateid"},
    "Person": {"personid"},
    "Contact": {"contactid"},
    "Project": {"projectid"},
    "Sale": {"saleid"},
    "Ticket": {"ticketid"},
}


@PROPERTY_SETTINGS
@given(SESSIONS)
def test_rendered_properties_read_back_to_the_same_session(session):
    """Baseline: the rendered wire properties read back to the session, so the tests below test only the codecs."""
    assert _from_wire(chat_session_properties(session, {}, LOCALE)) == session


@PROPERTY_SETTINGS
@given(SESSIONS, st.booleans())
def test_xml_round_trip(session, tokens):
    """xml.decode(xml.encode(x)) reads back the same session, flags in .NET text or XSD list form."""
    properties = chat_session_properties(session, {}, LOCALE, tokens=tokens)
    name, decoded = xml.decode(xml.encode("ChatSessionEntity", properties), None)
    assert name == "ChatSessionEntity"
    assert _from_wire(decoded) == session


@PROPERTY_SETTINGS
@given(SESSIONS)
def test_json_round_trip(session):
    """json decode(encode(x)) reads back the same session."""
    properties = chat_session_properties(session, {}, LOCALE)
    assert _from_wire(json_codec.decode(json_codec.encode(properties))) == session


@PROPERTY_SETTINGS
@given(SESSIONS)
def test_form_round_trip(session):
    """A urlencoded form with dotted keys reads back the same session (an empty value is null, stored as "")."""
    properties = chat_session_properties(session, {}, LOCALE)
    assert _from_wire(form.decode(_form_body(properties), None)) == session


@PROPERTY_SETTINGS
@given(SESSIONS, st.sampled_from(["application/xml", "text/xml", "application/json", "text/json"]))
def test_round_trip_through_decode_body(session, content_type):
    """The one mechanism (decode_body by Content-Type) reads back what each codec wrote."""
    properties = chat_session_properties(session, {}, LOCALE, tokens="xml" in content_type)
    body = (xml.encode if "xml" in content_type else lambda _root, value: json_codec.encode(value))(
        "ChatSessionEntity", properties
    )
    decoded = decode_body(body, f"{content_type}; charset=utf-8", "ChatSessionEntity")
    assert decoded.kind == "entity"
    assert _from_wire(decoded.value) == session


@PROPERTY_SETTINGS
@given(SESSIONS, st.sampled_from(["utf-16", "utf-16le", "utf-16be"]))
def test_xml_round_trip_in_utf16(session, charset):
    """An XML body re-encoded in UTF-16 and declared so reads back the same session."""
    properties = chat_session_properties(session, {}, LOCALE, tokens=True)
    text = xml.encode("ChatSessionEntity", properties).decode("utf-8")
    codec = {"utf-16": "utf-16", "utf-16le": "utf-16-le", "utf-16be": "utf-16-be"}[charset]
    decoded = decode_body(text.encode(codec), f"application/xml; charset={charset}", "ChatSessionEntity")
    assert _from_wire(decoded.value) == session
