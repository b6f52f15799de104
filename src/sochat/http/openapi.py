"""The OpenAPI 3.1 document, generated from the operation table (sochat.http.operations) and the same field
metadata the code validates and renders with, so the description cannot drift from the behaviour."""

from __future__ import annotations

from functools import cache
from typing import Any

from sochat import __version__
from sochat.domain.carriers import CARRIERS, CarrierType
from sochat.domain.chat_session import FIELDS, ChatSession
from sochat.domain.chat_topic import ChatTopicEntity
from sochat.domain.enums import E_FIELD_RIGHT, E_TABLE_RIGHT, EnumType
from sochat.domain.fields import Kind
from sochat.http import operations

# Re-exported: /api/docs shows the same header texts.
from sochat.http.operation import HEADER_DESCRIPTIONS as HEADER_DESCRIPTIONS
from sochat.http.operation import REF, Operation
from sochat.http.schemas import FIELD_PROPERTIES as _FIELD_PROPERTIES
from sochat.http.schemas import UNSET_DATE as UNSET_DATE
from sochat.http.schemas import enum_schema as _enum_schema
from sochat.http.schemas import nullable_ref as _nullable_ref
from sochat.http.schemas import scalar_schema as _scalar
from sochat.http.schemas import struct_schema, struct_schemas

_REF = REF
_STRING_DICTIONARY = {"type": ["object", "null"], "additionalProperties": {"type": "string"}}
# Carrier members that sochat passes through without interpreting, typed as SuperOffice's Swagger types them.
_OPAQUE_MEMBERS: dict[str, dict[str, Any]] = {
    "Address": _nullable_ref("Address"),
    "ExtraFields": _STRING_DICTIONARY,
    "CustomFields": _STRING_DICTIONARY,
}


def _carrier_schema(carrier: CarrierType) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for name, kind in carrier.properties:
        enum = carrier.enum_of(name)
        if enum is not None:
            properties[name] = _enum_schema(enum)
        elif kind is Kind.OPAQUE:
            properties[name] = _OPAQUE_MEMBERS.get(name, {})
        else:
            properties[name] = _scalar(kind)
    properties["TableRight"] = _nullable_ref("TableRight")
    properties["FieldProperties"] = _FIELD_PROPERTIES
    return {"type": "object", "properties": properties}


def _entity_schema(*, with_links: bool) -> dict[str, Any]:
    properties = struct_schema(ChatSession)["properties"]
    if with_links:
        properties["_Links"] = {
            "type": "object",
            "properties": {"Self": {"type": "string"}, "Archive": {"type": "string"}},
            "additionalProperties": {"type": "string"},
        }
    return {"type": "object", "properties": properties}


def _input_schema() -> dict[str, Any]:
    """What a save accepts: any subset of the properties, names in any case, unknown members ignored."""
    properties: dict[str, Any] = {}
    for field in FIELDS:
        if field.kind is Kind.LINK:
            id_name = {"Associate": "AssociateId"}.get(field.carrier or "", f"{field.carrier}Id")
            properties[field.name] = {
                "type": ["object", "null"],
                "properties": {id_name: {"type": ["integer", "null"], "format": "int32"}},
            }
        elif field.enum is not None:
            properties[field.name] = {"type": ["string", "integer", "null"]}
        elif field.kind is Kind.DATETIME:
            properties[field.name] = {
                "type": ["string", "null"],
                "description": "ISO 8601; without offset read in SO-TimeZone",
            }
        else:
            schema = dict(_scalar(field.kind))
            if field.length:
                schema["maxLength"] = field.length
            properties[field.name] = schema
    return {"type": "object", "properties": properties}


def _schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = {
        "ChatSessionEntity": _entity_schema(with_links=False),
        "ChatSessionEntityWithLinks": _entity_schema(with_links=True),
        "ChatSessionEntityInput": _input_schema(),
        "TableRight": {
            "type": "object",
            "properties": {
                "Mask": {"type": "string", "description": "ETableRight names joined by ', ': " + _names(E_TABLE_RIGHT)},
                "Reason": {"type": "string"},
            },
        },
        "FieldRight": {
            "type": "object",
            "properties": {
                "Mask": {"type": "string", "description": "EFieldRight names joined by ', ': " + _names(E_FIELD_RIGHT)},
                "Reason": {"type": "string"},
            },
        },
        "FieldProperty": {
            "type": "object",
            "properties": {
                "FieldRight": _nullable_ref("FieldRight"),
                "FieldType": {"type": "string", "description": ".NET type, e.g. System.String"},
                "FieldLength": {"type": "integer", "format": "int32"},
            },
        },
        **_address_schemas(),
        **struct_schemas(ChatTopicEntity),  # and every type it holds or links to
        "ErrorBody": {
            "type": "object",
            "required": ["Error", "ErrorType", "ErrorMessage", "ErrorSource"],
            "properties": {
                "Error": {"const": True},
                "ErrorType": {"type": "string"},
                "ErrorMessage": {"type": "string"},
                "ErrorSource": {"type": "string"},
            },
        },
        "JsonPatch": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["op", "path"],
                "properties": {
                    "op": {"type": "string", "enum": ["add", "remove", "replace", "move", "copy", "test"]},
                    "path": {"type": "string"},
                    "from": {"type": "string"},
                    "value": {},
                },
            },
        },
        "ODataSlimResponse": {
            "type": "object",
            "properties": {
                "odata.metadata": {"type": "string"},
                "odata.nextLink": {"type": "string"},
                "value": {"type": "array", "items": {"type": "object", "additionalProperties": {}}},
            },
        },
    }
    for carrier in CARRIERS.values():
        schemas[carrier.name] = _carrier_schema(carrier)
    return schemas


def _names(enum: EnumType) -> str:
    return ", ".join(enum.names)


# StructuredAddress.AtypeIdx names as SuperOffice's Swagger lists them (sochat never reads them).
_ADDRESS_TYPES = (
    "Unknown",
    "ContactPostalAddress",
    "ContactStreetAddress",
    "PersonPrivateAddress",
    "QuoteBillingAddress",
    "QuoteShippingAddress",
)


def _address_schemas() -> dict[str, Any]:
    """Contact.Address as SuperOffice's Swagger shapes it (sochat answers it as stored, usually null)."""
    text = {"type": ["string", "null"]}
    field_properties = {"TableRight": _nullable_ref("TableRight"), "FieldProperties": _FIELD_PROPERTIES}
    structured = {name: text for name in ("Address1", "Address2", "Address3", "City", "County", "State")}
    return {
        "Address": {
            "type": "object",
            "properties": {
                "Wgs84Latitude": {"type": "number", "format": "double"},
                "Wgs84Longitude": {"type": "number", "format": "double"},
                "LocalizedAddress": {
                    "type": ["array", "null"],
                    "items": {"type": "array", "items": {"$ref": _REF + "LocalizedField"}},
                },
                "Street": _nullable_ref("StructuredAddress"),
                "Postal": _nullable_ref("StructuredAddress"),
                "Formatted": text,
                **field_properties,
            },
        },
        "LocalizedField": {
            "type": "object",
            "properties": {
                **{name: text for name in ("Name", "Value", "Tooltip", "Label")},
                "ValueLength": {"type": "integer", "format": "int32"},
                "AddressType": text,
                **field_properties,
            },
        },
        "StructuredAddress": {
            "type": "object",
            "properties": {
                "AtypeIdx": {"type": "string", "enum": list(_ADDRESS_TYPES)},
                **structured,
                "Zipcode": text,
                "Formatted": text,
            },
        },
    }


def _operations() -> dict[str, dict[str, Any]]:
    """The paths of the document: every implemented operation of the table, path parameters on the path item."""
    paths: dict[str, dict[str, Any]] = {}
    for operation in operations.OPERATIONS:
        if operation.implemented:
            item = paths.setdefault(operation.path, {})
            on_path = [parameter.openapi() for parameter in operation.parameters if parameter.location == "path"]
            if on_path:
                item["parameters"] = on_path
            item[operation.verb.lower()] = _operation(operation)
    return paths


def _operation(operation: Operation) -> dict[str, Any]:
    described: dict[str, Any] = {
        "operationId": operation.operation_id,
        "summary": operation.summary,
        "tags": [operation.tag],
    }
    if not operation.authenticated:
        described["security"] = []
    parameters = [parameter.openapi() for parameter in operation.parameters if parameter.location != "path"]
    if parameters:
        described["parameters"] = parameters
    if operation.request_body is not None:
        described["requestBody"] = operation.request_body
    described["responses"] = dict(operation.responses)
    return described


def undocumented(routes: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (path, method) pairs of ``routes`` this document does not describe (a test keeps it empty)."""
    paths = _operations()
    return [(path, method) for path, method in routes if method.lower() not in paths.get(path, {})]


@cache
def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "sochat: SuperOffice Chat Web API",
            "version": __version__,
            "description": "SuperOffice CRM's chat-session API as sochat serves it. Routes also match with a tenant "
            "prefix (/Cust12345/api/v1/...), any letter case and a trailing slash.",
        },
        "servers": [{"url": "/"}],
        "security": [{"basic": []}, {"bearer": []}, {"soticket": []}],
        "components": {
            "securitySchemes": {
                "basic": {"type": "http", "scheme": "basic"},
                "bearer": {"type": "http", "scheme": "bearer", "description": "8A: access tokens or OIDC JWTs"},
                "soticket": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "SOTicket 7T:... from the login call or `sochat ticket issue`",
                },
            },
            "schemas": _schemas(),
        },
        "paths": _operations(),
    }
