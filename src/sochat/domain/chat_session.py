"""ChatSessionEntity: its 31 properties, their rules, and conversion from decoded request bodies."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import tzinfo

from sochat.domain import datetimes
from sochat.domain.enums import CHAT_SESSION_FLAGS, CHAT_SESSION_STATUS
from sochat.domain.errors import InvalidInput, describe_value
from sochat.domain.fields import INT32_MAX, INT32_MIN, Field, Kind


@dataclass(slots=True)
class ChatSession:
    """A chat session as sochat stores it. Links are ids (None = no link); dates are ticks (None = unset).
    No text is "" (decision 18); None in a string is a row stored before that rule and answers as ""."""

    chat_session_id: int = 0
    topic_id: int = 0
    user_id: int | None = None
    person_id: int | None = None
    customer_alias: str | None = ""
    customer_host: str | None = ""
    customer_name: str | None = ""
    customer_email: str | None = ""
    customer_phone: str | None = ""
    customer_consented: bool = False
    customer_company_name: str | None = ""
    status: int = 0
    first_message: str | None = ""
    last_message: str | None = ""
    when_requested: int | None = None
    when_started: int | None = None
    when_ended: int | None = None
    when_idle: int | None = None
    when_fetched: int | None = None
    session_key: str | None = ""
    initial_queue_pos: int = 0
    alert_level: int = 0
    rank: int = 0
    flags: int = 0
    contact_id: int | None = None
    project_id: int | None = None
    sale_id: int | None = None
    ticket_id: int | None = None
    transfer_to_id: int | None = None
    chatbot_is_active: bool = False
    rating: int = 0

    def links(self) -> dict[str, int]:
        """The linked records as {field name: id}, TopicId included when set."""
        found: dict[str, int] = {}
        for field in LINK_FIELDS:
            value = getattr(self, field.attr)
            if value:
                found[field.name] = value
        return found


# Characters XML 1.0 cannot carry and UTF-8 cannot encode; refused so every answer format can show every value.
_UNSENDABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

F = Field
INT, BOOL, STR, DATE, ENUM, LINK = Kind.INT32, Kind.BOOL, Kind.STRING, Kind.DATETIME, Kind.ENUM, Kind.LINK

# SuperOffice's property order; string lengths are the chat_session table's column sizes.
FIELDS: tuple[Field, ...] = (
    F("ChatSessionId", "chat_session_id", INT, read_only=True),
    F("TopicId", "topic_id", INT, carrier="ChatTopic"),
    F("User", "user_id", LINK, carrier="Associate"),
    F("Person", "person_id", LINK, carrier="Person"),
    F("CustomerAlias", "customer_alias", STR, 64),
    F("CustomerHost", "customer_host", STR, 255),
    F("CustomerName", "customer_name", STR, 255),
    F("CustomerEmail", "customer_email", STR, 255),
    F("CustomerPhone", "customer_phone", STR, 32),
    F("CustomerConsented", "customer_consented", BOOL),
    F("CustomerCompanyName", "customer_company_name", STR, 255),
    F("Status", "status", ENUM, enum=CHAT_SESSION_STATUS),
    F("FirstMessage", "first_message", STR, 1024),
    F("LastMessage", "last_message", STR, 1024),
    F("WhenRequested", "when_requested", DATE),
    F("WhenStarted", "when_started", DATE),
    F("WhenEnded", "when_ended", DATE),
    F("WhenIdle", "when_idle", DATE),
    F("WhenFetched", "when_fetched", DATE),
    F("SessionKey", "session_key", STR, 255),
    F("InitialQueuePos", "initial_queue_pos", INT),
    F("AlertLevel", "alert_level", INT),
    F("Rank", "rank", INT),
    F("Flags", "flags", ENUM, enum=CHAT_SESSION_FLAGS),
    F("Contact", "contact_id", LINK, carrier="Contact"),
    F("Project", "project_id", LINK, carrier="Project"),
    F("Sale", "sale_id", LINK, carrier="Sale"),
    F("Ticket", "ticket_id", LINK, carrier="Ticket"),
    F("TransferTo", "transfer_to_id", LINK, carrier="Associate"),
    F("ChatbotIsActive", "chatbot_is_active", BOOL),
    F("Rating", "rating", INT),
)
FIELD_BY_LOWER_NAME = {field.name.lower(): field for field in FIELDS}
LINK_FIELDS = tuple(field for field in FIELDS if field.carrier is not None)
# The property inside each carrier that holds its id.
CARRIER_ID_PROPERTY = {
    "Associate": "AssociateId",
    "Person": "PersonId",
    "Contact": "ContactId",
    "Project": "ProjectId",
    "Sale": "SaleId",
    "Ticket": "TicketId",
}

assert [f.attr for f in FIELDS] == [f.name for f in dataclasses.fields(ChatSession)]


def chat_session_from_wire(data: Mapping[str, object], zone: tzinfo, *, strict: bool = False) -> ChatSession:
    """Build a ChatSession from a decoded body: names match case-insensitively, unknown names are ignored,
    missing properties take their defaults (SuperOffice saves whole entities). A string that is null or
    missing is stored as "", as SuperOffice's carriers hold no text (decision 18).

    ``zone`` reads date-times that carry no offset. ``strict`` refuses null for non-nullable values
    instead of reading it as the default. Raises InvalidInput naming the first bad property.
    """
    values: dict[str, object] = {}
    for key, value in data.items():
        field = FIELD_BY_LOWER_NAME.get(key.lower()) if isinstance(key, str) else None
        if field is not None:
            values[field.attr] = _convert(field, value, zone, strict)
    return ChatSession(**values)  # type: ignore[arg-type]


def _convert(field: Field, value: object, zone: tzinfo, strict: bool) -> object:
    kind = field.kind
    if kind is Kind.STRING:
        return _string(field, value)
    if kind is Kind.LINK:
        return _link(field, value)
    if value is None:
        if kind is Kind.DATETIME:
            return None  # null is "no date" in both modes (the unset DateTime.MinValue)
        if strict:
            raise InvalidInput(
                f"{field.name}: null is not allowed for a {field.kind.value} value in strict mode",
                property_name=field.name,
            )
        return _default(field)
    if kind is Kind.INT32:
        number = _int32(field, value)
        if field.carrier == "ChatTopic" and number < 0:
            return 0  # -1 means "no topic", as for the other links
        return number
    if kind is Kind.BOOL:
        return _bool(field, value)
    if kind is Kind.DATETIME:
        if not isinstance(value, str):
            raise _wrong_type(field, value, "an ISO 8601 date-time string")
        try:
            return datetimes.parse(value, zone)
        except datetimes.DateTimeFormatError as exc:
            raise InvalidInput(f"{field.name}: {exc}", property_name=field.name) from None
    if kind is Kind.ENUM and field.enum is not None:
        return field.enum.parse(value, field.name)
    raise AssertionError(f"no conversion for {field.name}")  # pragma: no cover - FIELDS is closed


def _default(field: Field) -> object:
    return next(f.default for f in dataclasses.fields(ChatSession) if f.name == field.attr)


def _string(field: Field, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float):
        if isinstance(value, int) and value.bit_length() > 64:
            raise _wrong_type(field, value, "a string")
        text = str(value)  # Newtonsoft reads a JSON number into a string property as its text.
    elif isinstance(value, str):
        text = value
    else:
        raise _wrong_type(field, value, "a string")
    bad = _UNSENDABLE.search(text)
    if bad is not None:
        raise InvalidInput(
            f"{field.name}: the character U+{ord(bad.group()):04X} at position {bad.start()} is not allowed"
            " (control characters and lone surrogates cannot be answered in XML or UTF-8)",
            property_name=field.name,
        )
    # The limits are SQL Server nvarchar sizes in SuperOffice, which count UTF-16 code units: an emoji is two.
    units = len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2
    if units > field.length:
        raise InvalidInput(
            f"{field.name}: {units} characters (UTF-16 units) is longer than the limit of {field.length}",
            property_name=field.name,
        )
    return text


def _int32(field: Field, value: object) -> int:
    if isinstance(value, bool):
        raise _wrong_type(field, value, "an int32 number")
    if isinstance(value, float):
        if not value.is_integer():
            raise _wrong_type(field, value, "an int32 number (no fraction)")
        value = int(value)
    elif isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if not (digits.isascii() and digits.isdigit() and len(digits) <= 11):
            raise _wrong_type(field, value, "an int32 number")
        value = int(text)
    if not isinstance(value, int):
        raise _wrong_type(field, value, "an int32 number")
    if not INT32_MIN <= value <= INT32_MAX:
        raise InvalidInput(
            f"{field.name}: {describe_value(value)} is outside the int32 range {INT32_MIN}..{INT32_MAX}",
            property_name=field.name,
        )
    return value


def _bool(field: Field, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    raise _wrong_type(field, value, "true or false")


def _link(field: Field, value: object) -> int | None:
    """Only the id inside a nested carrier counts; 0, -1 and null mean no link."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise _wrong_type(field, value, f"a {field.carrier} object or null")
    id_name = CARRIER_ID_PROPERTY[field.carrier or ""]
    raw = next((v for k, v in value.items() if isinstance(k, str) and k.lower() == id_name.lower()), None)
    if raw is None:
        return None
    number = _int32(Field(f"{field.name}.{id_name}", field.attr, Kind.INT32), raw)
    return number if number > 0 else None


def _wrong_type(field: Field, value: object, expected: str) -> InvalidInput:
    return InvalidInput(f"{field.name}: expected {expected}, got {describe_value(value)}", property_name=field.name)


def default_chat_session(now_ticks: int) -> ChatSession:
    """The default new entity (CreateDefaultChatSessionEntity): what a client starts a new session from.

    SuperOffice does not document its defaults; we follow its neutral SOAP sample: id 0, numbers 0,
    strings empty, booleans false, Status Invalid, Flags 0, no links, and WhenRequested set to now.
    """
    strings = {field.attr: "" for field in FIELDS if field.kind is Kind.STRING}
    return ChatSession(**strings, when_requested=now_ticks)  # type: ignore[arg-type]
