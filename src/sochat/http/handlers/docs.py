"""/api/openapi.json and /api/docs: the API's description, as data and as a page (no external scripts)."""

from __future__ import annotations

from html import escape
from typing import Any

from sochat.http import openapi
from sochat.http.codecs import json as json_codec
from sochat.http.handlers.context import Context
from sochat.http.messages import Response


async def openapi_json(ctx: Context) -> Response:
    return Response(200, json_codec.encode(openapi.document()), "application/json; charset=utf-8")


async def docs_page(ctx: Context) -> Response:
    return Response(200, _page(openapi.document()).encode("utf-8"), "text/html; charset=utf-8")


def _page(doc: dict[str, Any]) -> str:
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>sochat API</title><style>",
        "body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}",
        "code,pre{font:13px ui-monospace,monospace}h2{margin-top:2.2rem;border-bottom:1px solid #ccc}",
        "h3 code{background:#eef;padding:.1rem .4rem;border-radius:.2rem}table{border-collapse:collapse}",
        "td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}",
        "</style></head><body>",
        f"<h1>{escape(doc['info']['title'])} <small>{escape(doc['info']['version'])}</small></h1>",
        f"<p>{escape(doc['info']['description'])}</p>",
        '<p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).</p>',
    ]
    for path, item in doc["paths"].items():
        parts.append(f"<h2><code>{escape(path)}</code></h2>")
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method == "parameters":
                continue
            parts.append(f"<h3><code>{method.upper()}</code> {escape(operation.get('summary', ''))}</h3>")
            parameters = [*shared, *operation.get("parameters", [])]
            if parameters:
                parts.append("<table><tr><th>parameter</th><th>in</th><th>description</th></tr>")
                for parameter in parameters:
                    required = " (required)" if parameter.get("required") else ""
                    parts.append(
                        f"<tr><td><code>{escape(parameter['name'])}</code>{required}</td>"
                        f"<td>{escape(parameter['in'])}</td><td>{escape(parameter.get('description', ''))}</td></tr>"
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
    parts.append("<h2>Schemas</h2>")
    for name, schema in doc["components"]["schemas"].items():
        properties = schema.get("properties", {})
        parts.append(f"<h3><code>{escape(name)}</code></h3>")
        if properties:
            parts.append("<table><tr><th>property</th><th>type</th></tr>")
            for prop, prop_schema in properties.items():
                parts.append(
                    f"<tr><td><code>{escape(prop)}</code></td><td><code>{escape(_type_of(prop_schema))}</code></td></tr>"
                )
            parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)


def _type_of(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "oneOf" in schema:
        return " | ".join(_type_of(option) for option in schema["oneOf"])
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    kind = schema.get("type", "any")
    text = " | ".join(kind) if isinstance(kind, list) else str(kind)
    if "maxLength" in schema:
        text += f" (max {schema['maxLength']})"
    if "format" in schema:
        text += f" ({schema['format']})"
    return text
