"""XML bodies the way SuperOffice's Web API writes them, read with a parser that cannot be abused.

Shape: the root element is the type name (``ChatSessionEntity``), one child per property in
declaration order, ``i:nil="true"`` for null, nested carriers as nested elements, flag enums as
space-separated names, and dictionaries (FieldProperties) as repeated
``<FieldPropertyDictionaryKeyValuePair><Key/><Value/></...>`` elements. Input may use SuperOffice's
Services88 namespace or none.

Given the Struct a body or answer holds (``shape``), names follow its declaration as .NET's DataContractSerializer
writes them: an array's items are elements named after the item type (``<ChatTopics><int>1</int></ChatTopics>``,
``<Messages><ChatMessage>...``; a whole answer that is an array has the root ``ArrayOfChatMessage``/``ArrayOfint``),
a dictionary's pairs are ``<TimeZoneRuleKeyValuePair>``, and reading knows which elements are arrays (one item
or none is still an array) and which are objects (``<Widget/>`` is an object with its defaults).

Hostile input is refused before or during parsing, cheaply: no DTD (so no entities, no external
references), no network, libxml2's depth limit of 256 and our body size limit.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from lxml import etree

from sochat.domain.errors import MalformedBody
from sochat.domain.fields import Field, Kind, field_by_lower_name, field_by_name
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


def decode(body: bytes, charset: str | None, shape: type[msgspec.Struct] | None = None) -> tuple[str, Any]:
    """Parse an XML body into (root element name, plain value). A nil root gives None. ``shape``, the Struct the
    root holds, tells arrays and objects apart."""
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
    members = field_by_lower_name(shape) if shape is not None else None
    return _local(root.tag), _value(root, 0, None, members)


def _local(tag: Any) -> str:
    name = str(tag)
    return name.rsplit("}", 1)[1] if name.startswith("{") else name


def _value(element: Any, depth: int, field: Field | None = None, members: dict[str, Field] | None = None) -> Any:
    """An element's plain value; ``field`` (what the element holds) or ``members`` (its children's fields, by
    lower-cased name) guide arrays, dictionaries and objects when known."""
    if depth > _MAX_DEPTH:
        raise MalformedBody(f"The XML body is nested deeper than {_MAX_DEPTH} levels")
    if element.get(_NIL) in ("true", "1"):
        return None
    children = [child for child in element if isinstance(child.tag, str)]
    if field is not None:
        if field.kind is Kind.ARRAY:
            return [_value(child, depth + 1, field.item, _members(field.item)) for child in children]
        if field.kind is Kind.DICTIONARY:
            item = field.item
            return {
                _text_of(pair, "Key"): _value(_child(pair, "Value"), depth + 1, item, _members(item))
                for pair in children
            }
        if field.kind is Kind.OBJECT and not children:
            return {}
    if not children:
        return element.text or ""
    name = _local(element.tag)
    if name in _DICTIONARY_KEYS:
        return {_text_of(pair, "Key"): _value(_child(pair, "Value"), depth + 1) for pair in children}
    result: dict[str, Any] = {}
    for child in children:
        child_name = _local(child.tag)
        child_field = members.get(child_name.lower()) if members is not None else None
        result[child_name] = _value(child, depth + 1, child_field, _members(child_field))
    return result


def _members(field: Field | None) -> dict[str, Field] | None:
    if field is None or field.shape is None or field.kind not in (Kind.OBJECT, Kind.ARRAY, Kind.DICTIONARY):
        return None
    return field_by_lower_name(field.shape)


def _child(element: Any, name: str) -> Any:
    for child in element:
        if isinstance(child.tag, str) and _local(child.tag) == name:
            return child
    raise MalformedBody(f"<{_local(element.tag)}> has no <{name}> element")


def _text_of(element: Any, name: str) -> str:
    return str(_child(element, name).text or "")


# -- writing ---------------------------------------------------------------------------------------


def encode(root: str, value: Any, shape: type[msgspec.Struct] | Field | None = None) -> bytes:
    """Write a plain value (dicts keep their order) as SuperOffice-shaped XML under ``root``. ``shape`` names
    arrays' items and dictionaries' pairs: the Struct the value holds, or for a value that is an array, the Field
    describing one item (see ``array_root``)."""
    parts: list[str] = ['<?xml version="1.0" encoding="utf-8"?>']
    if value is None:
        parts.append(f'<{root} xmlns:i="{NIL_NAMESPACE}" i:nil="true" />')
    else:
        parts.append(f'<{root} xmlns:i="{NIL_NAMESPACE}">')
        if isinstance(value, list):
            item = shape if isinstance(shape, Field) else None
            _write_items(parts, value, item)
        else:
            _write_members(parts, value, field_by_name(shape) if isinstance(shape, type) else None)
        parts.append(f"</{root}>")
    return "".join(parts).encode("utf-8")


def array_root(item: Field) -> str:
    """The root element of an answer that is an array: ``ArrayOfChatMessage``, ``ArrayOfint``."""
    return f"ArrayOf{item.name}"


def _write_members(parts: list[str], value: dict[str, Any], members: dict[str, Field] | None = None) -> None:
    for name, member in value.items():
        _write(parts, name, member, members.get(name) if members is not None else None)


def _write_items(parts: list[str], items: list[Any], item: Field | None) -> None:
    for one in items:
        _write(parts, item.name if item is not None else _item_name(one), one, item)


def _write(parts: list[str], name: str, value: Any, field: Field | None = None) -> None:
    if value is None:
        parts.append(f'<{name} i:nil="true" />')
    elif isinstance(value, dict):
        parts.append(f"<{name}>")
        pair = _DICTIONARY_KEYS.get(name)
        if field is not None and field.kind is Kind.DICTIONARY and field.item is not None:
            pair = f"{field.item.name}KeyValuePair"
        if pair is None:
            _write_members(parts, value, field_by_name(field.shape) if field is not None and field.shape else None)
        else:
            item = field.item if field is not None else None
            for key, one in value.items():
                parts.append(f"<{pair}><Key>{_escape(str(key))}</Key>")
                _write(parts, "Value", one, item)
                parts.append(f"</{pair}>")
        parts.append(f"</{name}>")
    elif isinstance(value, list):
        parts.append(f"<{name}>")
        _write_items(parts, value, field.item if field is not None else None)
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
