"""application/x-www-form-urlencoded bodies: one field per property.

Nested carriers and objects use dotted keys (``User.AssociateId=5``, ``OpeningHours.MonStart=08:00``);
``User[AssociateId]=5`` is read the same way. Array items are indexed (``Messages[2].Author=Ann``,
``ChatTopics[0]=3``), which arrives as an object keyed by the indexes that the domain reads as an array. An empty
value means null. Values stay text here; the domain reads numbers, booleans
(true/false/1/0), enums and dates from text.

JSON or XML sent without its Content-Type (``curl -d`` labels every body it sends as a form) is refused with 415,
naming the header to send: read as a form it has no field we know and would save the default entity. That is a
body that starts with ``{``, ``[`` or ``<`` (no form field name does), and a body none of whose fields is one of
the ``members`` its reader knows (the entity's properties, a method's parameters) whose text, as sent or
percent-decoded (``curl --data-urlencode``), is JSON (``null``, ``"text"``, ``5``) or starts like JSON or XML.
Other forms of unknown fields are read as forms (decision 7).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, unquote_to_bytes

from sochat.domain.errors import InvalidInput, MalformedBody, UnsupportedMediaType
from sochat.http.codecs.text import codec_for, decode_text

_BRACKETS = re.compile(r"\[([^\[\]]*)\]")
_MAX_DEPTH = 4
_MAX_FIELDS = 1000
# How a body that is not a form starts: no form field name begins with these.
_OTHER_FORMATS = {"{": ("JSON", "application/json"), "[": ("JSON", "application/json"), "<": ("XML", "application/xml")}
_JSON = ("JSON", "application/json")


def decode(body: bytes, charset: str | None, members: Collection[str] = ()) -> dict[str, Any]:
    """The form's fields as nested plain values. ``members`` are the lower-cased names the reader knows: a form
    that names none of them (the first part of a dotted name counts) and reads as JSON or XML is refused."""
    # Percent-escapes carry bytes in the declared charset (UTF-8 by default), as does any raw text.
    text = decode_text(body, charset)
    _refuse_other_format(_starts_like_other_format(text))
    codec = codec_for(charset)
    try:
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=False,
            encoding=codec,
            errors="strict",
            max_num_fields=_MAX_FIELDS,
        )
    except UnicodeDecodeError:
        raise _undecodable_field(text, codec, charset or "utf-8") from None
    except ValueError as exc:
        raise MalformedBody(f"The form body is malformed: {exc}") from None
    paths = [(key, value, _BRACKETS.sub(r".\1", key).split(".")) for key, value in pairs]
    if not any(path[0].lower() in members for _, _, path in paths):
        _refuse_other_format(_other_format(text, codec))
    result: dict[str, Any] = {}
    for key, value, path in paths:
        _refuse_nul(key, value)
        if len(path) > _MAX_DEPTH or not all(path):
            raise MalformedBody(f"Form field name '{key[:60]}' is not a property path like User.AssociateId")
        target = result
        for part in path[:-1]:
            nested = target.get(part)
            if not isinstance(nested, dict):
                nested = {}
                target[part] = nested
            target = nested
        target[path[-1]] = value if value != "" else None
    return result


def _refuse_nul(key: str, value: str) -> None:
    """A NUL (%00) in any field is a 400 naming the field, whatever reads it next (an entity, a login):
    PostgreSQL text cannot hold it, and no field of ours means it."""
    if "\x00" in key or "\x00" in value:
        name = key.replace("\x00", "\\0")[:60]
        raise InvalidInput(f"{name}: the character U+0000 (NUL) is not allowed in a form field", property_name=name)


def _starts_like_other_format(text: str) -> tuple[str, str] | None:
    return _OTHER_FORMATS.get(text.lstrip()[:1])


def _other_format(text: str, codec: str) -> tuple[str, str] | None:
    """JSON or XML, as sent or percent-decoded: it starts with ``{``, ``[`` or ``<``, or it parses as JSON."""
    for candidate in (text, unquote_plus(text, encoding=codec, errors="replace")):
        candidate = candidate.strip()
        looks_like = _starts_like_other_format(candidate)
        if looks_like is not None:
            return looks_like
        try:
            json.loads(candidate)
        except ValueError:
            continue
        return _JSON
    return None


def _refuse_other_format(looks_like: tuple[str, str] | None) -> None:
    """415 for a JSON or XML body labelled as a form (what ``curl -d`` without ``-H`` sends)."""
    if looks_like is not None:
        name, media_type = looks_like
        raise UnsupportedMediaType(
            f"The body looks like {name}, but its Content-Type is application/x-www-form-urlencoded (curl -d sends "
            f"that unless told otherwise): send it with the header Content-Type: {media_type}"
        )


def _undecodable_field(text: str, codec: str, charset: str) -> InvalidInput:
    """The 400 for a field whose percent-escapes are not text in the charset: it names the field and the bad byte
    with its position in the percent-decoded name or value (only called on the error path)."""
    for segment in text.split("&"):
        if not segment:
            continue
        raw_name, has_value, raw_value = segment.partition("=")
        name = unquote_plus(raw_name, encoding=codec, errors="replace")
        parts = [("name", raw_name), ("value", raw_value)] if has_value else [("name", raw_name)]
        for part, raw in parts:
            octets = unquote_to_bytes(raw.replace("+", " "))
            try:
                octets.decode(codec)
            except UnicodeDecodeError as exc:
                shown = name[:60]
                return MalformedBody(
                    f"{shown}: the form field's {part} is not valid {charset} after percent-decoding: byte "
                    f"0x{octets[exc.start]:02x} at position {exc.start} of the {part} ({exc.reason})",
                    property_name=shown,
                )
    return MalformedBody(f"A form field is not valid {charset} after percent-decoding")
