"""Answers as SuperOffice shapes them: property order, enum names, dates, expanded carriers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from sochat.agents.sessions import ChatSessionView
from sochat.domain import datetimes
from sochat.domain.answers import DEFAULTS, Links, struct_properties
from sochat.domain.carriers import CARRIERS
from sochat.domain.chat_session import FIELDS, ChatSession
from sochat.domain.convert import format_time_span
from sochat.domain.enums import EnumType
from sochat.domain.fields import Kind
from sochat.domain.rights import chat_session_field_properties
from sochat.http.locale import RequestLocale
from sochat.http.odata import ENTITY_NAME, column_name
from sochat.i18n.cultures import format_moment, format_number

FIELD_BY_ATTR = {field.attr: field for field in FIELDS}
FIELD_BY_NAME = {field.name: field for field in FIELDS}


def chat_session_entity(view: ChatSessionView, locale: RequestLocale, *, tokens: bool = False) -> dict[str, object]:
    """A ChatSessionEntity answer: the 31 properties, then TableRight and FieldProperties.

    ``tokens`` writes flag enums as XML's space-separated lists instead of .NET's "A, B" text.
    """
    out = chat_session_properties(view.session, view.links, locale, tokens=tokens)
    out["TableRight"] = view.table_right.to_wire(tokens=tokens)
    out["FieldProperties"] = chat_session_field_properties(view.role, tokens=tokens)
    return out


def chat_session_properties(
    session: ChatSession,
    links: Links,
    locale: RequestLocale,
    *,
    tokens: bool = False,
) -> dict[str, object]:
    """The 31 entity properties in SuperOffice's order, as they travel on the wire."""
    return struct_properties(session, locale.zone, tokens=tokens, links=links)


def left_out_value(kind: Kind, enum: EnumType | None, *, tokens: bool = False) -> object:
    """What an answer holds for a property that $select leaves out: null for .NET reference types (strings,
    carriers, nested objects, arrays, dictionaries), the type's default for value types, so that typed clients can
    still read them."""
    if enum is not None:
        return enum.format_tokens(0) if tokens and enum.is_flags else enum.format(0)
    if kind is Kind.DATETIME:
        return datetimes.UNSET_TEXT
    if kind is Kind.TIMESPAN:
        return format_time_span(0, iso=tokens)
    if kind is Kind.STRING:
        return None
    return DEFAULTS.get(kind)


def left_out_property(name: str, *, tokens: bool = False) -> object:
    """left_out_value of an entity property by its wire name (carriers and unknown names: null)."""
    field = FIELD_BY_NAME.get(name)
    if field is None:
        return None
    return left_out_value(field.kind, field.enum, tokens=tokens)


def left_out_carrier_member(property_name: str, member: str) -> object:
    """left_out_value of a member inside the carrier of a link property (``User/FullName``)."""
    field = FIELD_BY_NAME.get(property_name)
    carrier = CARRIERS.get(field.carrier or "") if field is not None else None
    kind = dict(carrier.properties).get(member) if carrier is not None else None
    if carrier is None or kind is None:
        return None
    return left_out_value(kind, carrier.enum_of(member))


def archive_row(
    session: ChatSession,
    columns: tuple[str, ...],
    zone: tzinfo,
    *,
    display_culture: str | None = None,
    display: bool = False,
) -> dict[str, object]:
    """One row of the OData list: PrimaryKey, EntityName, then the selected columns in the order asked.

    ``display`` ($output=Display) writes every value as text; numbers and dates then follow the request's
    culture (SO-Culture, else the language), which is where SuperOffice applies culture formatting.
    """
    row: dict[str, object] = {"PrimaryKey": session.chat_session_id, "EntityName": ENTITY_NAME}
    for attr in columns:
        field = FIELD_BY_ATTR[attr]
        value = getattr(session, attr)
        if field.kind is Kind.DATETIME:
            value = _display_date(value, zone, display_culture) if display else datetimes.format_ticks(value, zone)
        elif field.kind is Kind.ENUM and field.enum is not None:
            value = field.enum.format(value)
        elif display and isinstance(value, bool):
            value = "[SR_SOCHAT_YES]" if value else "[SR_SOCHAT_NO]"
        elif display and isinstance(value, int):
            value = format_number(value, display_culture) if display_culture else str(value)
        elif display and value is None:
            value = ""
        elif field.kind is Kind.STRING and value is None:
            value = ""  # strings never answer null (decision 18)
        row[column_name(field)] = value
    return row


def _display_date(ticks: int | None, zone: tzinfo, culture: str | None) -> str:
    if ticks is None:
        return ""
    if culture is None:
        return datetimes.format_ticks(ticks, zone)
    moment = datetime(1, 1, 1, tzinfo=UTC) + timedelta(microseconds=ticks // datetimes.TICKS_PER_MICROSECOND)
    try:
        local = moment.astimezone(zone)
    except OverflowError:
        local = moment  # the zone would move it past year 1 or 9999; UTC always fits (as format_ticks does)
    return format_moment(local, culture)
