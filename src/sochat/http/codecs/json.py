"""JSON bodies: strict UTF-8, bounded nesting, errors that give the byte position.

msgspec parses; when it refuses a body, the error message is built from facts we establish ourselves (the
standard library's UTF-8 decoder and JSON scanner, on the error path only), never from msgspec's message text,
whose wording and positions have changed between releases.
"""

from __future__ import annotations

import json as stdlib_json
from typing import Any

import msgspec

from sochat.domain.errors import MalformedBody

_decoder = msgspec.json.Decoder()
_encoder = msgspec.json.Encoder()


def decode(body: bytes) -> Any:
    """Parse a UTF-8 JSON body into plain values. An empty body is None (as JSON ``null``)."""
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    if not body.strip():
        return None
    try:
        return _decoder.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        raise MalformedBody(_why_not_json(body)) from None


def encode(value: Any) -> bytes:
    return _encoder.encode(value)


def _why_not_json(body: bytes) -> str:
    """What is wrong with a body msgspec refused, with the byte position (only called on the error path)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"The body is not valid UTF-8: byte 0x{body[exc.start]:02x} at position {exc.start} ({exc.reason})"
    try:
        stdlib_json.loads(text)
    except stdlib_json.JSONDecodeError as exc:
        at = len(text[: exc.pos].encode("utf-8"))
        # An unterminated string is reported at its opening quote; the body really ends at its last byte.
        if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"):
            at = len(body)
            return f"The body is not valid JSON: it ends early (at byte {at}, inside an unfinished value)"
        return f"The body is not valid JSON: {exc.msg} (byte {at})"
    except RecursionError:
        return "The body is not valid JSON: it is nested too deeply"
    except ValueError:
        # Not a JSONDecodeError: the standard library refuses integers past Python's digit limit (4300 digits).
        return _NOT_ACCEPTED
    # The standard library reads what msgspec refused: constructs msgspec rejects on purpose
    # (NaN, Infinity, numbers beyond its range, nesting past its depth limit).
    return _NOT_ACCEPTED


_NOT_ACCEPTED = (
    "The body is not valid JSON: it holds a value sochat does not accept"
    " (NaN, Infinity, a number beyond the range of a double, a lone UTF-16 surrogate such as \\ud800,"
    " or nesting too deep)"
)
