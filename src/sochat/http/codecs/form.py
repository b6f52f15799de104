"""application/x-www-form-urlencoded bodies: one field per property.

Nested carriers use dotted keys (``User.AssociateId=5``); ``User[AssociateId]=5`` is read the same
way. An empty value means null. Values stay text here; the domain reads numbers, booleans
(true/false/1/0), enums and dates from text.

A body that starts with ``{`` or ``[`` (or ``<``) is JSON (or XML) sent without its Content-Type: ``curl -d``
labels every body it sends as a form. Read as a form it has no field we know and would save the default entity,
so it is refused with 415, naming the header to send.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from sochat.domain.errors import InvalidInput, MalformedBody, UnsupportedMediaType
from sochat.http.codecs.text import codec_for, decode_text

_BRACKETS = re.compile(r"\[([^\[\]]*)\]")
_MAX_DEPTH = 4
_MAX_FIELDS = 1000
# How a body that is not a form starts: no form field name begins with these.
_OTHER_FORMATS = {"{": ("JSON", "application/json"), "[": ("JSON", "application/json"), "<": ("XML", "application/xml")}


def decode(body: bytes, charset: str | None) -> dict[str, Any]:
    # Percent-escapes carry bytes in the declared charset (UTF-8 by default), as does any raw text.
    text = decode_text(body, charset)
    _refuse_other_formats(text)
    try:
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=False,
            encoding=codec_for(charset),
            errors="strict",
            max_num_fields=_MAX_FIELDS,
        )
    except UnicodeDecodeError as exc:
        raise MalformedBody(
            f"A form value is not valid {charset or 'utf-8'} after percent-decoding: {exc.reason}"
        ) from None
    except ValueError as exc:
        raise MalformedBody(f"The form body is malformed: {exc}") from None
    result: dict[str, Any] = {}
    for key, value in pairs:
        _refuse_nul(key, value)
        path = _BRACKETS.sub(r".\1", key).split(".")
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


def _refuse_other_formats(text: str) -> None:
    """415 for a JSON or XML body labelled as a form (what ``curl -d`` without ``-H`` sends)."""
    looks_like = _OTHER_FORMATS.get(text.lstrip()[:1])
    if looks_like is not None:
        name, media_type = looks_like
        raise UnsupportedMediaType(
            f"The body looks like {name}, but its Content-Type is application/x-www-form-urlencoded (curl -d sends "
            f"that unless told otherwise): send it with the header Content-Type: {media_type}"
        )
