"""Unit tests for sochat.http.codecs.json.decode (and the charset step in sochat.http.formats)."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sochat.domain.errors import InvalidInput, MalformedBody, UnsupportedMediaType
from sochat.http.codecs.json import decode, encode
from sochat.http.formats import decode_body

ROOT = "ChatSessionEntity"


def test_decode_object() -> None:
    """A JSON object becomes a dict of plain Python values."""
    body = '{"a": [1, 2.5, "\u00e6\u4e2d", null, true, false], "b": {"c": -7}}'.encode()
    assert decode(body) == {"a": [1, 2.5, "\u00e6\u4e2d", None, True, False], "b": {"c": -7}}


@pytest.mark.parametrize("body", [b"", b"   ", b"\r\n\t ", b"\xef\xbb\xbf", b"\xef\xbb\xbf  \n"])
def test_empty_body_is_none(body: bytes) -> None:
    """An empty (or whitespace-only, or BOM-only) body is read as JSON null."""
    assert decode(body) is None


def test_null_body_is_none() -> None:
    """The literal body 'null' is None too."""
    assert decode(b"null") is None


def test_bom_is_stripped() -> None:
    """A UTF-8 byte order mark before the JSON is ignored."""
    assert decode(b'\xef\xbb\xbf{"Rank": 3}') == {"Rank": 3}


@pytest.mark.parametrize(
    ("body", "position"),
    [
        (b'{"a": 1,}', 8),
        (b'{"a" 1}', 5),
        (b"[1, 2,, 3]", 6),
        (b"{'a': 1}", 1),
        (b"[1 2]", 3),
        (b"{1: 2}", 1),
    ],
)
def test_malformed_json_names_the_byte_position(body: bytes, position: int) -> None:
    """Malformed JSON is MalformedBody (a 400 InvalidInput) whose message gives the byte position."""
    with pytest.raises(MalformedBody) as caught:
        decode(body)
    assert isinstance(caught.value, InvalidInput)
    assert "byte" in caught.value.message
    assert re.search(rf"\b{position}\b", caught.value.message), caught.value.message


@pytest.mark.parametrize("body", [b'{"a": 1', b"[1, 2", b'{"a": "unterminated', b"{"])
def test_truncated_json_names_the_byte_position(body: bytes) -> None:
    """A body that ends too early is MalformedBody saying where it ended (the byte position)."""
    with pytest.raises(MalformedBody) as caught:
        decode(body)
    assert "byte" in caught.value.message
    assert re.search(rf"\b{len(body)}\b", caught.value.message), caught.value.message


@pytest.mark.parametrize(
    ("body", "position"),
    [
        (b'"\xff"', 1),
        (b'{"a": "\xc3"}', 7),
        (b'{"a": "ok", "b": "\xed\xa0\x80"}', 18),  # an encoded surrogate is not UTF-8
        (b'{"\xfe": 1}', 2),
    ],
)
def test_invalid_utf8_is_malformed(body: bytes, position: int) -> None:
    """Bytes that are not UTF-8 are MalformedBody naming the position of the first bad byte."""
    with pytest.raises(MalformedBody) as caught:
        decode(body)
    assert "UTF-8" in caught.value.message
    assert re.search(rf"\b{position}\b", caught.value.message), caught.value.message


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000, b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 100_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000],
)
def test_deep_nesting_is_refused(body: bytes) -> None:
    """100000 nested arrays or objects are MalformedBody naming the nesting, not a crash (RecursionError) or a
    value; how fast is bench/hostile_input.py's to measure."""
    with pytest.raises(MalformedBody) as caught:
        decode(body)
    assert "nest" in caught.value.message.lower() or "deep" in caught.value.message.lower(), caught.value.message


def test_moderate_nesting_is_fine() -> None:
    """Ordinary nesting (50 levels) decodes."""
    value = decode(b"[" * 50 + b"]" * 50)
    for _ in range(49):
        assert isinstance(value, list)
        value = value[0]
    assert value == []


@settings(max_examples=100, deadline=None)
@given(
    value=st.recursive(
        st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
        max_leaves=20,
    )
)
def test_decode_agrees_with_stdlib_json(value: object) -> None:
    """Whatever the standard library writes as JSON, decode reads back to the same value."""
    assert decode(json.dumps(value).encode("utf-8")) == value
    assert decode(encode(value)) == value


@pytest.mark.parametrize("charset", ["ebcdic", "windows-1252", "utf-32", "x-unknown"])
def test_unsupported_charset_is_415(charset: str) -> None:
    """A JSON body declared in a charset sochat cannot read is UnsupportedMediaType (415)."""
    with pytest.raises(UnsupportedMediaType):
        decode_body(b'{"Rank": 1}', f"application/json; charset={charset}", ROOT)


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", '"utf-8"', "utf8"])
def test_utf8_charset_spellings_are_accepted(charset: str) -> None:
    """utf-8 in any case, quoted or as utf8, is the default JSON charset."""
    body = decode_body('{"CustomerName": "\u00c5se"}'.encode(), f"application/json; charset={charset}", ROOT)
    assert body.value == {"CustomerName": "\u00c5se"}


def test_missing_content_type_reads_json() -> None:
    """A body without Content-Type is read as JSON."""
    assert decode_body(b'{"Rank": 2}', None, ROOT).value == {"Rank": 2}


def test_invalid_utf8_through_decode_body_is_malformed() -> None:
    """Invalid UTF-8 in a JSON body is MalformedBody through the full body-decoding path too."""
    with pytest.raises(MalformedBody):
        decode_body(b'{"CustomerName": "\xff"}', "application/json; charset=utf-8", ROOT)
