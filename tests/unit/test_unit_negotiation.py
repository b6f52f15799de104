"""Unit tests for sochat.http.negotiation: Content-Type picks the reader, Accept picks the answer type."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sochat.domain.errors import UnsupportedMediaType
from sochat.http.negotiation import parse_media_type, request_media_type, response_media_type

JSON = "application/json"


@pytest.mark.parametrize("accept", [None, "", JSON, "application/json; charset=utf-8", "Application/JSON"])
def test_accept_absent_or_json_answers_json(accept: str | None) -> None:
    """No Accept, an empty one, or application/json in any case answers application/json."""
    assert response_media_type(accept) == JSON


@pytest.mark.parametrize(
    "accept",
    ["aplication/json", "application/jsn", "text/html", "image/png", "application/json-ld", "garbage", ";;;", ","],
)
def test_unmatched_or_misspelled_accept_falls_back_to_json(accept: str) -> None:
    """A misspelled or unsupported Accept answers application/json rather than 406 (decision 11)."""
    assert response_media_type(accept) == JSON


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/json", "text/json"),
        ("TEXT/JSON", "text/json"),
        ("text/json;q=0.9, application/json;q=0.5", "text/json"),
        ("application/json;q=0.5, text/json;q=0.9", "text/json"),
        ("text/json;q=0.1, application/json", JSON),
        ("application/json;q=0, text/json", "text/json"),
        ("application/json;q=0, text/json;q=0.001", "text/json"),
        ("text/json; q=0.8 , application/json ; q=0.7", "text/json"),
        ("application/json;q=abc, text/json;q=0.1", "text/json"),
    ],
)
def test_accept_q_values_are_honoured(accept: str, expected: str) -> None:
    """The acceptable type with the highest q wins; q=0 and unparsable q mean 'not acceptable'."""
    assert response_media_type(accept) == expected


@pytest.mark.parametrize("accept", ["application/json;q=0", "text/json;q=0, application/json;q=0", "*/*;q=0"])
def test_nothing_acceptable_still_answers_json(accept: str) -> None:
    """When every listed type is refused, the answer is still JSON (SuperOffice never answers 406)."""
    assert response_media_type(accept) == JSON


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("*/*", JSON),
        ("application/*", JSON),
        ("text/*", "text/json"),
        ("text/html, */*;q=0.1", JSON),
        ("text/*;q=0.9, application/json;q=0.5", "text/json"),
        ("application/json;q=0, */*", "text/json"),
    ],
)
def test_accept_wildcards(accept: str, expected: str) -> None:
    """*/* and application/* answer JSON, text/* answers text/json; a specific q=0 beats a wildcard."""
    assert response_media_type(accept) == expected


@settings(max_examples=100, deadline=None)
@given(accept=st.text(max_size=60))
def test_any_accept_header_answers_a_supported_type(accept: str) -> None:
    """Whatever the Accept header says, the answer type is a lower-case type sochat can write."""
    answer = response_media_type(accept)
    assert answer == answer.lower()
    assert "/" in answer
    assert answer.endswith(("json", "xml"))


@settings(max_examples=50, deadline=None)
@given(q=st.integers(min_value=1, max_value=999), other=st.integers(min_value=1, max_value=999))
def test_higher_q_always_wins(q: int, other: int) -> None:
    """Between application/json and text/json the one with the strictly higher q is chosen."""
    accept = f"application/json;q=0.{q:03d}, text/json;q=0.{other:03d}"
    if q > other:
        assert response_media_type(accept) == JSON
    elif other > q:
        assert response_media_type(accept) == "text/json"


@pytest.mark.parametrize("content_type", [None, "", "   "])
def test_request_without_content_type_is_json(content_type: str | None) -> None:
    """A body without Content-Type is read as application/json with no charset."""
    media = request_media_type(content_type)
    assert media.type == JSON
    assert media.charset is None


@pytest.mark.parametrize(
    ("content_type", "media_type", "charset"),
    [
        ("application/json", JSON, None),
        ("application/json; charset=utf-8", JSON, "utf-8"),
        ('Application/JSON; Charset="UTF-8"', JSON, "utf-8"),
        ("text/json;charset=utf-8", "text/json", "utf-8"),
    ],
)
def test_request_json_content_types(content_type: str, media_type: str, charset: str | None) -> None:
    """JSON Content-Types are recognised case-insensitively with their (lower-cased, unquoted) charset."""
    media = request_media_type(content_type)
    assert media.type == media_type
    assert media.charset == charset


def test_request_text_xml_is_read_as_xml() -> None:
    """text/xml is a supported request type now that the XML codec exists (it was a 415 before)."""
    # When XML support changes again, this is the one place to update.
    assert request_media_type("text/xml; charset=utf-8").type == "text/xml"


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/octet-stream", "multipart/form-data; boundary=x", "json", "text/jsonx"]
)
def test_request_unsupported_content_type_is_415(content_type: str) -> None:
    """A Content-Type sochat cannot read is UnsupportedMediaType naming the type."""
    with pytest.raises(UnsupportedMediaType) as caught:
        request_media_type(content_type)
    assert content_type.split(";")[0] in caught.value.message


def test_parse_media_type_parameters() -> None:
    """Media type and parameter names are lower-cased, quotes and blanks around values removed."""
    media = parse_media_type(' Text/JSON ; Q="0.5" ;charset = UTF-8; flag')
    assert media.type == "text/json"
    assert media.params == {"q": "0.5", "charset": "utf-8"}
