"""One mechanism for every route: decode a request body by its Content-Type, encode an answer by Accept."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from sochat.domain.errors import InvalidInput
from sochat.domain.fields import Field
from sochat.http.codecs import form, xml
from sochat.http.codecs import json as json_codec
from sochat.http.codecs.text import decode_text
from sochat.http.negotiation import REQUEST_FORMATS, XML_TYPES, request_media_type

BodyKind = Literal["entity", "json-patch", "merge-patch"]


@dataclass(frozen=True, slots=True)
class Body:
    """A decoded request body: a whole entity, or a patch to apply to one."""

    kind: BodyKind
    value: Any


def decode_body(
    body: bytes,
    content_type: str | None,
    root: str,
    members: Collection[str] = (),
    shape: type[msgspec.Struct] | None = None,
) -> Body:
    """Read a body whose top level should be a ``root`` (e.g. ChatSessionEntity) or a patch for one. ``members``
    are the root's lower-cased member names, which tell a form from JSON or XML sent as one (codecs/form.py);
    ``shape``, the Struct the root holds, tells XML's arrays and objects apart."""
    media = request_media_type(content_type)
    body_format = REQUEST_FORMATS[media.type]
    if body_format == "xml":
        name, value = xml.decode(body, media.charset, shape)
        if value is not None and name.lower() != root.lower():
            raise InvalidInput(f"The XML root element is <{name}>; expected <{root}>", property_name="body")
        return Body("entity", value)
    if body_format == "form":
        return Body("entity", form.decode(body, media.charset, members) if body.strip() else None)
    value = _json(body, media.charset)
    if body_format == "merge-patch":
        return Body("merge-patch", value)
    if isinstance(value, list):
        # SuperOffice's own PATCH sample sends a JSON Patch array as application/json; read it as a patch.
        return Body("json-patch", value)
    if body_format == "json-patch" and not isinstance(value, dict):
        return Body("json-patch", value)  # neither operations nor an entity: the patch reader names the problem
    # An object is the entity itself, whatever JSON type it came as: SuperOffice lists
    # application/json-patch+json among the Content-Types of an entity body (SaveChatSessionEntity, POST, PUT).
    return Body("entity", value)


def _json(body: bytes, charset: str | None) -> Any:
    if charset in (None, "utf-8", "utf8"):
        return json_codec.decode(body)
    return json_codec.decode(decode_text(body, charset).encode("utf-8"))


def encode_answer(media_type: str, root: str, value: Any, shape: type[msgspec.Struct] | Field | None = None) -> bytes:
    """``shape`` (the Struct the answer holds, or the item Field of an array) names XML's array items."""
    if media_type in XML_TYPES:
        return xml.encode(root, value, shape)
    return json_codec.encode(value)


def is_xml(media_type: str) -> bool:
    return media_type in XML_TYPES
