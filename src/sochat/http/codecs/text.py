"""Bytes to text by the declared charset: UTF-8 unless the request says UTF-16 or Latin-1."""

from __future__ import annotations

from sochat.domain.errors import MalformedBody, UnsupportedMediaType

# Declared charset -> Python codec. utf-16 without a byte order mark is read big-endian, as RFC 2781 says.
CHARSETS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "utf-16": "utf-16",
    "utf-16le": "utf-16-le",
    "utf-16be": "utf-16-be",
    "iso-8859-1": "latin-1",
    "latin-1": "latin-1",
    "latin1": "latin-1",
    "us-ascii": "ascii",
}


def codec_for(charset: str | None) -> str:
    if charset is None:
        return "utf-8"
    codec = CHARSETS.get(charset)
    if codec is None:
        raise UnsupportedMediaType(f"charset '{charset[:40]}' is not supported; use one of: utf-8, utf-16, iso-8859-1")
    return codec


def decode_text(body: bytes, charset: str | None) -> str:
    """The body as text; a byte order mark decides for UTF-8 and UTF-16 bodies."""
    codec = codec_for(charset)
    if body.startswith(b"\xef\xbb\xbf") and codec in ("utf-8", "ascii"):
        body, codec = body[3:], "utf-8"
    elif body[:2] in (b"\xff\xfe", b"\xfe\xff") and codec.startswith("utf-16"):
        codec = "utf-16"
    elif codec == "utf-16":
        codec = "utf-16-be"
    try:
        return body.decode(codec)
    except UnicodeDecodeError as exc:
        raise MalformedBody(
            f"The body is not valid {charset or 'utf-8'}: bad byte 0x{body[exc.start]:02x} at position {exc.start}"
        ) from None
