"""The OpenAPI 3.1 document, generated from the route table and the same field metadata the code
validates and renders with, so the description cannot drift from the behaviour."""

from __future__ import annotations

from functools import cache
from typing import Any

from sochat import __version__
from sochat.domain.carriers import CARRIERS, CarrierType
from sochat.domain.chat_session import FIELDS
from sochat.domain.enums import E_FIELD_RIGHT, E_TABLE_RIGHT
from sochat.domain.fields import INT16_MAX, INT16_MIN, INT32_MAX, INT32_MIN, Field, Kind
from sochat.http.negotiation import REQUEST_FORMATS, RESPONSE_TYPES
from sochat.http.odata import COLUMNS, MAX_TOP

_REF = "#/components/schemas/"
_LOCALE_HEADERS = ("Accept-Language", "SO-Language", "SO-Culture", "SO-TimeZone", "SO-AppToken")
_ERRORS = {
    "400": "A value breaks a rule; the message names the property (or the body is malformed).",
    "401": "Missing or wrong credentials (the same answer whether or not the user exists).",
    "403": "The caller's role does not allow this.",
    "404": "No such route, or (REST, strict mode) no such session.",
    "405": "The route exists but not with this method (see the Allow header).",
    "409": "A JSON Patch test operation failed, or an Idempotency-Key was reused with another body.",
    "412": "If-Match or If-Unmodified-Since did not hold; nothing was saved.",
    "413": "The body is over the size limit.",
    "415": "The Content-Type (or its charset) is not supported.",
    "500": "Unexpected error; the message holds a request id that is also in the log.",
    "503": "The database cannot take the request right now; nothing was saved; retry.",
}


def _scalar(kind: Kind) -> dict[str, Any]:
    schemas: dict[Kind, dict[str, Any]] = {
        Kind.INT32: {"type": "integer", "format": "int32", "minimum": INT32_MIN, "maximum": INT32_MAX},
        Kind.INT16: {"type": "integer", "format": "int16", "minimum": INT16_MIN, "maximum": INT16_MAX},
        Kind.DOUBLE: {"type": "number", "format": "double"},
        Kind.BOOL: {"type": "boolean"},
        Kind.STRING: {"type": ["string", "null"]},
        Kind.DATETIME: {
            "type": "string",
            "description": "ISO 8601 with 7 fractional digits and offset; 0001-01-01T00:00:00 when unset",
        },
        Kind.OPAQUE: {},
    }
    return schemas[kind]


def _field_schema(field: Field) -> dict[str, Any]:
    if field.kind is Kind.LINK:
        return {"oneOf": [{"$ref": _REF + (field.carrier or "")}, {"type": "null"}]}
    if field.enum is not None:
        names = list(field.enum.names)
        if field.enum.is_flags:
            return {"type": "string", "description": f"{field.enum.name} names joined by ', ': {', '.join(names)}"}
        return {"type": "string", "enum": names}
    schema = dict(_scalar(field.kind))
    if field.length:
        schema["maxLength"] = field.length
    return schema


def _carrier_schema(carrier: CarrierType) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for name, kind in carrier.properties:
        enum = carrier.enum_of(name)
        properties[name] = {"type": "string", "enum": list(enum.names)} if enum else _scalar(kind)
    properties["TableRight"] = {"oneOf": [{"$ref": _REF + "TableRight"}, {"type": "null"}]}
    properties["FieldProperties"] = {"type": ["object", "null"]}
    return {"type": "object", "properties": properties}


def _entity_schema(*, with_links: bool) -> dict[str, Any]:
    properties = {field.name: _field_schema(field) for field in FIELDS}
    properties["TableRight"] = {"oneOf": [{"$ref": _REF + "TableRight"}, {"type": "null"}]}
    properties["FieldProperties"] = {
        "type": "object",
        "additionalProperties": {"$ref": _REF + "FieldProperty"},
        "description": "Every property with its right, .NET type and length.",
    }
    if with_links:
        properties["_Links"] = {
            "type": "object",
            "properties": {"Self": {"type": "string"}, "Archive": {"type": "string"}},
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
                "Mask": {"type": "string", "description": "ETableRight: " + ", ".join(E_TABLE_RIGHT.names)},
                "Reason": {"type": "string"},
            },
        },
        "FieldProperty": {
            "type": "object",
            "properties": {
                "FieldRight": {
                    "type": ["object", "null"],
                    "properties": {
                        "Mask": {"type": "string", "description": "EFieldRight: " + ", ".join(E_FIELD_RIGHT.names)},
                        "Reason": {"type": "string"},
                    },
                },
                "FieldType": {"type": "string"},
                "FieldLength": {"type": "integer"},
            },
        },
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
                "value": {"type": "array", "items": {"type": "object"}},
            },
        },
    }
    for carrier in CARRIERS.values():
        schemas[carrier.name] = _carrier_schema(carrier)
    return schemas


def _content(schema_name: str, types: list[str]) -> dict[str, Any]:
    return {media: {"schema": {"$ref": _REF + schema_name}} for media in types}


def _nullable_content(schema_name: str) -> dict[str, Any]:
    schema = {"oneOf": [{"$ref": _REF + schema_name}, {"type": "null"}]}
    return {media: {"schema": schema} for media in RESPONSE_TYPES}


def _request_body(*, required: bool = True) -> dict[str, Any]:
    content: dict[str, Any] = {}
    for media, body_format in REQUEST_FORMATS.items():
        if body_format == "json-patch":
            content[media] = {"schema": {"$ref": _REF + "JsonPatch"}}
        elif body_format == "merge-patch":
            content[media] = {"schema": {"type": "object"}}
        elif body_format == "xml":
            content[media] = {"schema": {"$ref": _REF + "ChatSessionEntityInput"}}
        else:
            content[media] = {"schema": {"$ref": _REF + "ChatSessionEntityInput"}}
    return {"required": required, "content": content}


def _errors(*codes: str) -> dict[str, Any]:
    wanted = codes or tuple(_ERRORS)
    return {
        code: {"description": _ERRORS[code], "content": _content("ErrorBody", list(RESPONSE_TYPES))} for code in wanted
    }


def _query(name: str, schema: dict[str, Any], description: str, *, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


_SELECT = _query("$select", {"type": "string"}, "Comma-separated properties; the others are answered as null.")
_ID_PATH = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "format": "int32"}}
_CONDITIONAL = [
    {
        "name": "If-Match",
        "in": "header",
        "required": False,
        "schema": {"type": "string"},
        "description": "ETag of the version the write expects; 412 otherwise.",
    },
    {"name": "If-Unmodified-Since", "in": "header", "required": False, "schema": {"type": "string"}},
]
_IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 255},
    "description": "Retrying a create with the same key and body answers the first session.",
}
_COMMON_HEADERS = [
    {"name": name, "in": "header", "required": False, "schema": {"type": "string"}} for name in _LOCALE_HEADERS
]


def _entity_answer(*, links: bool = False, nullable: bool = False) -> dict[str, Any]:
    name = "ChatSessionEntityWithLinks" if links else "ChatSessionEntity"
    content = _nullable_content(name) if nullable else _content(name, list(RESPONSE_TYPES))
    return {"200": {"description": "The chat session.", "content": content}}


def _operations() -> dict[str, dict[str, Any]]:
    agents = "/api/v1/Agents/Chat/"
    describe = {
        "200": {
            "description": "A description of the method.",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    }

    def agent(summary: str, post: dict[str, Any]) -> dict[str, Any]:
        return {
            "post": {"summary": summary, "tags": ["Chat agent"], **post},
            "get": {
                "summary": "Describes the method instead of running it.",
                "tags": ["Chat agent"],
                "responses": {**describe, **_errors("401", "500", "503")},
            },
        }

    return {
        agents + "CreateDefaultChatSessionEntity": agent(
            "The default new ChatSessionEntity; nothing is stored.",
            {"responses": {**_entity_answer(), **_errors("401", "403", "500", "503")}},
        ),
        agents + "SaveChatSessionEntity": agent(
            "Create (ChatSessionId 0) or replace a ChatSessionEntity; answers it as stored.",
            {
                "parameters": [*_CONDITIONAL, _IDEMPOTENCY, *_COMMON_HEADERS],
                "requestBody": _request_body(),
                "responses": {**_entity_answer(), **_errors()},
            },
        ),
        agents + "GetChatSessionEntity": agent(
            "One ChatSessionEntity, or null when it does not exist.",
            {
                "parameters": [
                    _query("chatSessionEntityId", {"type": "integer", "format": "int32"}, "The id.", required=True),
                    _SELECT,
                    *_COMMON_HEADERS,
                ],
                "responses": {**_entity_answer(nullable=True), **_errors("400", "401", "403", "500", "503")},
            },
        ),
        agents + "DeleteChatSessionEntity": agent(
            "Delete a ChatSessionEntity.",
            {
                "parameters": [
                    _query("ChatSessionEntityId", {"type": "integer", "format": "int32"}, "The id.", required=True),
                    *_CONDITIONAL,
                ],
                "responses": {
                    "204": {"description": "Deleted (or not stored)."},
                    **_errors("400", "401", "403", "404", "412", "500", "503"),
                },
            },
        ),
        "/api/v1/ChatSession/default": {
            "get": {
                "summary": "The default new ChatSessionEntity.",
                "tags": ["ChatSession"],
                "responses": {**_entity_answer(), **_errors("401", "403", "500", "503")},
            },
        },
        "/api/v1/ChatSession/{id}": {
            "parameters": [_ID_PATH],
            "get": {
                "summary": "One chat session.",
                "tags": ["ChatSession"],
                "parameters": [
                    _SELECT,
                    *_COMMON_HEADERS,
                    {"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"}},
                    {"name": "If-Modified-Since", "in": "header", "required": False, "schema": {"type": "string"}},
                ],
                "responses": {
                    **_entity_answer(links=True),
                    "304": {"description": "Not modified."},
                    **_errors("400", "401", "403", "404", "500", "503"),
                },
            },
            "put": {
                "summary": "Replace a chat session.",
                "tags": ["ChatSession"],
                "parameters": [_SELECT, *_CONDITIONAL, *_COMMON_HEADERS],
                "requestBody": _request_body(),
                "responses": {**_entity_answer(links=True), **_errors()},
            },
            "patch": {
                "summary": "Patch a chat session (JSON Patch or JSON Merge Patch).",
                "tags": ["ChatSession"],
                "parameters": [_SELECT, *_CONDITIONAL, *_COMMON_HEADERS],
                "requestBody": _request_body(),
                "responses": {**_entity_answer(links=True), **_errors()},
            },
            "delete": {
                "summary": "Delete a chat session.",
                "tags": ["ChatSession"],
                "parameters": _CONDITIONAL,
                "responses": {
                    "204": {"description": "Deleted."},
                    **_errors("400", "401", "403", "404", "412", "500", "503"),
                },
            },
        },
        "/api/v1/ChatSession": {
            "get": {
                "summary": "The OData list of chat sessions.",
                "tags": ["ChatSession"],
                "parameters": [
                    _query("$select", {"type": "string"}, "Columns: " + ", ".join(COLUMNS)),
                    _query("$filter", {"type": "string"}, "SuperOffice's archive filter; see docs/api.md."),
                    _query("$orderBy", {"type": "string"}, "col [asc|desc], ..."),
                    _query("$top", {"type": "integer", "minimum": 1, "maximum": MAX_TOP}, "Page size."),
                    _query("$skip", {"type": "integer", "minimum": 0}, "Rows to skip (first page)."),
                    _query("$skiptoken", {"type": "string"}, "From odata.nextLink."),
                    _query("$format", {"type": "string", "enum": ["json", "xml", "JSON", "XML"]}, "Overrides Accept."),
                    *_COMMON_HEADERS,
                ],
                "responses": {
                    "200": {"description": "One page.", "content": _content("ODataSlimResponse", list(RESPONSE_TYPES))},
                    **_errors("400", "401", "403", "500", "503"),
                },
            },
            "post": {
                "summary": "Create a chat session.",
                "tags": ["ChatSession"],
                "parameters": [_SELECT, _IDEMPOTENCY, *_CONDITIONAL, *_COMMON_HEADERS],
                "requestBody": _request_body(),
                "responses": {**_entity_answer(links=True), **_errors()},
            },
        },
        "/api/v1/Authentication/Login": {
            "post": {
                "summary": "Sign in: answers a SOTicket and sets the SOCHAT_SESSION and XSRF-TOKEN cookies.",
                "tags": ["Authentication"],
                "security": [],
                "requestBody": {
                    "required": True,
                    "content": {
                        media: {
                            "schema": {
                                "type": "object",
                                "properties": {"Username": {"type": "string"}, "Password": {"type": "string"}},
                            }
                        }
                        for media in ("application/json", "application/x-www-form-urlencoded")
                    },
                },
                "responses": {
                    "200": {
                        "description": "Signed in.",
                        "content": {
                            media: {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "Ticket": {"type": "string"},
                                        "AssociateId": {"type": "integer"},
                                        "UserName": {"type": "string"},
                                        "IdleMinutes": {"type": "integer"},
                                    },
                                }
                            }
                            for media in RESPONSE_TYPES
                        },
                    },
                    **_errors("400", "401", "403", "415", "500", "503"),
                },
            }
        },
        "/api/v1/Authentication/Logout": {
            "post": {
                "summary": "Revoke the credential this request used and clear the cookies.",
                "tags": ["Authentication"],
                "responses": {"204": {"description": "Signed out."}, **_errors("401", "500", "503")},
            }
        },
        "/api/v1/oauth/token": {
            "post": {
                "summary": "OAuth 2 token endpoint: grant_type password or client_credentials.",
                "tags": ["Authentication"],
                "security": [],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    name: {"type": "string"}
                                    for name in ("grant_type", "username", "password", "client_id", "client_secret")
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "An access token.",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "access_token": {"type": "string"},
                                        "token_type": {"type": "string"},
                                        "expires_in": {"type": "integer"},
                                    },
                                }
                            }
                        },
                    },
                    **_errors("400", "401", "415", "500", "503"),
                },
            }
        },
        "/api/openapi.json": {
            "get": {
                "summary": "This document.",
                "tags": ["Docs"],
                "security": [],
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
        "/api/docs": {
            "get": {
                "summary": "This document as a web page.",
                "tags": ["Docs"],
                "security": [],
                "responses": {"200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}},
            }
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics (text exposition format).",
                "tags": ["Health"],
                "security": [],
                "responses": {
                    "200": {"description": "Metrics.", "content": {"text/plain": {"schema": {"type": "string"}}}},
                    **_errors("503"),
                },
            }
        },
        "/health/live": {
            "get": {
                "summary": "Liveness.",
                "tags": ["Health"],
                "security": [],
                "responses": {
                    "200": {"description": "Live.", "content": {"application/json": {"schema": {"type": "object"}}}}
                },
            }
        },
        "/health/ready": {
            "get": {
                "summary": "Readiness: the database answers.",
                "tags": ["Health"],
                "security": [],
                "responses": {
                    "200": {"description": "Ready.", "content": {"application/json": {"schema": {"type": "object"}}}},
                    **_errors("503"),
                },
            }
        },
    }


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
