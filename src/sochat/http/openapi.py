"""The OpenAPI 3.1 document, generated from the route table and the same field metadata the code
validates and renders with, so the description cannot drift from the behaviour."""

from __future__ import annotations

from functools import cache
from typing import Any

from sochat import __version__
from sochat.domain.carriers import CARRIERS, CarrierType
from sochat.domain.chat_session import FIELDS
from sochat.domain.enums import E_FIELD_RIGHT, E_TABLE_RIGHT, EnumType
from sochat.domain.fields import INT16_MAX, INT16_MIN, INT32_MAX, INT32_MIN, Field, Kind
from sochat.http.negotiation import REQUEST_FORMATS, RESPONSE_TYPES
from sochat.http.odata import COLUMNS, MAX_TOP

_REF = "#/components/schemas/"
_LOCALE_HEADERS = ("Accept-Language", "SO-Language", "SO-Culture", "SO-TimeZone", "SO-AppToken")
UNSET_DATE = "0001-01-01T00:00:00"
# What each request header does here; the same text is shown on /api/docs.
HEADER_DESCRIPTIONS = {
    "Accept-Language": "The answer's language when SO-Language is absent: the highest-q language sochat has texts "
    "for resolves [SR_...] references and multi-language values (* or x: leave them as they are).",
    "SO-Language": "The answer's language (iso2 such as en, nb, sv, de); wins over Accept-Language.",
    "SO-Culture": "How numbers and dates look where sochat writes them as text (e.g. $output=Display); "
    "defaults to the language.",
    "SO-TimeZone": "The zone every date-time in the answer is written in and a date-time without offset is read "
    "in: SuperOffice codes (NO, US-NY), numeric ids (261) or IANA names; append ', includeTZOffset' as "
    "SuperOffice does. Default: the server's base zone.",
    "SO-AppToken": "The calling application's token (SuperOffice Online's client secret). An empty header counts "
    "as absent; see docs/authentication.md for registered and unregistered tokens.",
    "If-Match": 'ETag of the version the write expects ("<id>.<version>"); 412 and nothing saved otherwise. '
    "* means: only if the session exists.",
    "If-None-Match": "ETag(s) the client holds; 304 without a body while the session is unchanged.",
    "If-Unmodified-Since": "HTTP date; 412 and nothing saved when the session was written after it.",
    "If-Modified-Since": "HTTP date; 304 without a body when the session was not written after it.",
    "Idempotency-Key": "1 to 255 characters. A create retried with the same key and body answers the first "
    "session (Idempotent-Replayed: true); the same key with another body is a 409. Kept 24 hours.",
}
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


def _date_time() -> dict[str, Any]:
    """SuperOffice's date-time, plus the one value .NET writes without an offset: the unset date."""
    return {
        "anyOf": [{"type": "string", "format": "date-time"}, {"const": UNSET_DATE}],
        "description": f"ISO 8601 with 7 fractional digits and the offset; {UNSET_DATE} (no offset) when unset",
    }


def _scalar(kind: Kind) -> dict[str, Any]:
    schemas: dict[Kind, dict[str, Any]] = {
        Kind.INT32: {"type": "integer", "format": "int32", "minimum": INT32_MIN, "maximum": INT32_MAX},
        # A short in SuperOffice's database, published as int32 in its Swagger (as typed clients read it).
        Kind.INT16: {"type": "integer", "format": "int32", "minimum": INT16_MIN, "maximum": INT16_MAX},
        Kind.DOUBLE: {"type": "number", "format": "double"},
        Kind.BOOL: {"type": "boolean"},
        # "" for no text; null only when $select leaves the property out (decision 18).
        Kind.STRING: {"type": ["string", "null"]},
        Kind.DATETIME: _date_time(),
        Kind.OPAQUE: {},
    }
    return schemas[kind]


def _enum_schema(enum: EnumType) -> dict[str, Any]:
    kind = "flags: a member name, or names joined by ', '" if enum.is_flags else "an enum name"
    return {"type": "string", "enum": list(enum.names), "description": f"{enum.name}: {kind}"}


def _nullable_ref(name: str) -> dict[str, Any]:
    return {"oneOf": [{"$ref": _REF + name}, {"type": "null"}]}


_STRING_DICTIONARY = {"type": ["object", "null"], "additionalProperties": {"type": "string"}}
# Carrier members that sochat passes through without interpreting, typed as SuperOffice's Swagger types them.
_OPAQUE_MEMBERS: dict[str, dict[str, Any]] = {
    "Address": _nullable_ref("Address"),
    "ExtraFields": _STRING_DICTIONARY,
    "CustomFields": _STRING_DICTIONARY,
}
_FIELD_PROPERTIES = {
    "type": ["object", "null"],
    "additionalProperties": {"$ref": _REF + "FieldProperty"},
    "description": "Every property with its right, .NET type and length.",
}


def _field_schema(field: Field) -> dict[str, Any]:
    if field.kind is Kind.LINK:
        return _nullable_ref(field.carrier or "")
    if field.enum is not None:
        return _enum_schema(field.enum)
    schema = dict(_scalar(field.kind))
    if field.length:
        schema["maxLength"] = field.length
    return schema


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
    properties = {field.name: _field_schema(field) for field in FIELDS}
    properties["TableRight"] = _nullable_ref("TableRight")
    properties["FieldProperties"] = _FIELD_PROPERTIES
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


_SELECT = _query(
    "$select",
    {"type": "string"},
    "Comma-separated properties (User/FullName for one member of a carrier); the others are cleared: null for "
    "strings and carriers, the type's default for numbers, booleans, dates and enums.",
)
_ID_PATH = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "format": "int32"},
    "description": "ChatSessionId.",
}


def _header(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if name == "Idempotency-Key":
        schema["maxLength"] = 255
    return {"name": name, "in": "header", "required": False, "schema": schema, "description": HEADER_DESCRIPTIONS[name]}


_CONDITIONAL = [_header("If-Match"), _header("If-Unmodified-Since")]
_IDEMPOTENCY = _header("Idempotency-Key")
_APP_TOKEN = _header("SO-AppToken")
_COMMON_HEADERS = [_header(name) for name in _LOCALE_HEADERS]


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

    def agent(method: str, summary: str, post: dict[str, Any]) -> dict[str, Any]:
        return {
            "post": {"operationId": f"v1ChatAgent_{method}", "summary": summary, "tags": ["Chat agent"], **post},
            "get": {
                "operationId": f"sochat_Describe{method}",
                "summary": "Describes the method instead of running it.",
                "tags": ["Chat agent"],
                "responses": {**describe, **_errors("401", "500", "503")},
            },
        }

    return {
        agents + "CreateDefaultChatSessionEntity": agent(
            "CreateDefaultChatSessionEntity",
            "The default new ChatSessionEntity; nothing is stored.",
            {
                "parameters": _COMMON_HEADERS,
                "responses": {**_entity_answer(), **_errors("400", "401", "403", "500", "503")},
            },
        ),
        agents + "SaveChatSessionEntity": agent(
            "SaveChatSessionEntity",
            "Create (ChatSessionId 0) or replace a ChatSessionEntity; answers it as stored.",
            {
                "parameters": [*_CONDITIONAL, _IDEMPOTENCY, *_COMMON_HEADERS],
                "requestBody": _request_body(),
                "responses": {**_entity_answer(), **_errors()},
            },
        ),
        agents + "GetChatSessionEntity": agent(
            "GetChatSessionEntity",
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
            "DeleteChatSessionEntity",
            "Delete a ChatSessionEntity.",
            {
                "parameters": [
                    _query("chatSessionEntityId", {"type": "integer", "format": "int32"}, "The id.", required=True),
                    *_CONDITIONAL,
                    _APP_TOKEN,
                ],
                "responses": {
                    "204": {"description": "Deleted (or not stored)."},
                    **_errors("400", "401", "403", "404", "412", "500", "503"),
                },
            },
        ),
        "/api/v1/ChatSession/default": {
            "get": {
                "operationId": "v1ChatSessionEntity_DefaultChatSessionEntity",
                "summary": "The default new ChatSessionEntity.",
                "tags": ["ChatSession"],
                "parameters": _COMMON_HEADERS,
                "responses": {**_entity_answer(), **_errors("400", "401", "403", "500", "503")},
            },
        },
        "/api/v1/ChatSession/{id}": {
            "parameters": [_ID_PATH],
            "get": {
                "operationId": "v1ChatSessionEntity_GetChatSessionEntity",
                "summary": "One chat session.",
                "tags": ["ChatSession"],
                "parameters": [_SELECT, *_COMMON_HEADERS, _header("If-None-Match"), _header("If-Modified-Since")],
                "responses": {
                    **_entity_answer(links=True),
                    "304": {"description": "Not modified."},
                    **_errors("400", "401", "403", "404", "500", "503"),
                },
            },
            "put": {
                "operationId": "v1ChatSessionEntity_PutChatSessionEntity",
                "summary": "Replace a chat session.",
                "tags": ["ChatSession"],
                "parameters": [_SELECT, *_CONDITIONAL, *_COMMON_HEADERS],
                "requestBody": _request_body(),
                "responses": {**_entity_answer(links=True), **_errors()},
            },
            "patch": {
                "operationId": "v1ChatSessionEntity_PatchChatSessionEntity",
                "summary": "Patch a chat session (JSON Patch or JSON Merge Patch).",
                "tags": ["ChatSession"],
                "parameters": [_SELECT, *_CONDITIONAL, *_COMMON_HEADERS],
                "requestBody": _request_body(),
                "responses": {**_entity_answer(links=True), **_errors()},
            },
            "delete": {
                "operationId": "v1ChatSessionEntity_DeleteChatSessionEntity",
                "summary": "Delete a chat session.",
                "tags": ["ChatSession"],
                "parameters": [*_CONDITIONAL, _APP_TOKEN],
                "responses": {
                    "204": {"description": "Deleted."},
                    **_errors("400", "401", "403", "404", "412", "500", "503"),
                },
            },
        },
        "/api/v1/ChatSession": {
            "get": {
                "operationId": "v1ChatSessionEntity_GetAll",
                "summary": "The OData list of chat sessions.",
                "tags": ["ChatSession"],
                "parameters": [
                    _query("$select", {"type": "string"}, "Columns: " + ", ".join(COLUMNS)),
                    _query("$filter", {"type": "string"}, "SuperOffice's archive filter; see docs/api.md."),
                    _query("$orderBy", {"type": "string"}, "col [asc|desc], ..."),
                    _query("$entities", {"type": "string"}, "Accepted; the only entity of this archive is chat."),
                    _query(
                        "$top", {"type": "integer", "format": "int32", "minimum": 1, "maximum": MAX_TOP}, "Page size."
                    ),
                    _query("$skip", {"type": "integer", "format": "int32", "minimum": 0}, "Rows to skip (first page)."),
                    _query(
                        "$mode",
                        {"type": "string", "enum": ["Slim", "Wide", "Full"]},
                        "Any case; every mode answers the same rows here. Another value is a 400.",
                    ),
                    _query("$options", {"type": "string"}, "Accepted and ignored."),
                    _query("$context", {"type": "string"}, "Accepted and ignored."),
                    _query(
                        "$format",
                        {"type": "string"},
                        "json or xml, any case: overrides Accept; another value is a 400.",
                    ),
                    _query("$jsonSafe", {"type": "boolean"}, "Accepted; every number sochat answers is an int32."),
                    _query(
                        "$output",
                        {"type": "string", "enum": ["Logical", "Display"]},
                        "Display writes every value as text formatted for SO-Culture.",
                    ),
                    _query("$skiptoken", {"type": "string"}, "From odata.nextLink."),
                    *_COMMON_HEADERS,
                ],
                "responses": {
                    "200": {"description": "One page.", "content": _content("ODataSlimResponse", list(RESPONSE_TYPES))},
                    **_errors("400", "401", "403", "500", "503"),
                },
            },
            "post": {
                "operationId": "v1ChatSessionEntity_PostChatSessionEntity",
                "summary": "Create a chat session.",
                "tags": ["ChatSession"],
                "parameters": [_SELECT, _IDEMPOTENCY, *_CONDITIONAL, *_COMMON_HEADERS],
                "requestBody": _request_body(),
                "responses": {**_entity_answer(links=True), **_errors()},
            },
        },
        "/api/v1/Authentication/Login": {
            "post": {
                "operationId": "sochat_Login",
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
                "operationId": "sochat_Logout",
                "summary": "Revoke the credential this request used and clear the cookies.",
                "tags": ["Authentication"],
                "responses": {"204": {"description": "Signed out."}, **_errors("401", "500", "503")},
            }
        },
        "/api/v1/oauth/token": {
            "post": {
                "operationId": "sochat_OAuthToken",
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
                "operationId": "sochat_OpenApi",
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
                "operationId": "sochat_Docs",
                "summary": "This document as a web page.",
                "tags": ["Docs"],
                "security": [],
                "responses": {"200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}},
            }
        },
        "/metrics": {
            "get": {
                "operationId": "sochat_Metrics",
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
                "operationId": "sochat_Live",
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
                "operationId": "sochat_Ready",
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
