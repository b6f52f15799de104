"""ChatSessionEntity: its 31 properties with their wire rules, declared once as a msgspec Struct."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo
from typing import Annotated, ClassVar

import msgspec

from sochat.domain.convert import from_wire
from sochat.domain.enums import CHAT_SESSION_FLAGS, CHAT_SESSION_STATUS
from sochat.domain.fields import (
    READ_ONLY,
    EnumOf,
    Field,
    IdOf,
    Kind,
    Link,
    Text,
    Ticks,
    field_by_lower_name,
    fields_of,
    keep_dataclass_protocol,
)


class ChatSession(msgspec.Struct, rename="pascal"):
    """A chat session as sochat stores it, in SuperOffice's property order; string lengths are the chat_session
    table's column sizes. Links are ids (None = no link); dates are ticks (None = unset).
    No text is "" (decision 18); None in a string is a row stored before that rule and answers as ""."""

    WIRE_NAME: ClassVar[str] = "ChatSessionEntity"
    CARRIER: ClassVar[bool] = True

    chat_session_id: Annotated[int, READ_ONLY] = 0
    topic_id: Annotated[int, IdOf("ChatTopic")] = 0
    user_id: Annotated[int | None, Link("Associate")] = msgspec.field(default=None, name="User")
    person_id: Annotated[int | None, Link("Person")] = msgspec.field(default=None, name="Person")
    customer_alias: Annotated[str | None, Text(64)] = ""
    customer_host: Annotated[str | None, Text(255)] = ""
    customer_name: Annotated[str | None, Text(255)] = ""
    customer_email: Annotated[str | None, Text(255)] = ""
    customer_phone: Annotated[str | None, Text(32)] = ""
    customer_consented: bool = False
    customer_company_name: Annotated[str | None, Text(255)] = ""
    status: Annotated[int, EnumOf(CHAT_SESSION_STATUS)] = 0
    first_message: Annotated[str | None, Text(1024)] = ""
    last_message: Annotated[str | None, Text(1024)] = ""
    when_requested: Ticks = None
    when_started: Ticks = None
    when_ended: Ticks = None
    when_idle: Ticks = None
    when_fetched: Ticks = None
    session_key: Annotated[str | None, Text(255)] = ""
    initial_queue_pos: int = 0
    alert_level: int = 0
    rank: int = 0
    flags: Annotated[int, EnumOf(CHAT_SESSION_FLAGS)] = 0
    contact_id: Annotated[int | None, Link("Contact")] = msgspec.field(default=None, name="Contact")
    project_id: Annotated[int | None, Link("Project")] = msgspec.field(default=None, name="Project")
    sale_id: Annotated[int | None, Link("Sale")] = msgspec.field(default=None, name="Sale")
    ticket_id: Annotated[int | None, Link("Ticket")] = msgspec.field(default=None, name="Ticket")
    transfer_to_id: Annotated[int | None, Link("Associate")] = msgspec.field(default=None, name="TransferTo")
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


keep_dataclass_protocol(ChatSession)  # the store still copies sessions with dataclasses.replace

# Derived from the Struct: what validation, rendering, rights, OpenAPI, import/export and OData read.
FIELDS: tuple[Field, ...] = fields_of(ChatSession)
FIELD_BY_LOWER_NAME = field_by_lower_name(ChatSession)
LINK_FIELDS = tuple(field for field in FIELDS if field.carrier is not None)
# The property inside each carrier that holds its id.
CARRIER_ID_PROPERTY = {field.carrier: field.id_property for field in FIELDS if field.kind is Kind.LINK}


def chat_session_from_wire(data: Mapping[str, object], zone: tzinfo, *, strict: bool = False) -> ChatSession:
    """Build a ChatSession from a decoded body: names match case-insensitively, unknown names are ignored,
    missing properties take their defaults (SuperOffice saves whole entities). A string that is null or
    missing is stored as "", as SuperOffice's carriers hold no text (decision 18).

    ``zone`` reads date-times that carry no offset. ``strict`` refuses null for non-nullable values
    instead of reading it as the default. Raises InvalidInput naming the first bad property.
    """
    return from_wire(ChatSession, data, zone, strict=strict)


def default_chat_session(now_ticks: int) -> ChatSession:
    """The default new entity (CreateDefaultChatSessionEntity): what a client starts a new session from.

    SuperOffice does not document its defaults; we follow its neutral SOAP sample: id 0, numbers 0,
    strings empty, booleans false, Status Invalid, Flags 0, no links, and WhenRequested set to now.
    """
    strings = {field.attr: "" for field in FIELDS if field.kind is Kind.STRING}
    return ChatSession(**strings, when_requested=now_ticks)  # type: ignore[arg-type]
