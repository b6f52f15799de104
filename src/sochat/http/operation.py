"""What one operation of the API declares, and the pieces its declarations are made of.

The table of every operation is in sochat.http.operations; routes (sochat.http.routes) and the OpenAPI document
(sochat.http.openapi) are generated from it. This module holds the vocabulary: Parameter, Answer, Operation,
the shared parameters and answers, and the generic glue that reads an agent method's scalar parameters.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sochat.domain.errors import InvalidInput
from sochat.http.formats import decode_body
from sochat.http.handlers.context import Context, Handler, int32_text
from sochat.http.handlers.planned import not_implemented
from sochat.http.messages import Response
from sochat.http.negotiation import REQUEST_FORMATS, RESPONSE_TYPES

REF = "#/components/schemas/"
INT32: Mapping[str, Any] = {"type": "integer", "format": "int32"}
_LOCALE_HEADERS = ("Accept-Language", "SO-Language", "SO-Culture", "SO-TimeZone", "SO-AppToken")
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


@dataclass(frozen=True, slots=True)
class Parameter:
    """One query, path or header parameter. ``body=True`` (agent methods' scalar parameters, decision 20): the
    value may also come as a member of a body object ``{Name: value}``, named in any case, in every body format."""

    name: str
    location: Literal["query", "path", "header"]
    schema: Mapping[str, Any]
    description: str
    required: bool = False
    body: bool = False

    def openapi(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "in": self.location,
            "required": self.required,
            "schema": dict(self.schema),
            "description": self.description,
        }


def query(name: str, schema: Mapping[str, Any], description: str, *, required: bool = False) -> Parameter:
    return Parameter(name, "query", schema, description, required)


def header(name: str) -> Parameter:
    schema: dict[str, Any] = {"type": "string"}
    if name == "Idempotency-Key":
        schema["maxLength"] = 255
    return Parameter(name, "header", schema, HEADER_DESCRIPTIONS[name])


def agent_int32(name: str, description: str) -> Parameter:
    """A required int32 of an agent method: ``?name=5`` or a body ``{"Name": 5}`` (decision 20)."""
    return Parameter(name, "query", INT32, description, required=True, body=True)


SELECT = query(
    "$select",
    {"type": "string"},
    "Comma-separated properties (User/FullName for one member of a carrier); the others are cleared: null for "
    "strings and carriers, the type's default for numbers, booleans, dates and enums.",
)
ID_PATH = Parameter("id", "path", INT32, "ChatSessionId.", required=True)
CONDITIONAL = (header("If-Match"), header("If-Unmodified-Since"))
IDEMPOTENCY = header("Idempotency-Key")
APP_TOKEN = header("SO-AppToken")
COMMON_HEADERS = tuple(header(name) for name in _LOCALE_HEADERS)


def content(schema_name: str, types: list[str]) -> dict[str, Any]:
    return {media: {"schema": {"$ref": REF + schema_name}} for media in types}


def _nullable_content(schema_name: str) -> dict[str, Any]:
    schema = {"oneOf": [{"$ref": REF + schema_name}, {"type": "null"}]}
    return {media: {"schema": schema} for media in RESPONSE_TYPES}


def entity_body(*, required: bool = True, name: str = "ChatSessionEntityInput") -> dict[str, Any]:
    """An entity (the schema ``name``; where a patch is read, a patch for one) in each of the seven request
    types."""
    body_content: dict[str, Any] = {}
    for media, body_format in REQUEST_FORMATS.items():
        if body_format == "json-patch":
            body_content[media] = {"schema": {"$ref": REF + "JsonPatch"}}
        elif body_format == "merge-patch":
            body_content[media] = {"schema": {"type": "object"}}
        else:
            body_content[media] = {"schema": {"$ref": REF + name}}
    return {"required": required, "content": body_content}


def errors(*codes: str) -> dict[str, Any]:
    """The documented error answers (SuperOffice's error body); all of them when no code is named."""
    wanted = codes or tuple(_ERRORS)
    return {
        code: {"description": _ERRORS[code], "content": content("ErrorBody", list(RESPONSE_TYPES))} for code in wanted
    }


def entity_answer(
    *, links: bool = False, nullable: bool = False, name: str = "ChatSessionEntity", what: str = "The chat session."
) -> dict[str, Any]:
    name = name + "WithLinks" if links else name
    answer = _nullable_content(name) if nullable else content(name, list(RESPONSE_TYPES))
    return {"200": {"description": what, "content": answer}}


def no_content_answer(description: str) -> dict[str, Any]:
    return {"204": {"description": description}}


def object_answer(description: str, properties: Mapping[str, Any], types: list[str]) -> dict[str, Any]:
    schema = {"type": "object", "properties": dict(properties)}
    return {"200": {"description": description, "content": {media: {"schema": schema} for media in types}}}


def typed_answer(description: str, media_type: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    return {"200": {"description": description, "content": {media_type: {"schema": dict(schema)}}}}


@dataclass(frozen=True, slots=True)
class Operation:
    """One (verb, path) of the API, declared once: what serves it and how the document describes it.

    ``operation_id`` is SuperOffice's where the operation is one of SuperOffice's (``v1ChatAgent_<Method>``,
    ``v1ChatSessionEntity_<Name>``), ``sochat_<Name>`` for sochat's own. ``rights`` says what the caller's role
    needs (checked by the agent the handler calls; stated here so the table is the one place to read it).
    ``implemented=False``: one of SuperOffice's operations that sochat does not serve yet (501); it is routed, so
    its literal segments are never read as ``{id}``, and left out of the document.
    """

    verb: str
    path: str
    operation_id: str
    summary: str
    tag: str
    handler: Handler
    parameters: tuple[Parameter, ...] = ()
    request_body: Mapping[str, Any] | None = None
    responses: Mapping[str, Any] = field(default_factory=dict)
    rights: str = ""
    authenticated: bool = True
    implemented: bool = True
    # The route's one-line description (the text an agent URL answers to GET); the summary when empty.
    description: str = ""


# An agent method's scalar parameters once read: {declared name: value}.
Arguments = dict[str, int]
# An agent method's handler: the use case's value for the method's Result to write.
AgentCall = Callable[[Context, Arguments], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Result:
    """What an agent method answers: how the glue writes the use case's value, and how the document describes
    the success answer (the error answers are listed with the method)."""

    responses: Mapping[str, Any]
    write: Callable[[Context, Any], Response]


_AGENTS = "/api/v1/Agents/Chat/"
_TAG = "Chat agent"
_DESCRIBE_ANSWER = {
    "200": {"description": "A description of the method.", "content": {"text/plain": {"schema": {"type": "string"}}}}
}


def agent_method(
    method: str,
    *,
    summary: str,
    description: str,
    call: AgentCall,
    parameters: tuple[Parameter, ...] = (),
    request_body: Mapping[str, Any] | None = None,
    result: Result,
    error_answers: Mapping[str, Any],
    rights: str,
) -> tuple[Operation, Operation]:
    """A method of SuperOffice's Chat agent: POST runs it (``v1ChatAgent_<method>``), GET describes it."""
    path = _AGENTS + method
    scalars = tuple(parameter for parameter in parameters if parameter.body)
    run = Operation(
        "POST",
        path,
        f"v1ChatAgent_{method}",
        summary,
        _TAG,
        _glue(method, scalars, call, result),
        parameters,
        request_body,
        {**result.responses, **error_answers},
        rights,
        description=description,
    )
    return run, _describe(method, path, f"POST {path}\n\n{description}\n")


def planned_agent_method(method: str) -> tuple[Operation, Operation]:
    """An agent method of SuperOffice's that sochat does not serve yet: POST is a 501 naming it."""
    path = _AGENTS + method
    description = f"{method}: not implemented yet (501)."
    text = f"POST {path}\n\n{method}: part of SuperOffice's Chat agent; not implemented by sochat yet (501).\n"
    run = Operation(
        "POST",
        path,
        f"v1ChatAgent_{method}",
        description,
        _TAG,
        not_implemented(method, "ChatAgent"),
        implemented=False,
    )
    return run, _describe(method, path, text, implemented=False)


def planned_rest(path: str, methods: Mapping[str, str]) -> tuple[Operation, ...]:
    """SuperOffice REST operations on ``path`` that sochat does not serve yet: {verb: operation name}."""
    source = path.split("/")[3]  # ChatSession or ChatTopic
    description = ", ".join(methods.values()) + ": not implemented yet (501)."
    return tuple(
        Operation(
            verb,
            path,
            f"v1{source}Entity_{name}",
            description,
            source,
            not_implemented(name, source),
            implemented=False,
            description=description,
        )
        for verb, name in methods.items()
    )


def _describe(method: str, path: str, text: str, *, implemented: bool = True) -> Operation:
    async def handler(ctx: Context) -> Response:
        return Response(200, text.encode("utf-8"), "text/plain; charset=utf-8")

    return Operation(
        "GET",
        path,
        f"sochat_Describe{method}",
        "Describes the method instead of running it.",
        _TAG,
        handler,
        responses={**_DESCRIBE_ANSWER, **errors("401", "500", "503")},
        implemented=implemented,
    )


def _glue(method: str, scalars: tuple[Parameter, ...], call: AgentCall, result: Result) -> Handler:
    """The handler of an agent method: read its scalar parameters, run it, write its result."""

    async def handler(ctx: Context) -> Response:
        return result.write(ctx, await call(ctx, read_arguments(ctx, method, scalars)))

    return handler


def read_arguments(ctx: Context, method: str, scalars: tuple[Parameter, ...]) -> Arguments:
    """Each scalar parameter from the query string or, when the query does not name it, from a body object
    ``{Name: value}`` (names in any case; JSON, XML with root <method>, or form keys). The query wins."""
    query_values = ctx.request.query
    if not scalars or all(parameter.name.lower() in query_values for parameter in scalars):
        return {
            parameter.name: int32_text(query_values.get(parameter.name.lower()), parameter.name)
            for parameter in scalars
        }
    members = _body_members(ctx, method, frozenset(parameter.name.lower() for parameter in scalars))
    arguments: Arguments = {}
    for parameter in scalars:
        key = parameter.name.lower()
        text = query_values[key] if key in query_values else _member_text(members.get(key), parameter.name)
        arguments[parameter.name] = int32_text(text, parameter.name)
    return arguments


def _body_members(ctx: Context, method: str, names: frozenset[str]) -> dict[str, Any]:
    if not ctx.request.body.strip():
        return {}
    value = decode_body(ctx.request.body, ctx.request.headers.get("content-type"), method, names).value
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(f"The body of {method} must be an object {{Name: value}}", property_name="body")
    return {str(name).lower(): member for name, member in value.items()}


def _member_text(value: object, name: str) -> str | None:
    """A body member as the text an int32 is read from: JSON numbers, and XML or form text."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidInput(f"{name} must be an int32 number", property_name=name)
    return str(value)
