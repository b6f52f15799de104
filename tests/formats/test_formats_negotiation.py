"""Issue 3: Accept negotiation (RFC 9110 q-values and wildcards), charset and Vary, errors in the negotiated format."""

from __future__ import annotations

import json

import pytest
from lxml import etree

from sochat.http.negotiation import response_media_type

pytestmark = pytest.mark.anyio

SIX_ANSWER_TYPES = (
    "application/json",
    "text/json",
    "application/xml",
    "text/xml",
    "application/json-patch+json",
    "application/merge-patch+json",
)
VARIED = ("Accept", "Accept-Language", "SO-Language", "SO-Culture", "SO-TimeZone")
XML_TYPES = ("application/xml", "text/xml")

# Accept header -> the answer's media type.
ACCEPT_TABLE = [
    (None, "application/json"),
    ("", "application/json"),
    *[(media_type, media_type) for media_type in SIX_ANSWER_TYPES],
    ("*/*", "application/json"),
    ("application/*", "application/json"),
    ("text/*", "text/json"),
    ("aplication/json", "application/json"),  # misspelled, as a real SuperOffice client sends it
    ("aplication/xml", "application/json"),
    ("image/png", "application/json"),
    ("application/xml; charset=utf-8", "application/xml"),
    ("APPLICATION/XML", "application/xml"),
    ("Text/Xml", "text/xml"),
    ("application/json;q=0.5, application/xml;q=0.8", "application/xml"),
    ("application/xml;q=0.9, text/xml", "text/xml"),
    ("text/xml;q=0.3, */*;q=0.1", "text/xml"),
    ("*/*;q=0.1, application/xml", "application/xml"),
    ("application/*;q=0.2, text/xml;q=0.5", "text/xml"),
    ("application/xml;q=0, */*", "application/json"),  # the specific q=0 excludes XML, */* takes the rest
    ("application/json;q=0, text/json;q=0, application/*;q=0.5, text/xml;q=0.4", "application/xml"),
    ("text/json, application/json", "application/json"),  # equal q: our order of preference
    ("application/xml, text/xml;q=1.0", "application/xml"),
    ("application/merge-patch+json;q=1, application/json;q=0.99", "application/merge-patch+json"),
    ("text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.8", "application/xml"),  # a browser
    ("aplication/json, text/xml;q=0.1", "text/xml"),
    ("application/xml;q=abc", "application/json"),  # an unreadable q-value does not make XML acceptable
    ("*/*;q=0.5, application/json;q=0.1", "text/json"),  # the specific range lowers JSON; text/json keeps 0.5
    ("text/xml ; q=0.4 , application/xml ; q=0.5", "application/xml"),  # optional whitespace
    ("application/xml;Q=0.1, text/xml;Q=0.2", "text/xml"),  # parameter names are case-insensitive
    ('application/xml;profile="a,b";q=0.1, text/xml;q=0.2', "text/xml"),  # a comma inside a quoted string
]


@pytest.mark.parametrize(("accept", "expected"), ACCEPT_TABLE)
def test_response_media_type_table(accept, expected):
    """The negotiation function picks the answer type RFC 9110 prescribes for this Accept header."""
    assert response_media_type(accept) == expected


@pytest.mark.parametrize(("accept", "expected"), ACCEPT_TABLE)
async def test_accept_over_http(chat, full_session, accept, expected):
    """Over HTTP the answer carries that media type with charset=utf-8, Vary, and a body in that format."""
    saved = await chat.save_ok(full_session)
    response = await chat.get(saved["ChatSessionId"], accept=accept)

    assert response.status_code == 200, response.text
    media_type, _, params = response.headers["content-type"].partition(";")
    assert media_type.strip() == expected
    assert params.strip().lower() == "charset=utf-8"
    varied = {item.strip().lower() for item in response.headers["vary"].split(",")}
    assert {name.lower() for name in VARIED} <= varied
    if expected in XML_TYPES:
        root = etree.fromstring(response.content)
        assert etree.QName(root).localname == "ChatSessionEntity"
        assert root.findtext("ChatSessionId") == str(saved["ChatSessionId"])
        assert root.findtext("CustomerAlias") == "jsmith"
    else:
        body = json.loads(response.content.decode("utf-8"))
        assert body["ChatSessionId"] == saved["ChatSessionId"]
        assert body["CustomerAlias"] == "jsmith"


async def test_repeated_accept_headers_are_one_list(chat, full_session):
    """Two Accept header lines are one list (RFC 9110 5.3): the higher q across both wins."""
    saved = await chat.save_ok(full_session)
    headers = [
        ("Authorization", "Basic dGplMDpUamUw"),
        ("Accept", "application/json;q=0.1"),
        ("Accept", "text/xml"),
    ]
    response = await chat.client.post(
        "/api/v1/Agents/Chat/GetChatSessionEntity",
        params={"chatSessionEntityId": saved["ChatSessionId"]},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/xml; charset=utf-8"


@pytest.mark.parametrize("accept", SIX_ANSWER_TYPES)
async def test_save_answers_in_each_type(chat, full_session, accept):
    """SaveChatSessionEntity answers in each of the six types too, with charset=utf-8 and Vary."""
    response = await chat.save(json.dumps(full_session), "application/json", accept=accept)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == f"{accept}; charset=utf-8"
    assert "SO-TimeZone" in response.headers["vary"]
    if accept in XML_TYPES:
        root = etree.fromstring(response.content)
        assert root.tag == "ChatSessionEntity"
        assert root.findtext("Status") == "CustomerLast"
    else:
        assert response.json()["Status"] == "CustomerLast"


@pytest.mark.parametrize("accept", XML_TYPES)
async def test_xml_answer_holds_the_json_answer_values(chat, full_session, accept):
    """The same entity answered as XML holds the same values as the JSON answer."""
    saved = await chat.save_ok(full_session)
    as_json = (await chat.get(saved["ChatSessionId"], accept="application/merge-patch+json")).json()
    root = etree.fromstring((await chat.get(saved["ChatSessionId"], accept=accept)).content)
    for name in ("CustomerName", "LastMessage", "WhenFetched", "Rating", "Flags", "Status"):
        assert root.findtext(name) == str(as_json[name]), name
    assert root.find("User").findtext("AssociateId") == "1"


async def test_null_answer_in_xml_is_a_nil_root(chat):
    """GetChatSessionEntity of an unknown id answers null; in XML that is a nil ChatSessionEntity root."""
    response = await chat.get(999_999, accept="application/xml")
    assert response.status_code == 200, response.text
    root = etree.fromstring(response.content)
    assert root.tag == "ChatSessionEntity"
    assert root.get("{http://www.w3.org/2001/XMLSchema-instance}nil") == "true"
    assert len(root) == 0
    assert (await chat.get(999_999, accept="text/json")).content == b"null"


def _xml_error(response, status: int) -> dict[str, str]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] in XML_TYPES
    assert "charset=utf-8" in response.headers["content-type"]
    root = etree.fromstring(response.content)
    assert root.tag == "ErrorInfo"
    children = {child.tag: child.text or "" for child in root}
    assert set(children) == {"Error", "ErrorType", "ErrorMessage", "ErrorSource"}
    assert children["Error"] == "true"
    assert children["ErrorType"]
    assert children["ErrorMessage"]
    assert children["ErrorSource"]
    return children


@pytest.mark.parametrize("accept", [*XML_TYPES, "application/xml;q=0.9, application/json;q=0.1"])
async def test_validation_error_in_xml_when_xml_negotiated(chat, accept):
    """A 400 answers an ErrorInfo XML body (Error/ErrorType/ErrorMessage/ErrorSource) to an XML client."""
    response = await chat.save(json.dumps({"Status": "Bogus"}), "application/json", accept=accept)
    error = _xml_error(response, 400)
    assert "Status" in error["ErrorMessage"]
    assert error["ErrorType"] == "SoArgumentException"


async def test_unauthorized_error_in_xml(chat):
    """A 401 to an XML client is XML too."""
    response = await chat.save("{}", "application/json", accept="text/xml", auth=None)
    _xml_error(response, 401)


async def test_unsupported_media_type_error_in_xml(chat):
    """A 415 to an XML client is XML too, and names the supported types."""
    response = await chat.save("x", "text/plain", accept="application/xml")
    error = _xml_error(response, 415)
    assert "application/x-www-form-urlencoded" in error["ErrorMessage"]


async def test_malformed_xml_error_in_xml(chat):
    """A malformed XML body answers a 400 in XML to an XML client, with the message escaped properly."""
    response = await chat.save("<ChatSessionEntity><Rank>1</Rank>", "application/xml", accept="application/xml")
    _xml_error(response, 400)


async def test_unknown_route_error_in_xml(chat):
    """A 404 for an unknown route is XML when XML is negotiated."""
    response = await chat.client.post("/api/v1/Agents/Chat/NoSuchMethod", headers={"Accept": "text/xml"})
    _xml_error(response, 404)


@pytest.mark.parametrize("accept", [None, "aplication/json", "application/json"])
async def test_errors_default_to_json(chat, accept):
    """Without an acceptable XML type, errors are SuperOffice's JSON error body."""
    response = await chat.save(json.dumps({"Status": "Bogus"}), "application/json", accept=accept)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert set(response.json()) == {"Error", "ErrorType", "ErrorMessage", "ErrorSource"}
    assert "Accept" in response.headers["vary"]
