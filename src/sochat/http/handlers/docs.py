"""/api/openapi.json and /api/docs: the API's description, as data and as a page (self-contained: no external
scripts, styles or fonts). The page has a table of contents, every operation with its parameters and an example
request and answer, the request headers, the enums with their values, and the schemas."""

from __future__ import annotations

from html import escape
from typing import Any

from sochat.domain.enums import (
    ACTIVITY_STATUS,
    CHAT_SESSION_FLAGS,
    CHAT_SESSION_STATUS,
    E_FIELD_RIGHT,
    E_TABLE_RIGHT,
    SALE_STATUS,
    TICKET_BASE_STATUS,
    TICKET_ORIGIN,
    TICKET_READ_STATUS,
    TICKET_SECURITY_LEVEL,
    USER_TYPE,
)
from sochat.http import openapi
from sochat.http.codecs import json as json_codec
from sochat.http.handlers import docs_examples
from sochat.http.handlers.context import Context
from sochat.http.messages import Response


async def openapi_json(ctx: Context) -> Response:
    return Response(200, json_codec.encode(openapi.document()), "application/json; charset=utf-8")


async def docs_page(ctx: Context) -> Response:
    return Response(200, _page(openapi.document()).encode("utf-8"), "text/html; charset=utf-8")


_STYLE = (
    "body{font:15px/1.45 system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem}"
    "code,pre{font:13px ui-monospace,monospace}h2{margin-top:2.2rem;border-bottom:1px solid #ccc}"
    "h3 code{background:#eef;padding:.1rem .4rem;border-radius:.2rem}table{border-collapse:collapse}"
    "td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}"
    "pre{background:#f6f6f6;padding:.5rem;overflow-x:auto;max-height:24rem}nav ol{columns:2}"
    "details{margin:.4rem 0}.id{color:#666;font-size:90%}"
)
# Enums whose values a client may meet, with their numbers (answers carry the names).
_ENUMS = (
    CHAT_SESSION_STATUS,
    CHAT_SESSION_FLAGS,
    E_TABLE_RIGHT,
    E_FIELD_RIGHT,
    USER_TYPE,
    SALE_STATUS,
    ACTIVITY_STATUS,
    TICKET_SECURITY_LEVEL,
    TICKET_BASE_STATUS,
    TICKET_ORIGIN,
    TICKET_READ_STATUS,
)


def operation_anchor(path: str, method: str, operation: dict[str, Any]) -> str:
    """The id of an operation's heading: its operationId, unique in the document."""
    return str(operation.get("operationId") or f"{method}-{path}")


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in doc["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
    ]


def _page(doc: dict[str, Any]) -> str:
    parts = [
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>sochat API</title><style>{_STYLE}</style>",
        "</head><body>",
        f"<h1>{escape(doc['info']['title'])} <small>{escape(doc['info']['version'])}</small></h1>",
        f"<p>{escape(doc['info']['description'])}</p>",
        '<p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1). SuperOffice chat '
        "operations that are not listed here answer 501 naming the method.</p>",
        _contents(doc),
        _headers_section(),
    ]
    examples = docs_examples.examples()
    for path, item in doc["paths"].items():
        parts.append(f"<h2 id={_id('path-' + path)}><code>{escape(path)}</code></h2>")
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method != "parameters":
                parts.append(_operation(path, method, operation, shared, examples.get((path, method))))
    parts.append(_enums_section())
    parts.append(_schemas_section(doc))
    parts.append("</body></html>")
    return "".join(parts)


def _id(text: str) -> str:
    """An HTML id (quoted) from any text: letters, digits, - and _ only."""
    return '"' + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in text) + '"'


def _contents(doc: dict[str, Any]) -> str:
    items = []
    for path, method, operation in _operations(doc):
        anchor = _id(operation_anchor(path, method, operation))[1:-1]
        items.append(
            f'<li><a href="#{anchor}">{method.upper()} {escape(path)}</a> '
            f"<span class=id>{escape(operation.get('summary', ''))}</span></li>"
        )
    return (
        '<nav id="contents"><h2>Contents</h2><ol>'
        + "".join(items)
        + '</ol><p><a href="#headers">Request headers</a> &middot; <a href="#enums">Enums</a> &middot; '
        '<a href="#schemas">Schemas</a></p></nav>'
    )


def _headers_section() -> str:
    rows = "".join(
        f"<tr><td><code>{escape(name)}</code></td><td>{escape(text)}</td></tr>"
        for name, text in openapi.HEADER_DESCRIPTIONS.items()
    )
    return (
        '<h2 id="headers">Request headers</h2><p>Authentication (Authorization, the login cookie with '
        "X-XSRF-TOKEN) is described in docs/authentication.md.</p>"
        f"<table><tr><th>header</th><th>what it does</th></tr>{rows}</table>"
    )


def _operation(
    path: str,
    method: str,
    operation: dict[str, Any],
    shared: list[dict[str, Any]],
    example: docs_examples.Example | None,
) -> str:
    anchor = _id(operation_anchor(path, method, operation))
    parts = [
        f"<h3 id={anchor}><code>{method.upper()}</code> {escape(operation.get('summary', ''))}</h3>",
        f"<p class=id>operationId <b>{escape(str(operation.get('operationId', '')))}</b></p>",
    ]
    parameters = [*shared, *operation.get("parameters", [])]
    if parameters:
        parts.append("<table><tr><th>parameter</th><th>in</th><th>type</th><th>description</th></tr>")
        for parameter in parameters:
            required = " (required)" if parameter.get("required") else ""
            parts.append(
                f"<tr><td><code>{escape(parameter['name'])}</code>{required}</td>"
                f"<td>{escape(parameter['in'])}</td><td><code>{escape(_type_of(parameter.get('schema', {})))}</code>"
                f"</td><td>{escape(parameter.get('description', ''))}</td></tr>"
            )
        parts.append("</table>")
    body = operation.get("requestBody")
    if body:
        parts.append("<p>Body: " + ", ".join(f"<code>{escape(t)}</code>" for t in body["content"]) + "</p>")
    parts.append(
        "<p>Answers: "
        + ", ".join(
            f"<b>{escape(code)}</b> {escape(answer.get('description', ''))}"
            for code, answer in operation["responses"].items()
        )
        + "</p>"
    )
    if example is not None:
        parts.append(
            "<details open><summary>Example</summary>"
            f"<p>Request</p><pre class=request>{escape(example.request)}</pre>"
            f"<p>Answer</p><pre class=answer>{escape(example.answer)}</pre></details>"
        )
    return "".join(parts)


def _enums_section() -> str:
    parts = ['<h2 id="enums">Enums</h2><p>Answers carry the names; input takes names (any case) or numbers.</p>']
    for enum in _ENUMS:
        kind = " (flags: names combine as 'A, B')" if enum.is_flags else ""
        values = ", ".join(f"<code>{escape(name)}</code> {value}" for name, value in enum.members)
        parts.append(f"<h3 id={_id('enum-' + enum.name)}>{escape(enum.name)}{kind}</h3><p>{values}</p>")
    return "".join(parts)


def _schemas_section(doc: dict[str, Any]) -> str:
    parts = ['<h2 id="schemas">Schemas</h2>']
    for name, schema in doc["components"]["schemas"].items():
        properties = schema.get("properties", {})
        parts.append(f"<h3 id={_id('schema-' + name)}><code>{escape(name)}</code></h3>")
        if properties:
            parts.append("<table><tr><th>property</th><th>type</th></tr>")
            for prop, prop_schema in properties.items():
                parts.append(f"<tr><td><code>{escape(prop)}</code></td><td>{_type_html(prop_schema)}</td></tr>")
            parts.append("</table>")
    return "".join(parts)


def _type_html(schema: dict[str, Any]) -> str:
    """The type of a property, with a link to the schema it refers to."""
    text = escape(_type_of(schema))
    ref = _ref_of(schema)
    if ref is not None:
        text = text.replace(escape(ref), f'<a href="#{_id("schema-" + ref)[1:-1]}">{escape(ref)}</a>', 1)
    return f"<code>{text}</code>"


def _ref_of(schema: dict[str, Any]) -> str | None:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    for option in schema.get("oneOf", []) + schema.get("anyOf", []):
        found = _ref_of(option)
        if found is not None:
            return found
    items = schema.get("additionalProperties")
    return _ref_of(items) if isinstance(items, dict) else None


def _type_of(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return " | ".join(_type_of(option) for option in schema[key])
    if "const" in schema:
        return str(schema["const"])
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    kind = schema.get("type", "any")
    text = " | ".join(kind) if isinstance(kind, list) else str(kind)
    if isinstance(schema.get("additionalProperties"), dict) and schema["additionalProperties"]:
        text += " of " + _type_of(schema["additionalProperties"])
    if "maxLength" in schema:
        text += f" (max {schema['maxLength']})"
    if "format" in schema:
        text += f" ({schema['format']})"
    return text
