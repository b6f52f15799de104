"""Request bodies in each of the five request formats, written by the tests themselves (not by sochat's
codecs), from a JSON-shaped entity: JSON, XML, form, JSON Patch (RFC 6902) and Merge Patch (RFC 7396).

With ``keep_id`` the patch formats address a stored session: a JSON Patch tests a non-zero ChatSessionId first,
and both patches carry every property, the id included. Without it they turn the default new entity into the
given one, so ChatSessionId is left out.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape

SERVICES88 = "http://www.superoffice.net/ws/crm/NetServer/Services88"  # SuperOffice's XML namespace
XSI = "http://www.w3.org/2001/XMLSchema-instance"  # i:nil
ENTITY_ROOT = "ChatSessionEntity"

JSON_TYPES = ("application/json", "text/json")
XML_TYPES = ("application/xml", "text/xml")
FORM = "application/x-www-form-urlencoded"
JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
# The seven Content-Types a body may have, five formats.
REQUEST_TYPES = (*JSON_TYPES, *XML_TYPES, FORM, JSON_PATCH, MERGE_PATCH)


def json_body(entity: dict[str, Any]) -> bytes:
    return json.dumps(entity).encode("utf-8")


def _xml_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def _xml_members(entity: dict[str, Any]) -> str:
    parts = []
    for name, value in entity.items():
        if value is None:
            parts.append(f'<{name} i:nil="true"/>')
        elif isinstance(value, dict):
            parts.append(f"<{name}>{_xml_members(value)}</{name}>")
        else:
            parts.append(f"<{name}>{_xml_text(value)}</{name}>")
    return "".join(parts)


def xml(
    entity: dict[str, Any], *, namespace: str | None = None, encoding: str = "utf-8", root: str = ENTITY_ROOT
) -> bytes:
    """An entity's XML document (a ChatSessionEntity unless ``root`` names another) as SuperOffice writes one
    (optionally in the Services88 namespace)."""
    default_ns = f' xmlns="{namespace}"' if namespace else ""
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        f'<{root}{default_ns} xmlns:i="{XSI}">{_xml_members(entity)}</{root}>'
    )
    return text.encode(encoding)


def _flatten(prefix: str, value: Any, out: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for name, member in value.items():
            _flatten(f"{prefix}.{name}" if prefix else name, member, out)
    elif value is None:
        out.append((prefix, ""))
    elif isinstance(value, bool):
        out.append((prefix, "true" if value else "false"))
    else:
        out.append((prefix, str(value)))


def form_pairs(entity: dict[str, Any]) -> list[tuple[str, str]]:
    """The form fields of an entity: dotted keys for nested carriers, empty value for null."""
    out: list[tuple[str, str]] = []
    _flatten("", entity, out)
    return out


def form(entity: dict[str, Any], *, encoding: str = "utf-8") -> bytes:
    """An application/x-www-form-urlencoded body (User.AssociateId=1 style keys)."""
    return urlencode(form_pairs(entity), encoding=encoding).encode("ascii")


def json_patch(entity: dict[str, Any], *, keep_id: bool = False) -> bytes:
    """An RFC 6902 patch: one replace per property (see the module docstring for ``keep_id``)."""
    ops: list[dict[str, Any]] = []
    if keep_id and entity.get("ChatSessionId"):
        ops.append({"op": "test", "path": "/ChatSessionId", "value": entity["ChatSessionId"]})
    ops += [
        {"op": "replace", "path": f"/{name}", "value": value}
        for name, value in entity.items()
        if keep_id or name != "ChatSessionId"
    ]
    return json.dumps(ops).encode("utf-8")


def merge_patch(entity: dict[str, Any], *, keep_id: bool = False) -> bytes:
    """An RFC 7396 patch (see the module docstring for ``keep_id``)."""
    return json.dumps({k: v for k, v in entity.items() if keep_id or k != "ChatSessionId"}).encode("utf-8")


def body(
    entity: dict[str, Any],
    content_type: str,
    *,
    namespace: str | None = None,
    keep_id: bool = False,
    root: str = ENTITY_ROOT,
) -> bytes:
    """``entity`` written in the format a request Content-Type names (XML: with the root element ``root``)."""
    if content_type in JSON_TYPES:
        return json_body(entity)
    if content_type in XML_TYPES:
        return xml(entity, namespace=namespace, root=root)
    if content_type == FORM:
        return form(entity)
    if content_type == JSON_PATCH:
        return json_patch(entity, keep_id=keep_id)
    if content_type == MERGE_PATCH:
        return merge_patch(entity, keep_id=keep_id)
    raise AssertionError(f"no writer for {content_type}")
