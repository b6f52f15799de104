"""JSON bodies: strict UTF-8, bounded nesting, errors that give the byte position."""

from __future__ import annotations

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
    except UnicodeDecodeError:
        raise MalformedBody(f"The body is not valid UTF-8: {_first_bad_byte(body)}") from None
    except msgspec.DecodeError as exc:
        raise MalformedBody(f"The body is not valid JSON: {_describe(exc, len(body))}") from None
    except RecursionError:
        raise MalformedBody("The body is not valid JSON: it is nested too deeply") from None


def encode(value: Any) -> bytes:
    return _encoder.encode(value)


def _describe(exc: msgspec.DecodeError, length: int) -> str:
    # msgspec says "JSON is malformed: <what> (byte N)"; keep the part after the prefix.
    text = str(exc)
    if text == "Input data was truncated":
        return f"it ends early (at byte {length}, inside an unfinished value)"
    return text.split(": ", 1)[1] if text.startswith("JSON is malformed: ") else text


def _first_bad_byte(body: bytes) -> str:
    """Where the body stops being UTF-8 (only called on the error path)."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"byte 0x{body[exc.start]:02x} at position {exc.start} ({exc.reason})"
    return "a string holds a byte sequence that is not UTF-8"
