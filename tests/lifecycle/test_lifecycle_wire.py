"""Issue 12 section 5 on a real server: no string answers null in any answer shape (decision 18), a
json-patch+json entity object saves the entity, and $mode takes only SuperOffice's three modes."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import urlencode

import pytest
from lifecycle_support import decode, error_message

from sochat.domain.carriers import CARRIERS
from sochat.domain.fields import Kind
from support.api import CREATE_DEFAULT, GET, REST, SAVE
from support.bodies import XSI
from support.entity import link_carriers, properties_of_kind

pytestmark = pytest.mark.e2e

STRINGS = properties_of_kind("string")
LINKS = link_carriers()
UNKNOWN_LINKS = {"User": {"AssociateId": 999001}, "Ticket": {"TicketId": 999002}, "Person": {"PersonId": 999003}}


def _marker() -> str:
    return f"wire-{uuid.uuid4().hex[:10]}"


def _null_strings(entity: dict[str, Any]) -> list[str]:
    """Every string property, or string member of an expanded carrier, that is null."""
    found = [name for name in STRINGS if entity[name] is None]
    for name, carrier in LINKS.items():
        value = entity[name]
        if isinstance(value, dict):
            kinds = dict(CARRIERS[carrier or ""].properties)
            found += [
                f"{name}.{member}" for member, kind in kinds.items() if kind is Kind.STRING and value[member] is None
            ]
    return found


def _bodies(marker: str) -> list[tuple[str, bytes]]:
    """The same "no text" session in the body types that can say null: JSON null, XML nil, an empty form field."""
    as_json = {"SessionKey": marker, "CustomerName": None, "FirstMessage": None, **UNKNOWN_LINKS}
    xml = (
        f'<ChatSessionEntity xmlns:i="{XSI}"><CustomerName i:nil="true" /><FirstMessage i:nil="true" />'
        f"<SessionKey>{marker}</SessionKey><User><AssociateId>999001</AssociateId></User>"
        "<Ticket><TicketId>999002</TicketId></Ticket></ChatSessionEntity>"
    )
    form = urlencode({"SessionKey": marker, "CustomerName": "", "FirstMessage": "", "User.AssociateId": "999001"})
    return [
        ("application/json", json.dumps(as_json).encode()),
        ("application/xml", xml.encode()),
        ("application/x-www-form-urlencoded", form.encode()),
    ]


@pytest.mark.parametrize("accept", ["application/json", "application/xml"])
def test_no_answer_holds_a_null_string(http, accept):
    """Saved with null strings (JSON null, XML nil, empty form field) and unknown links: Save, Get, REST GET,
    the default entity and the OData rows answer "" for every string, in JSON and in XML."""
    marker = _marker()
    for content_type, body in _bodies(marker):
        saved = http.post(SAVE, content=body, headers={"Content-Type": content_type, "Accept": accept})
        assert saved.status_code == 200, saved.text[:300]
        entity = decode(saved)
        chat_session_id = int(entity["ChatSessionId"])
        assert entity["CustomerName"] == "" and entity["FirstMessage"] == "", content_type
        answers = [
            entity,
            decode(http.post(GET, params={"chatSessionEntityId": chat_session_id}, headers={"Accept": accept})),
            decode(http.get(f"{REST}/{chat_session_id}", headers={"Accept": accept})),
            decode(http.post(CREATE_DEFAULT, headers={"Accept": accept})),
        ]
        for answer in answers:
            assert _null_strings(answer) == [], (content_type, answer)
    rows = http.get(REST, params={"$filter": f"sessionKey eq '{marker}'"}).json()["value"]
    assert len(rows) == 3
    for row in rows:
        assert row["customerName"] == "" and row["firstMessage"] == "" and row["customerHost"] == "", row
    blank = http.get(REST, params={"$filter": f"sessionKey eq '{marker}' and customerName eq ''"}).json()
    assert len(blank["value"]) == 3
    named = http.get(REST, params={"$filter": f"sessionKey eq '{marker}' and customerName set"}).json()
    assert named["value"] == []


def test_select_clears_only_reference_types_in_an_agent_answer(http):
    """GetChatSessionEntity with $select=Rank: strings and links null, value types at their default."""
    saved = http.post(SAVE, json={"CustomerName": "Ada", "Rank": 3, "Status": "Closed", "User": {"AssociateId": 1}})
    chat_session_id = saved.json()["ChatSessionId"]
    entity = http.post(GET, params={"chatSessionEntityId": chat_session_id, "$select": "Rank"}).json()
    assert entity["Rank"] == 3
    assert (entity["CustomerName"], entity["User"]) == (None, None)
    assert (entity["ChatSessionId"], entity["Status"], entity["Flags"]) == (0, "Invalid", "CustomerIsTyping")
    assert (entity["CustomerConsented"], entity["WhenRequested"]) == (False, "0001-01-01T00:00:00")


def test_json_patch_content_type_with_an_entity_object_saves_the_entity(http):
    """SaveChatSessionEntity (and POST, PUT) with application/json-patch+json and an entity object saves it, as
    application/json would; a JSON Patch array there keeps patching."""
    marker = _marker()
    headers = {"Content-Type": "application/json-patch+json"}
    body = json.dumps({"SessionKey": marker, "CustomerName": "Object body", "Rank": 7, "Status": "InQueue"})
    saved = http.post(SAVE, content=body, headers=headers)
    assert saved.status_code == 200, saved.text[:300]
    entity = saved.json()
    assert (entity["CustomerName"], entity["Rank"], entity["Status"]) == ("Object body", 7, "InQueue")
    assert entity["ChatSessionId"] > 0
    posted = http.post(REST, content=body, headers=headers)
    assert posted.status_code == 200 and posted.json()["SessionKey"] == marker
    put = http.put(f"{REST}/{entity['ChatSessionId']}", content=json.dumps({"Rank": 2}), headers=headers)
    assert put.status_code == 200 and (put.json()["Rank"], put.json()["CustomerName"]) == (2, "")
    patch = [{"op": "test", "path": "/ChatSessionId", "value": entity["ChatSessionId"]}]
    patch.append({"op": "replace", "path": "/Rank", "value": 9})
    patched = http.post(SAVE, content=json.dumps(patch), headers=headers)
    assert patched.status_code == 200, patched.text[:300]
    assert (patched.json()["ChatSessionId"], patched.json()["Rank"]) == (entity["ChatSessionId"], 9)


def test_patch_route_refuses_an_entity_object_as_json_patch(http):
    """On PATCH /{id} an object sent as application/json-patch+json is a 400 and changes nothing (a whole entity
    there would reset what it leaves out)."""
    saved = http.post(REST, json={"CustomerName": "Keep me", "Rank": 4}).json()
    response = http.patch(
        f"{REST}/{saved['ChatSessionId']}",
        content=json.dumps({"Rank": 5}),
        headers={"Content-Type": "application/json-patch+json"},
    )
    assert "array of operations" in error_message(response, 400)
    after = http.get(f"{REST}/{saved['ChatSessionId']}").json()
    assert (after["CustomerName"], after["Rank"]) == ("Keep me", 4)


@pytest.mark.parametrize("mode", ["Slim", "wide", "FULL", ""])
def test_mode_takes_slim_wide_full_in_any_case(http, mode):
    response = http.get(REST, params={"$mode": mode, "$top": "1"})
    assert response.status_code == 200, response.text[:300]


@pytest.mark.parametrize("mode", ["Fast", "slimmer", "0"])
def test_mode_outside_slim_wide_full_is_400_naming_it(http, mode):
    response = http.get(REST, params={"$mode": mode})
    message = error_message(response, 400)
    assert "$mode" in message and mode in message
