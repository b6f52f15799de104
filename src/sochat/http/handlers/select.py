"""$select: SuperOffice answers every property but clears those not selected: null for reference types
(strings, carriers), the type's default for value types (0, false, 0001-01-01T00:00:00, the enum's 0 name)."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from sochat.domain.chat_session import FIELD_BY_LOWER_NAME
from sochat.domain.errors import InvalidInput
from sochat.domain.fields import Field, Kind, field_by_lower_name, fields_of, wire_name
from sochat.http.render import left_out_carrier_member, left_out_property, left_out_value

# Members that describe the answer rather than the entity; $select never nulls them.
_KEPT = frozenset({"TableRight", "FieldProperties", "_Links"})


def parse_select(
    text: str | None, lookup: Mapping[str, Field] = FIELD_BY_LOWER_NAME, entity: str = "ChatSessionEntity"
) -> dict[str, set[str]] | None:
    """``$select=Status,User/FullName`` as {property: sub-members (empty = whole)}; None = everything.
    ``lookup`` holds the entity's properties by lower-cased name."""
    if text is None or not text.strip():
        return None
    whole: set[str] = set()
    partial: dict[str, set[str]] = {}
    for item in text.split(","):
        path = [part.strip() for part in item.strip().split("/")]
        field = lookup.get(path[0].lower())
        if field is None:
            raise InvalidInput(f"$select: '{item.strip()[:60]}' is not a {entity} property", property_name="$select")
        if len(path) > 1 and path[1]:
            partial.setdefault(field.name, set()).add(path[1].lower())
        else:
            whole.add(field.name)
    return {name: set() for name in whole} | {name: members for name, members in partial.items() if name not in whole}


def apply_select(
    entity: dict[str, object], chosen: dict[str, set[str]] | None, *, tokens: bool = False
) -> dict[str, object]:
    """``tokens``: the answer is XML, whose flag enums are token lists (0 is the empty list)."""
    if chosen is None:
        return entity
    result: dict[str, object] = {}
    for name, value in entity.items():
        if name in _KEPT:
            result[name] = value
        elif name not in chosen:
            result[name] = left_out_property(name, tokens=tokens)
        elif chosen[name] and isinstance(value, dict):
            result[name] = {
                key: (item if key.lower() in chosen[name] else left_out_carrier_member(name, key))
                for key, item in value.items()
            }
        else:
            result[name] = value
    return result


def select_struct(
    entity: dict[str, object], text: str | None, shape: type[msgspec.Struct], *, tokens: bool = False
) -> dict[str, object]:
    """$select on the answer of any Struct (ChatTopicEntity): the same rules, with ``Widget/Size`` selecting one
    member of a nested object or carrier and clearing the others."""
    chosen = parse_select(text, field_by_lower_name(shape), wire_name(shape))
    if chosen is None:
        return entity
    fields = {field.name: field for field in fields_of(shape)}
    result: dict[str, object] = {}
    for name, value in entity.items():
        field = fields.get(name)
        if field is None:  # TableRight, FieldProperties
            result[name] = value
        elif name not in chosen:
            result[name] = _left_out(field, tokens)
        elif chosen[name] and isinstance(value, dict) and field.shape is not None:
            inner = {member.name: member for member in fields_of(field.shape)}
            result[name] = {
                key: item if key.lower() in chosen[name] or key not in inner else _left_out(inner[key], tokens)
                for key, item in value.items()
            }
        else:
            result[name] = value
    return result


def _left_out(field: Field, tokens: bool) -> object:
    if field.kind in (Kind.LINK, Kind.OBJECT, Kind.ARRAY, Kind.DICTIONARY, Kind.OPAQUE):
        return None  # .NET reference types
    return left_out_value(field.kind, field.enum, tokens=tokens)
