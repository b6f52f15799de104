"""XML bodies the way SuperOffice's Web API writes them, read with a parser that cannot be abused.

Shape: the root element is the type name (``ChatSessionEntity``), one child per property in
declaration order, ``i:nil="true"`` for null, nested carriers as nested elements, flag enums as
space-separated names, and dictionaries (FieldProperties) as repeated
``<FieldPropertyDictionaryKeyValuePair><Key/><Value/></...>`` elements. Input may use SuperOffice's
Services88 namespace or none.

Hostile input is refused before or during parsing, cheaply: no DTD (so no entities, no external
references), no network, libxml2's depth limit of 256 and our body size limit.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from sochat.domain.errors import MalformedBody
from sochat.http.codecs.text import decode_text

NIL_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance"
SERVICES88 = "http://www.superoffice.net/ws/crm/NetServer/Services88"
_NIL = f"{{{NIL_NAMESPACE}}}nil"
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_FORBIDDEN = re.compile(r"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_DICTIONARY_KEYS = {"FieldProperties": "FieldPropertyDictionaryKeyValuePair"}
_MAX_DEPTH = 16


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


def decode(body: bytes, charset: str | None) -> tuple[str, Any]:
    """Parse an XML body into (root element name, plain value). A nil root gives None."""
    text = decode_text(body, charset)
    if _FORBIDDEN.search(text):
        raise MalformedBody("XML bodies must not contain a DTD or entity declarations")
    text = _DECLARATION.sub("", text, count=1)
    if not text.strip():
        return "", None
    try:
        root = etree.fromstring(text.encode("utf-8"), _parser())
    except etree.XMLSyntaxError as exc:
        raise MalformedBody(f"The body is not well-formed XML: {exc}") from None
    return _local(root.tag), _value(root, 0)


def _local(tag: Any) -> str:
    name = str(tag)
    return name.rsplit("}", 1)[1] if name.startswith("{") else name


def _value(element: Any, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        raise MalformedBody(f"The XML body is nested deeper than {_MAX_DEPTH} levels")
    if element.get(_NIL) in ("true", "1"):
        return None
    children = [child for child in element if isinstance(child.tag, str)]
    if not children:
        return element.text or ""
    name = _local(element.tag)
    if name in _DICTIONARY_KEYS:
        return {_text_of(pair, "Key"): _value(_child(pair, "Value"), depth + 1) for pair in children}
    result: dict[str, Any] = {}
    for child in children:
        result[_local(child.tag)] = _value(child, depth + 1)
    return result


def _child(element: Any, name: str) -> Any:
    for child in element:
        if isinstance(child.tag, str) and _local(child.tag) == name:
            return child
    raise MalformedBody(f"<{_local(element.tag)}> has no <{name}> element")


def _text_of(element: Any, name: str) -> str:
    return str(_child(element, name).text or "")


# -- writing ---------------------------------------------------------------------------------------


def encode(root: str, value: Any) -> bytes:
    """Write a plain value (dicts keep their order) as SuperOffice-shaped XML under ``root``."""
    parts: list[str] = ['<?xml version="1.0" encoding="utf-8"?>']
    if value is None:
        parts.append(f'<{root} xmlns:i="{NIL_NAMESPACE}" i:nil="true" />')
    else:
        parts.append(f'<{root} xmlns:i="{NIL_NAMESPACE}">')
        _write_members(parts, value)
        parts.append(f"</{root}>")
    return "".join(parts).encode("utf-8")


def _write_members(parts: list[str], value: dict[str, Any]) -> None:
    for name, member in value.items():
        _write(parts, name, member)


def _write(parts: list[str], name: str, value: Any) -> None:
    if value is None:
        parts.append(f'<{name} i:nil="true" />')
    elif isinstance(value, dict):
        parts.append(f"<{name}>")
        pair = _DICTIONARY_KEYS.get(name)
        if pair is None:
            _write_members(parts, value)
        else:
            for key, item in value.items():
                parts.append(f"<{pair}><Key>{_escape(str(key))}</Key>")
                _write(parts, "Value", item)
                parts.append(f"</{pair}>")
        parts.append(f"</{name}>")
    elif isinstance(value, list):
        parts.append(f"<{name}>")
        for item in value:
            _write(parts, _item_name(item), item)
        parts.append(f"</{name}>")
    elif isinstance(value, bool):
        parts.append(f"<{name}>{'true' if value else 'false'}</{name}>")
    else:
        parts.append(f"<{name}>{_escape(str(value))}</{name}>")


def _item_name(item: Any) -> str:
    if isinstance(item, bool):
        return "boolean"
    if isinstance(item, int):
        return "int"
    return "string" if isinstance(item, str) else "item"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#xD;")
