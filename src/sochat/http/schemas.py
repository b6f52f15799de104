"""OpenAPI schemas of the wire types, generated from the same Field descriptions the code validates and renders
with: a Struct's schema lists its properties in order, nested Structs, array items, dictionary values and declared
link carriers are references to schemas of their own, named as SuperOffice's Swagger names its definitions (the
last part: SuperOffice.CRM.Services.ChatOpeningHours is ChatOpeningHours)."""

from __future__ import annotations

from typing import Any

import msgspec

from sochat.domain.enums import EnumType
from sochat.domain.fields import (
    INT16_MAX,
    INT16_MIN,
    INT32_MAX,
    INT32_MIN,
    Field,
    Kind,
    fields_of,
    is_carrier,
    wire_name,
)
from sochat.http.operation import REF

UNSET_DATE = "0001-01-01T00:00:00"


def date_time_schema() -> dict[str, Any]:
    """SuperOffice's date-time, plus the one value .NET writes without an offset: the unset date."""
    return {
        "anyOf": [{"type": "string", "format": "date-time"}, {"const": UNSET_DATE}],
        "description": f"ISO 8601 with 7 fractional digits and the offset; {UNSET_DATE} (no offset) when unset",
    }


def scalar_schema(kind: Kind) -> dict[str, Any]:
    schemas: dict[Kind, dict[str, Any]] = {
        Kind.INT32: {"type": "integer", "format": "int32", "minimum": INT32_MIN, "maximum": INT32_MAX},
        # A short in SuperOffice's database, published as int32 in its Swagger (as typed clients read it).
        Kind.INT16: {"type": "integer", "format": "int32", "minimum": INT16_MIN, "maximum": INT16_MAX},
        Kind.DOUBLE: {"type": "number", "format": "double"},
        Kind.BOOL: {"type": "boolean"},
        # "" for no text; null only when $select leaves the property out (decision 18).
        Kind.STRING: {"type": ["string", "null"]},
        Kind.DATETIME: date_time_schema(),
        # SuperOffice's Swagger says string; the .NET type is a TimeSpan (conversations section 1.2).
        Kind.TIMESPAN: {"type": "string", "description": "A .NET TimeSpan such as 08:30:00 (PT8H30M in XML)"},
        Kind.OPAQUE: {},
    }
    return schemas[kind]


def enum_schema(enum: EnumType) -> dict[str, Any]:
    kind = "flags: a member name, or names joined by ', '" if enum.is_flags else "an enum name"
    return {"type": "string", "enum": list(enum.names), "description": f"{enum.name}: {kind}"}


def nullable_ref(name: str) -> dict[str, Any]:
    return {"oneOf": [{"$ref": REF + name}, {"type": "null"}]}


FIELD_PROPERTIES = {
    "type": ["object", "null"],
    "additionalProperties": {"$ref": REF + "FieldProperty"},
    "description": "Every property with its right, .NET type and length.",
}


def field_schema(field: Field) -> dict[str, Any]:
    """The schema of one property (or of one array item or dictionary value)."""
    kind = field.kind
    if kind is Kind.LINK:
        return nullable_ref(field.carrier or "")
    if field.enum is not None:
        return enum_schema(field.enum)
    if kind is Kind.OBJECT and field.shape is not None:
        name = wire_name(field.shape)
        # A property may answer null ($select, decision 18: a reference type); an array item is always there.
        return nullable_ref(name) if field.attr else {"$ref": REF + name}
    if kind in (Kind.ARRAY, Kind.DICTIONARY) and field.item is not None:
        item = field_schema(field.item)
        if kind is Kind.ARRAY:
            return {"type": ["array", "null"], "items": item}
        return {"type": ["object", "null"], "additionalProperties": item}
    schema = dict(scalar_schema(kind))
    if field.length:
        schema["maxLength"] = field.length
    return schema


def struct_schema(shape: type[msgspec.Struct]) -> dict[str, Any]:
    """A Struct's schema: its properties in order, then TableRight and FieldProperties for a carrier."""
    properties = {field.name: field_schema(field) for field in fields_of(shape)}
    if is_carrier(shape):
        properties["TableRight"] = nullable_ref("TableRight")
        properties["FieldProperties"] = FIELD_PROPERTIES
    return {"type": "object", "properties": properties}


def struct_schemas(shape: type[msgspec.Struct]) -> dict[str, dict[str, Any]]:
    """The schemas of ``shape`` and of every Struct it holds or links to, by name, ``shape`` first."""
    found: dict[str, dict[str, Any]] = {}
    pending = [shape]
    while pending:
        current = pending.pop(0)
        name = wire_name(current)
        if name in found:
            continue
        found[name] = struct_schema(current)
        for field in fields_of(current):
            for nested in (field, field.item):
                if nested is not None and nested.shape is not None:
                    pending.append(nested.shape)
    return found
