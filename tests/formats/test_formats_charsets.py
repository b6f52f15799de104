"""Issue 3: request charsets, missing and unsupported Content-Types."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from support.bodies import REQUEST_TYPES

pytestmark = pytest.mark.anyio

NAME = "\u00c6sa \u00d8stby-\u00c5sen \u00fc\u00e9"  # Latin-1 characters, so every charset under test can carry it
SUPPORTED = REQUEST_TYPES


def _bodies(name: str) -> dict[str, str]:
    """The same one-property entity as text in each request format."""
    entity = {"CustomerName": name, "Rank": 3}
    return {
        "application/json": json.dumps(entity, ensure_ascii=False),
        "application/xml": (
            "<ChatSessionEntity><CustomerName>" + name + "</CustomerName><Rank>3</Rank></ChatSessionEntity>"
        ),
        "application/x-www-form-urlencoded": "CustomerName=" + name.replace(" ", "+") + "&Rank=3",
        "application/json-patch+json": json.dumps(
            [{"op": "replace", "path": "/CustomerName", "value": name}, {"op": "replace", "path": "Rank", "value": 3}],
            ensure_ascii=False,
        ),
        "application/merge-patch+json": json.dumps(entity, ensure_ascii=False),
    }


FORMATS = (
    "application/json",
    "application/xml",
    "application/x-www-form-urlencoded",
    "application/json-patch+json",
    "application/merge-patch+json",
)
CHARSETS = [
    ("utf-8", "utf-8"),
    ("UTF-8", "utf-8"),
    ("utf-16", "utf-16"),  # Python writes a byte order mark
    ("utf-16le", "utf-16-le"),
    ("utf-16be", "utf-16-be"),
    ("iso-8859-1", "latin-1"),
    ('"ISO-8859-1"', "latin-1"),  # quoted parameter value
    ("latin1", "latin-1"),
]


@pytest.mark.parametrize("content_type", FORMATS)
@pytest.mark.parametrize(("charset", "codec"), CHARSETS)
async def test_declared_charset_is_honoured(chat, content_type, charset, codec):
    """A body encoded in the declared charset is read in it: non-ASCII text arrives intact in every format."""
    body = _bodies(NAME)[content_type].encode(codec)
    response = await chat.save(body, f"{content_type}; charset={charset}")
    assert response.status_code == 200, response.text
    stored = await chat.stored(response.json()["ChatSessionId"])
    assert (stored["CustomerName"], stored["Rank"]) == (NAME, 3)


async def test_utf16_xml_with_its_own_declaration(chat):
    """A UTF-16 XML document that declares encoding="utf-16" and starts with a BOM is read."""
    text = (
        '<?xml version="1.0" encoding="utf-16"?><ChatSessionEntity><CustomerName>{}</CustomerName></ChatSessionEntity>'
    )
    body = text.format(NAME + " \u2713").encode("utf-16")
    response = await chat.save(body, "text/xml; charset=utf-16")
    assert response.status_code == 200, response.text
    assert response.json()["CustomerName"] == NAME + " \u2713"


async def test_latin1_form_percent_escapes(chat):
    """With charset=iso-8859-1, form percent-escapes are Latin-1 bytes (%C6 is \u00c6)."""
    body = urlencode({"CustomerName": NAME}, encoding="latin-1")
    assert "%C6" in body
    response = await chat.save(body, "application/x-www-form-urlencoded; charset=iso-8859-1")
    assert response.status_code == 200, response.text
    assert response.json()["CustomerName"] == NAME


async def test_utf8_is_the_default_charset(chat):
    """Without a charset parameter the body is UTF-8 (JSON, XML and form alike)."""
    for content_type, body in (
        ("application/json", json.dumps({"CustomerName": NAME}, ensure_ascii=False)),
        ("text/xml", f"<ChatSessionEntity><CustomerName>{NAME}</CustomerName></ChatSessionEntity>"),
        ("application/x-www-form-urlencoded", urlencode({"CustomerName": NAME})),
    ):
        response = await chat.save(body.encode("utf-8"), content_type)
        assert response.status_code == 200, (content_type, response.text)
        assert response.json()["CustomerName"] == NAME, content_type


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b'{"CustomerName": "\xff\xfe"}'),
        ("application/json; charset=utf-8", b'{"CustomerName": "caf\xe9"}'),  # Latin-1 bytes sent as UTF-8
        ("text/json", b'{"CustomerName": "\xc3"}'),  # truncated sequence
        ("application/json; charset=utf-8", b'{"CustomerName": "\xed\xa0\x80"}'),  # an encoded surrogate
        ("application/xml", b"<ChatSessionEntity><CustomerName>caf\xe9</CustomerName></ChatSessionEntity>"),
        ("text/xml; charset=utf-8", b"<ChatSessionEntity><CustomerName>\x80</CustomerName></ChatSessionEntity>"),
        ("application/x-www-form-urlencoded", b"CustomerName=caf\xe9"),
        ("application/x-www-form-urlencoded", b"CustomerName=caf%E9"),  # a percent-escape that is not UTF-8
        ("application/json-patch+json", b'[{"op": "replace", "path": "/CustomerName", "value": "\xe9"}]'),
        ("application/merge-patch+json", b'{"CustomerName": "\xe9"}'),
        ("application/json; charset=utf-16", b'{"CustomerName": 1}\x00'),  # odd length
        ("application/json; charset=utf-16le", '{"CustomerName": "'.encode("utf-16-le") + b"\x00\xdc" + b'"\x00}\x00'),
        ("application/json; charset=us-ascii", b'{"CustomerName": "caf\xe9"}'),
    ],
)
async def test_invalid_bytes_for_the_charset_are_400(chat, content_type, body):
    """Bytes that are not valid in the declared (or default UTF-8) charset are a 400 SoMalformedRequestException."""
    before = chat.row_count()
    response = await chat.save(body, content_type)
    assert response.status_code == 400, response.text
    error = response.json()
    assert error["Error"] is True
    assert error["ErrorType"] == "SoMalformedRequestException"
    assert chat.row_count() == before


@pytest.mark.parametrize("content_type", FORMATS)
@pytest.mark.parametrize("charset", ["klingon", "ebcdic-cp-us", "utf-32", "windows-1252x"])
async def test_unknown_charset_is_415(chat, content_type, charset):
    """A charset sochat does not know is a 415, whatever the format."""
    body = _bodies("plain")[content_type].encode("ascii")
    response = await chat.save(body, f"{content_type}; charset={charset}")
    assert response.status_code == 415, response.text
    assert response.json()["ErrorType"] == "SoUnsupportedMediaTypeException"
    assert charset in response.json()["ErrorMessage"]


async def test_no_content_type_is_read_as_json(chat):
    """A body without Content-Type is read as JSON, as SuperOffice does."""
    response = await chat.client.post(
        "/api/v1/Agents/Chat/SaveChatSessionEntity",
        content=json.dumps({"CustomerName": "no type", "Rank": 9}).encode(),
        headers={"Authorization": "Basic dGplMDpUamUw"},
    )
    assert "content-type" not in {name.lower() for name in response.request.headers}
    assert response.status_code == 200, response.text
    stored = await chat.stored(response.json()["ChatSessionId"])
    assert (stored["CustomerName"], stored["Rank"]) == ("no type", 9)


async def test_no_content_type_xml_body_is_a_json_error(chat):
    """Without a Content-Type an XML body is read as JSON, so it is a 400 (not silently sniffed as XML)."""
    response = await chat.save("<ChatSessionEntity/>", None)
    assert response.status_code == 400, response.text
    assert "JSON" in response.json()["ErrorMessage"]


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/html; charset=utf-8",
        "multipart/form-data; boundary=xyz",
        "application/octet-stream",
        "application/jsonx",
        "aplication/json",
        "application/soap+xml",
        "application/x-www-form-urlencodedx",
    ],
)
async def test_unsupported_content_type_is_415_listing_supported_types(chat, content_type):
    """An unsupported Content-Type is a 415 whose ErrorMessage lists all seven supported types; nothing is saved."""
    before = chat.row_count()
    response = await chat.save(json.dumps({"CustomerName": "x"}), content_type)
    assert response.status_code == 415, response.text
    error = response.json()
    assert set(error) == {"Error", "ErrorType", "ErrorMessage", "ErrorSource"}
    assert error["ErrorType"] == "SoUnsupportedMediaTypeException"
    for supported in SUPPORTED:
        assert supported in error["ErrorMessage"], supported
    assert chat.row_count() == before


@pytest.mark.parametrize(
    "content_type",
    [
        "APPLICATION/JSON",
        "Application/Json; Charset=UTF-8",
        "application/json;charset=utf-8",
        " application/json ; charset = utf-8 ",
        "text/json; charset=utf-8; foo=bar",
    ],
)
async def test_content_type_is_case_and_space_insensitive(chat, content_type):
    """Media type names and parameters are case-insensitive and may carry optional whitespace (RFC 9110 8.3)."""
    response = await chat.save(json.dumps({"CustomerName": NAME}), content_type)
    assert response.status_code == 200, response.text
    assert response.json()["CustomerName"] == NAME
