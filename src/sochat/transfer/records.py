"""One record type per kind of row, with its conversion from and to the file form.

File form = the API's JSON form: PascalCase property names, enum names, ISO dates, links as
``{"AssociateId": 5}``. CSV flattens nested members with dots (``User.AssociateId``), as form bodies do.
"""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

import msgspec

from sochat.domain import datetimes
from sochat.domain.carriers import CARRIERS, CarrierType
from sochat.domain.chat_session import ChatSession, chat_session_from_wire
from sochat.domain.convert import format_time_span
from sochat.domain.enums import USER_TYPE
from sochat.domain.errors import InvalidInput, describe_value
from sochat.domain.fields import INT16_MAX, INT16_MIN, INT32_MAX, INT32_MIN, Field, Kind, fields_of
from sochat.domain.principal import Role
from sochat.security.usernames import MAX_USER_NAME_LENGTH, user_name_problem
from sochat.store.records import AssociateRow, ReferenceRow, Row, TopicRow

KINDS = ("Associate", "ChatTopic", "Person", "Contact", "Project", "Sale", "Ticket", "ChatSession")
_BY_LOWER = {kind.lower(): kind for kind in KINDS}
REFERENCE_KINDS = ("Person", "Contact", "Project", "Sale", "Ticket")


def kind_named(name: object) -> str:
    kind = _BY_LOWER.get(str(name).strip().lower()) if isinstance(name, str) else None
    if kind is None:
        raise InvalidInput(f"type: {describe_value(name)} is not one of {', '.join(KINDS)}", property_name="type")
    return kind


def _members(data: dict[str, Any]) -> dict[str, Any]:
    return {str(key).lower(): value for key, value in data.items()}


def _int(members: dict[str, Any], name: str, *, low: int = INT32_MIN, high: int = INT32_MAX, default: int = 0) -> int:
    value = members.get(name.lower())
    if value is None or value == "":
        return default
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit() and len(value.strip()) <= 11:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(
            f"{name}: {describe_value(value)} is not a whole number from {low} to {high}", property_name=name
        )
    return value


def _text(members: dict[str, Any], name: str, *, required: bool = False, limit: int = 4000) -> str:
    value = members.get(name.lower())
    if value is None or value == "":
        if required:
            raise InvalidInput(f"{name} is required", property_name=name)
        return ""
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidInput(f"{name}: expected text of at most {limit} characters", property_name=name)
    return value


def _user_name(members: dict[str, Any]) -> str:
    """UserName: SuperOffice's String(254), no control characters (the rule of sochat.security.usernames)."""
    value = _text(members, "UserName", required=True, limit=MAX_USER_NAME_LENGTH)
    problem = user_name_problem(value)
    if problem is not None:
        raise InvalidInput(f"UserName: {problem}", property_name="UserName")
    return value


def _bool(members: dict[str, Any], name: str) -> bool:
    value = members.get(name.lower())
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    if value in (0, 1):
        return bool(value)
    raise InvalidInput(f"{name}: {describe_value(value)} is not true or false", property_name=name)


def parse_row(kind: str, data: dict[str, Any]) -> Row:
    """Validate one file row; InvalidInput names the property and the rule."""
    if kind == "ChatSession":
        return chat_session_from_wire(data, UTC)
    members = _members(data)
    if kind == "Associate":
        role_text = _text(members, "Role") or Role.AGENT.value
        try:
            role = Role(role_text.lower())
        except ValueError:
            raise InvalidInput(
                f"Role: '{role_text[:20]}' is not admin, agent or readonly", property_name="Role"
            ) from None
        type_value = members.get("type")
        user_type = 1 if type_value in (None, "") else USER_TYPE.parse(type_value, "Type")
        password_hash = members.get("passwordhash")
        if password_hash is not None and (
            not isinstance(password_hash, str) or not password_hash.startswith("$argon2")
        ):
            raise InvalidInput("PasswordHash: expected an argon2 hash ($argon2...)", property_name="PasswordHash")
        return AssociateRow(
            _int(members, "AssociateId", low=0),
            _text(members, "Name", limit=255),
            _user_name(members),
            _text(members, "FullName", limit=255),
            _text(members, "FormalName", limit=255),
            _int(members, "PersonId", low=0),
            _int(members, "Rank", low=INT16_MIN, high=INT16_MAX),
            _text(members, "Tooltip"),
            user_type,
            _int(members, "GroupIdx"),
            _bool(members, "Deleted"),
            _int(members, "EjUserId"),
            role,
            password_hash or None,
        )
    if kind == "ChatTopic":
        return TopicRow(
            _int(members, "ChatTopicId", low=0),
            _text(members, "Name", required=True, limit=255),
            _text(members, "Description"),
            _text(members, "WelcomeMessage"),
        )
    return _reference(CARRIERS[kind], data)


def _reference(carrier: CarrierType, data: dict[str, Any]) -> ReferenceRow:
    members = _members(data)
    record_id = _int(members, carrier.id_property, low=1)
    if record_id == 0:
        raise InvalidInput(f"{carrier.id_property} is required (a positive id)", property_name=carrier.id_property)
    values: dict[str, object] = {}
    for name, kind in carrier.properties:
        raw = members.get(name.lower())
        if raw is None or raw == "":
            continue
        if kind is Kind.INT32:
            values[name] = _int(members, name)
        elif kind is Kind.INT16:
            values[name] = _int(members, name, low=INT16_MIN, high=INT16_MAX)
        elif kind is Kind.BOOL:
            values[name] = _bool(members, name)
        elif kind is Kind.DOUBLE:
            try:
                values[name] = float(raw)
            except (TypeError, ValueError):
                raise InvalidInput(f"{name}: {describe_value(raw)} is not a number", property_name=name) from None
        elif kind is Kind.DATETIME:
            if not isinstance(raw, str):
                raise InvalidInput(f"{name}: expected an ISO 8601 date-time", property_name=name)
            try:
                values[name] = datetimes.parse(raw, UTC)
            except datetimes.DateTimeFormatError as exc:
                raise InvalidInput(f"{name}: {exc}", property_name=name) from None
        elif kind is Kind.ENUM:
            enum = carrier.enum_of(name)
            values[name] = enum.format(enum.parse(raw, name)) if enum is not None else raw
        elif kind is Kind.OPAQUE:
            values[name] = _opaque(raw)
        else:
            values[name] = _text(members, name)
    values[carrier.id_property] = record_id
    return ReferenceRow(carrier.name, record_id, values)


def _opaque(raw: object) -> object:
    """A nested value as given; in CSV it arrives as JSON text, which is read back into its structure."""
    if isinstance(raw, str) and raw.strip()[:1] in ("{", "["):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


# -- writing -------------------------------------------------------------------------------------


def chat_session_row(session: ChatSession, *, flat: bool = False) -> dict[str, object]:
    """``flat`` (CSV) writes a missing link as {"AssociateId": null} so every row has the same columns."""
    return {"type": "ChatSession", **struct_row(session, flat=flat)}


def struct_row(value: msgspec.Struct, *, flat: bool = False) -> dict[str, object]:
    """Any Struct in the file form: the API's JSON form in UTC, links as ``{"AssociateId": 5}``."""
    return {field.name: _file_value(field, getattr(value, field.attr), flat) for field in fields_of(type(value))}


def _file_value(field: Field, value: Any, flat: bool) -> object:
    kind = field.kind
    if kind is Kind.DATETIME:
        return None if value is None else datetimes.format_ticks(value, UTC)
    if kind is Kind.ENUM and field.enum is not None:
        return field.enum.format(value)
    if kind is Kind.LINK:
        return {field.id_property: value} if value is not None or flat else None
    if kind is Kind.TIMESPAN:
        return format_time_span(value)
    if value is None:
        return None
    if kind is Kind.OBJECT:
        return struct_row(value, flat=flat)
    if kind is Kind.ARRAY and field.item is not None:
        return [_item_value(field.item, item, flat) for item in value]
    if kind is Kind.DICTIONARY and field.item is not None:
        return {key: _item_value(field.item, item, flat) for key, item in value.items()}
    return value


def _item_value(item: Field, value: Any, flat: bool) -> object:
    if item.kind is Kind.OBJECT and value is not None:
        return struct_row(value, flat=flat)
    return _file_value(item, value, flat)


def associate_row(row: AssociateRow, *, with_password_hash: bool) -> dict[str, object]:
    out: dict[str, object] = {
        "type": "Associate",
        "AssociateId": row.associate_id,
        "Name": row.name,
        "UserName": row.user_name,
        "FullName": row.full_name,
        "FormalName": row.formal_name,
        "PersonId": row.person_id,
        "Rank": row.rank,
        "Tooltip": row.tooltip,
        "Type": USER_TYPE.format(row.user_type),
        "GroupIdx": row.group_idx,
        "Deleted": row.deleted,
        "EjUserId": row.ej_user_id,
        "Role": row.role.value,
    }
    if with_password_hash and row.password_hash:
        out["PasswordHash"] = row.password_hash
    return out


def topic_row(row: TopicRow) -> dict[str, object]:
    return {
        "type": "ChatTopic",
        "ChatTopicId": row.chat_topic_id,
        "Name": row.name,
        "Description": row.description,
        "WelcomeMessage": row.welcome_message,
    }


def reference_row(row: ReferenceRow, *, flat: bool = False) -> dict[str, object]:
    """The stored properties of a record. ``flat`` (CSV) writes every property of the carrier, so all rows
    share one header, and nested values (an Address) as one JSON text, which the import reads back."""
    carrier = CARRIERS[row.carrier]
    out: dict[str, object] = {"type": row.carrier}
    for name, kind in carrier.properties:
        if name not in row.data and not flat:
            continue
        value = row.data.get(name)
        if kind is Kind.DATETIME and isinstance(value, int):
            value = datetimes.format_ticks(value, UTC)
        elif kind is Kind.OPAQUE and flat and value is not None:
            value = json.dumps(value, ensure_ascii=False)
        out[name] = value
    return out


def file_row(row: Row, *, with_password_hash: bool = False, flat: bool = False) -> dict[str, object]:
    """Any record in its file form; ``flat`` for CSV (the same columns on every row)."""
    if isinstance(row, ChatSession):
        return chat_session_row(row, flat=flat)
    if isinstance(row, AssociateRow):
        return associate_row(row, with_password_hash=with_password_hash)
    if isinstance(row, TopicRow):
        return topic_row(row)
    return reference_row(row, flat=flat)
