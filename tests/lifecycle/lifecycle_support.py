"""Helpers for the lifecycle tests (issue 9): a real `sochat serve` process, and reading its answers.

Nothing here imports the server's code paths for requests: every call goes over TCP to the real process.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from lxml import etree

from support import bodies
from support.api import ERROR_KEYS, REST
from support.bodies import REQUEST_TYPES
from support.databases import Backend
from support.entity import PROPERTIES, full_entity, properties_of_kind
from support.servers import Server

NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
UNSET_DATE = "0001-01-01T00:00:00"

BODY_TYPES = REQUEST_TYPES
ANSWER_TYPES = ("application/json", "text/json", "application/xml", "text/xml")

# What $select answers for a property it leaves out (decision 18): null for reference types (strings, carriers)
# and the default of the type for value types, in JSON. left_out_text() gives the XML form.
LEFT_OUT: dict[str, Any] = {name: None for name in PROPERTIES} | {
    "ChatSessionId": 0,
    "TopicId": 0,
    "CustomerConsented": False,
    "Status": "Invalid",
    **{f"When{name}": "0001-01-01T00:00:00" for name in ("Requested", "Started", "Ended", "Idle", "Fetched")},
    "InitialQueuePos": 0,
    "AlertLevel": 0,
    "Rank": 0,
    "Flags": "CustomerIsTyping",
    "ChatbotIsActive": False,
    "Rating": 0,
}


def left_out_text(name: str, *, xml: bool) -> Any:
    """LEFT_OUT[name] as as_text() shows it; in XML flags 0 is the empty token list."""
    if xml and name == "Flags":
        return ""
    return as_text(LEFT_OUT[name])


def demo_server(database: Backend, directory: Path) -> Server:
    """A `sochat serve` (not started) on ``database``, prepared with the demo users and topics but none of
    `--demo`'s 300 sample sessions (support.databases.prepare_demo), so the list tests see exactly the rows they
    create; its log goes to ``directory``."""
    return Server(database.url, directory, log_level=None)


def encode_body(entity: dict[str, Any], content_type: str) -> bytes:
    """``entity`` (JSON-shaped) as a body of ``content_type``; the patch types patch the named or default entity."""
    return bodies.body(entity, content_type, keep_id=True)


# -- answers -------------------------------------------------------------------------------------


def xml_to_data(element: Any) -> Any:
    """An answer element as JSON-shaped data: nil -> None, children -> dict, text -> str ('' when empty)."""
    if element.get(NIL) == "true":
        return None
    children = list(element)
    if not children:
        return element.text or ""
    if etree.QName(element).localname == "FieldProperties":
        return {
            pair.findtext("Key"): xml_to_data(pair.find("Value"))
            for pair in children
            if etree.QName(pair).localname == "FieldPropertyDictionaryKeyValuePair"
        }
    if etree.QName(element).localname == "value":
        return [xml_to_data(item) for item in children]
    return {etree.QName(child).localname: xml_to_data(child) for child in children}


def decode(response: httpx.Response) -> Any:
    """A JSON or XML answer as data, checked against the Content-Type it carries."""
    media = response.headers.get("content-type", "").split(";")[0].strip()
    if media in ("application/xml", "text/xml"):
        root = etree.fromstring(response.content)
        return xml_to_data(root)
    assert media in ("application/json", "text/json"), response.headers.get("content-type")
    return response.json()


def as_text(value: Any) -> Any:
    """JSON-shaped data with every scalar as the text XML would carry, so JSON and XML answers compare."""
    if isinstance(value, dict):
        return {key: as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_text(item) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return None
    return str(value)


def properties(entity: dict[str, Any]) -> dict[str, Any]:
    """The properties of an entity answer, as text (carriers without their rights)."""
    assert list(entity)[: len(PROPERTIES)] == list(PROPERTIES), list(entity)
    out = {}
    for name in PROPERTIES:
        value = as_text(entity[name])
        if isinstance(value, dict):
            value = {key: item for key, item in value.items() if key not in ("TableRight", "FieldProperties")}
        out[name] = value
    return out


def error_message(response: httpx.Response, status: int) -> str:
    """Assert an error answer with SuperOffice's four members; answer the ErrorMessage."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    body = decode(response)
    assert isinstance(body, dict), body
    assert set(body) == ERROR_KEYS, body
    assert body["Error"] in (True, "true"), body
    message: str = body["ErrorMessage"]
    assert message
    return message


def rich_entity(marker: str) -> dict[str, Any]:
    """A create body with every property set to non-default values; ``marker`` makes it recognisable."""
    return full_entity(
        CustomerName=f"John Smith & Sons <{marker}>",
        CustomerCompanyName="Acme \u00e6\u00f8\u00e5",
        FirstMessage="Hi, I need help with order #42 = 50% off?",
        LastMessage="Ha det bra! \u2713",
        SessionKey=marker,
    )


def other_entity(marker: str) -> dict[str, Any]:
    """A second body, different in every writable property from rich_entity (used to replace it)."""
    return {
        "ChatSessionId": 0,
        "TopicId": 3,
        "User": {"AssociateId": 2},
        "Person": {"PersonId": 99},
        "CustomerAlias": "ada",
        "CustomerHost": "10.0.0.1",
        "CustomerName": f"Ada Lovelace <{marker}>",
        "CustomerEmail": "ada@example.org",
        "CustomerPhone": "+44 20 7946 0000",
        "CustomerConsented": False,
        "CustomerCompanyName": "Analytical Engines",
        "Status": "Closed",
        "FirstMessage": "Hello 'world' \"quoted\"",
        "LastMessage": "Bye & thanks",
        "WhenRequested": "2025-01-02T03:04:05.6000000Z",
        "WhenStarted": "2025-01-02T03:05:00Z",
        "WhenEnded": "2025-01-02T04:00:00.1234567+00:00",
        "WhenIdle": "2025-01-02T03:30:00Z",
        "WhenFetched": "2025-01-02T03:04:30Z",
        "SessionKey": marker,
        "InitialQueuePos": 7,
        "AlertLevel": 1,
        "Rank": 9,
        "Flags": "UserIsTyping",
        "Contact": {"ContactId": 21},
        "Project": {"ProjectId": 22},
        "Sale": {"SaleId": 23},
        "Ticket": {"TicketId": 24},
        "TransferTo": {"AssociateId": 3},
        "ChatbotIsActive": False,
        "Rating": 2,
    }


def list_all(
    client: httpx.Client, params: dict[str, str], headers: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Every row of GET /api/v1/ChatSession with these parameters, following odata.nextLink to the end."""
    rows: list[dict[str, Any]] = []
    response = client.get(REST, params=params, headers=headers)
    for _ in range(10_000):
        assert response.status_code == 200, response.text[:500]
        body = decode(response)
        rows.extend(body["value"] or [])
        link = body.get("odata.nextLink")
        if not link:
            return rows
        response = client.get(link, headers=headers)
    raise AssertionError("odata.nextLink never ended")


def count_sessions(client: httpx.Client, filter_text: str | None = None) -> int:
    """How many sessions the list holds (optionally matching a $filter)."""
    params = {"$select": "status", "$top": "1000"}
    if filter_text is not None:
        params["$filter"] = filter_text
    return len(list_all(client, params))


def instant(text: str) -> datetime:
    """An ISO date-time (0-7 fractional digits, Z/offset/none = UTC) as an aware datetime, to the microsecond."""
    match = re.fullmatch(r"([^.Z+]+?)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?", text)
    assert match is not None, text
    head, digits, offset = match.groups()
    offset = "+00:00" if offset in (None, "Z") else offset
    return datetime.fromisoformat(f"{head}.{(digits or '0')[:6].ljust(6, '0')}{offset}")


def check_default_entity(entity: dict[str, Any], *, xml: bool, since: datetime) -> None:
    """docs/api.md's default entity: zeros, "" strings, no links, unset dates except WhenRequested = now."""
    values = properties(entity)
    for name in properties_of_kind("int"):
        assert values[name] == "0", name
    for name in properties_of_kind("string"):
        assert values[name] == "", name
    for name in properties_of_kind("link"):
        assert values[name] is None, name
    for name in properties_of_kind("date"):
        if name != "WhenRequested":
            assert values[name] == UNSET_DATE, name
    for name in properties_of_kind("bool"):
        assert values[name] == "false", name
    assert values["Status"] == "Invalid"
    # Flags 0 is "CustomerIsTyping" in JSON and the empty list in XML (docs/formats.md).
    assert values["Flags"] == ("" if xml else "CustomerIsTyping")
    requested = instant(values["WhenRequested"])
    assert since - timedelta(seconds=5) <= requested <= datetime.now(UTC) + timedelta(seconds=5), requested
