"""Linked records in answers: each carrier a session links to (User, TransferTo, Person, Contact, Project, Sale,
Ticket) is answered expanded with what sochat stores, in SuperOffice's member order; a link to a record sochat does
not hold is an id-only carrier (every other member at its .NET default); strict mode refuses such links.

The expected member lists and kinds are SuperOffice's (superoffice-reference.md section 4, in crm_support), not
sochat's own tables; the expected values are the demo company's (sochat.demo) and records imported here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from crm_support import (
    CARRIER_MEMBERS,
    GET,
    ID_MEMBER,
    LINKS,
    MERGE_PATCH,
    REST,
    SAVE,
    assert_error,
    call,
    carrier_keys,
    create_session,
    enum_members,
    id_only_carrier,
    import_file,
    session_count,
)

from support.client import Client

pytestmark = pytest.mark.anyio

# The demo company's records (sochat.demo), by entity property: (id, the members the demo stores).
KNOWN: dict[str, tuple[int, dict[str, object]]] = {
    "User": (
        2,
        {
            "Name": "AB",
            "PersonId": 0,
            "Rank": 0,
            "Tooltip": "",
            "Type": "InternalAssociate",
            "GroupIdx": 0,
            "FullName": "Anna Berg",
            "FormalName": "Anna Berg",
            "Deleted": False,
            "EjUserId": 0,
            "UserName": "agent1",
        },
    ),
    "TransferTo": (
        3,
        {
            "Name": "LN",
            "Tooltip": "",
            "Type": "InternalAssociate",
            "FullName": "Lars Nilsen",
            "FormalName": "Lars Nilsen",
            "UserName": "agent2",
        },
    ),
    "Person": (
        1010,
        {
            "Firstname": "Ingrid",
            "Lastname": "Haugen",
            "FullName": "Ingrid Haugen",
            "Email": "ingrid.haugen@example.com",
            "ContactId": 101,
            "ContactName": "Nordlys Energi AS",
        },
    ),
    "Contact": (
        101,
        {
            "Name": "Nordlys Energi AS",
            "City": "Tromsø",
            "FullName": "Nordlys Energi AS",
            "AssociateId": 1,
            "AssociateFullName": "Tom Jensen",
            "CategoryName": "Customer",
        },
    ),
    "Project": (
        201,
        {"Name": "Portal relaunch", "Status": "Active", "AssociateId": 1, "AssociateFullName": "Tom Jensen"},
    ),
    "Sale": (
        301,
        {"Title": "Enterprise licence", "Amount": 120000.0, "Currency": "NOK", "Status": "Open", "ContactId": 102},
    ),
    "Ticket": (401, {"Title": "Login fails after update", "Priority": 2, "BaseStatus": "Active", "ContactId": 101}),
}
UNKNOWN_IDS = {
    "User": 9001,
    "TransferTo": 9002,
    "Person": 99001,
    "Contact": 99002,
    "Project": 99003,
    "Sale": 99004,
    "Ticket": 99005,
}


def _linked_body(ids: dict[str, int]) -> dict[str, object]:
    body: dict[str, object] = {"ChatSessionId": 0, "TopicId": 1, "CustomerName": "links"}
    for prop, record_id in ids.items():
        body[prop] = {ID_MEMBER[LINKS[prop]]: record_id}
    return body


def _expected_known(prop: str) -> dict[str, object]:
    record_id, values = KNOWN[prop]
    return {**id_only_carrier(LINKS[prop], record_id), **values}


def _without(carrier: dict[str, Any], names: set[str]) -> dict[str, Any]:
    return {key: value for key, value in carrier.items() if key not in names}


def _unset_enums(prop: str) -> set[str]:
    """Enum members the demo record leaves unset (their default is checked on its own below)."""
    return enum_members(LINKS[prop]) - set(KNOWN[prop][1])


async def _answers(crm: Client, body: dict[str, object]) -> list[dict[str, Any]]:
    """The session as Save answers it, then as Get, REST GET and a REST PATCH answer it."""
    saved = await call(crm, "POST", SAVE, json_body=body)
    assert saved.status_code == 200, saved.text
    session_id = saved.json()["ChatSessionId"]
    got = await call(crm, "POST", GET, params={"chatSessionEntityId": session_id})
    rest = await call(crm, "GET", f"{REST}/{session_id}")
    patched = await call(crm, "PATCH", f"{REST}/{session_id}", json_body={"Rank": 1}, headers=MERGE_PATCH)
    for response in (got, rest, patched):
        assert response.status_code == 200, response.text
    return [saved.json(), got.json(), rest.json(), patched.json()]


@pytest.mark.parametrize("prop", list(LINKS))
async def test_known_link_is_expanded(crm: Client, prop: str) -> None:
    """A link to a demo record answers the whole carrier, SuperOffice's member order, the stored values filled in."""
    answers = await _answers(crm, _linked_body({name: record_id for name, (record_id, _) in KNOWN.items()}))
    for answer in answers:
        carrier = answer[prop]
        assert list(carrier) == carrier_keys(LINKS[prop]), prop
        unset = _unset_enums(prop)
        assert _without(carrier, unset) == _without(_expected_known(prop), unset)


async def test_every_carrier_in_one_answer_in_entity_order(crm: Client) -> None:
    """One session linking all seven carriers answers each in its entity position, expanded."""
    answer = (await _answers(crm, _linked_body({name: record_id for name, (record_id, _) in KNOWN.items()})))[1]
    linked = [name for name in answer if isinstance(answer[name], dict) and name in LINKS]
    assert linked == ["User", "Person", "Contact", "Project", "Sale", "Ticket", "TransferTo"]
    assert answer["Person"]["FullName"] == "Ingrid Haugen"
    assert answer["Contact"]["Name"] == "Nordlys Energi AS"
    assert (answer["Sale"]["Title"], answer["Sale"]["Amount"]) == ("Enterprise licence", 120000.0)
    assert answer["Ticket"]["Title"] == "Login fails after update"
    assert answer["Project"]["Name"] == "Portal relaunch"
    assert (answer["User"]["FullName"], answer["TransferTo"]["FullName"]) == ("Anna Berg", "Lars Nilsen")


@pytest.mark.parametrize("prop", ["Sale", "Ticket"])
async def test_unset_enum_member_of_a_known_record_is_its_dotnet_default(crm: Client, prop: str) -> None:
    """An enum member the record does not hold (Sale.Completed, Ticket.Slevel, ...) is answered "Unknown" (value 0)."""
    answer = (await _answers(crm, _linked_body({prop: KNOWN[prop][0]})))[1]
    unset = _unset_enums(prop)
    assert unset
    assert {name: answer[prop][name] for name in unset} == dict.fromkeys(unset, "Unknown")


@pytest.mark.parametrize("prop", list(LINKS))
async def test_unknown_link_is_an_id_only_carrier(crm: Client, prop: str) -> None:
    """A link to an id sochat does not hold is stored and answered as the carrier with that id, the rest at default."""
    record_id = UNKNOWN_IDS[prop]
    for answer in await _answers(crm, _linked_body({prop: record_id})):
        carrier = answer[prop]
        assert list(carrier) == carrier_keys(LINKS[prop])
        enums = enum_members(LINKS[prop]) - {"Type"}  # Associate.Type is checked here; the others below
        assert _without(carrier, enums) == _without(id_only_carrier(LINKS[prop], record_id), enums)


@pytest.mark.parametrize("carrier", ["Associate", "Sale", "Ticket"])
async def test_enum_members_of_an_id_only_carrier_are_unknown(crm: Client, carrier: str) -> None:
    """Enum members of an id-only carrier (Associate.Type, Sale.Status, Ticket.BaseStatus, ...) are "Unknown"."""
    prop = next(name for name, kind in LINKS.items() if kind == carrier)
    answer = (await _answers(crm, _linked_body({prop: UNKNOWN_IDS[prop]})))[1]
    names = enum_members(carrier)
    assert {name: answer[prop][name] for name in names} == dict.fromkeys(names, "Unknown")


@pytest.mark.parametrize("no_link", [None, {"SaleId": 0}, {"SaleId": -1}, {}])
async def test_no_link_answers_null(crm: Client, no_link: object) -> None:
    """null, id 0, id -1 and a carrier without id all mean "no link" and are answered null."""
    answer = (await _answers(crm, {"ChatSessionId": 0, "Sale": no_link}))[1]
    assert answer["Sale"] is None


async def test_only_the_id_of_a_sent_carrier_counts(crm: Client) -> None:
    """Members sent beside the id (a wrong Title, FullName) are ignored: the answer shows the stored record."""
    body = {
        "ChatSessionId": 0,
        "Sale": {"SaleId": 302, "Title": "forged", "Amount": 1.0},
        "User": {"AssociateId": 2, "FullName": "Someone Else"},
    }
    answer = (await _answers(crm, body))[1]
    assert (answer["Sale"]["Title"], answer["Sale"]["Amount"]) == ("Support upgrade", 18000.0)
    assert answer["User"]["FullName"] == "Anna Berg"


# -- strict mode ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["agent.Save", "rest.POST", "rest.PUT", "rest.PATCH"])
@pytest.mark.parametrize("prop", [*LINKS, "TopicId"])
async def test_strict_refuses_unknown_link(strict_crm: Client, prop: str, route: str) -> None:
    """In strict mode a link to an id sochat does not hold is 400 naming the property and the id; nothing is stored."""
    crm = strict_crm
    target = (await create_session(crm, CustomerName="untouched", TopicId=1))["ChatSessionId"]
    before = await crm.stored(target)
    count = session_count(crm)
    record_id = UNKNOWN_IDS.get(prop, 77)
    link: object = record_id if prop == "TopicId" else {ID_MEMBER[LINKS[prop]]: record_id}
    body = {"CustomerName": "changed", prop: link}
    if route == "agent.Save":
        response = await call(crm, "POST", SAVE, json_body={**body, "ChatSessionId": target})
    elif route == "rest.POST":
        response = await call(crm, "POST", REST, json_body=body)
    elif route == "rest.PUT":
        response = await call(crm, "PUT", f"{REST}/{target}", json_body=body)
    else:
        response = await call(crm, "PATCH", f"{REST}/{target}", json_body=body, headers=MERGE_PATCH)
    message = assert_error(response, 400, "SoArgumentException")
    assert prop in message
    assert str(record_id) in message
    assert await crm.stored(target) == before
    assert session_count(crm) == count


async def test_strict_accepts_known_links_and_expands_them(strict_crm: Client) -> None:
    """In strict mode links to stored records save and answer expanded as in default mode."""
    answers = await _answers(strict_crm, _linked_body({name: record_id for name, (record_id, _) in KNOWN.items()}))
    for prop in LINKS:
        unset = _unset_enums(prop)
        assert _without(answers[1][prop], unset) == _without(_expected_known(prop), unset)


# -- records imported by `sochat import` ---------------------------------------------------------------------------


def _write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


IMPORTED = [
    {
        "type": "Project",
        "ProjectId": 7001,
        "Name": "Harbour",
        "Updated": "2024-05-01T10:00:00.1234567Z",
        "StartDate": "2024-06-01T08:30:00+02:00",
        "IsPublished": "true",
        "TypeId": "12",
    },
    {
        "type": "Sale",
        "SaleId": 7002,
        "Title": "Cranes",
        "Amount": "2500.5",
        "Probability": 40,
        "SaleDate": "2024-07-15T00:00:00Z",
        "WeightedAmount": 1000.2,
    },
    {"type": "Person", "PersonId": 7003, "Firstname": "Åse", "Lastname": "Øye", "Retired": 1, "UsePersonAddress": True},
    {
        "type": "Contact",
        "ContactId": 7004,
        "Name": "Kai AS",
        "Address": {"Formatted": "Kaia 1, Bergen", "Wgs84Latitude": 60.39},
        "IsOwnerContact": False,
    },
    {"type": "Ticket", "TicketId": 7005, "Title": "Leak", "CreatedAt": "2024-01-02T03:04:05.5+01:00", "NumReplies": 3},
]


async def test_imported_records_are_expanded_with_their_kinds(crm: Client, company_path: Path, tmp_path: Path) -> None:
    """Records loaded with `sochat import` answer with their values typed (numbers, booleans, dates, objects)."""
    result = import_file(company_path, _write_jsonl(tmp_path / "records.jsonl", IMPORTED))
    assert result.exit_code == 0, result.output
    body = _linked_body({"Project": 7001, "Sale": 7002, "Person": 7003, "Contact": 7004, "Ticket": 7005})
    answer = (await _answers(crm, body))[1]
    project, sale, person, contact, ticket = (answer[p] for p in ("Project", "Sale", "Person", "Contact", "Ticket"))
    assert project["Updated"] == "2024-05-01T10:00:00.1234567+00:00"
    assert project["StartDate"] == "2024-06-01T06:30:00.0000000+00:00"
    assert (project["IsPublished"], project["TypeId"], project["PublishTo"]) == (True, 12, "0001-01-01T00:00:00")
    assert (sale["Amount"], sale["Probability"], sale["WeightedAmount"]) == (2500.5, 40, 1000.2)
    assert sale["SaleDate"] == "2024-07-15T00:00:00.0000000+00:00"
    assert (person["Firstname"], person["Lastname"], person["Retired"], person["UsePersonAddress"]) == (
        "Åse",
        "Øye",
        1,
        True,
    )
    assert contact["Address"] == {"Formatted": "Kaia 1, Bergen", "Wgs84Latitude": 60.39}
    assert contact["IsOwnerContact"] is False
    assert (ticket["CreatedAt"], ticket["NumReplies"]) == ("2024-01-02T02:04:05.5000000+00:00", 3)
    for prop, value in (("Project", project), ("Sale", sale), ("Person", person), ("Contact", contact)):
        assert list(value) == carrier_keys(LINKS[prop])


async def test_carrier_dates_follow_the_request_time_zone(crm: Client, company_path: Path, tmp_path: Path) -> None:
    """A carrier's dates are answered in SO-TimeZone's zone, like the entity's own dates."""
    assert import_file(company_path, _write_jsonl(tmp_path / "p.jsonl", IMPORTED[:1])).exit_code == 0
    session_id = (await create_session(crm, Project={"ProjectId": 7001}))["ChatSessionId"]
    response = await call(crm, "GET", f"{REST}/{session_id}", headers={"SO-TimeZone": "Europe/Oslo"})
    assert response.status_code == 200, response.text
    assert response.json()["Project"]["Updated"] == "2024-05-01T12:00:00.1234567+02:00"


async def test_expansion_shows_the_record_as_it_is_now(crm: Client, company_path: Path, tmp_path: Path) -> None:
    """An unknown link expands once the record is imported, and follows a later re-import (upsert) of it."""
    session_id = (await create_session(crm, Sale={"SaleId": 7002}))["ChatSessionId"]
    first = await crm.stored(session_id)
    assert first is not None
    assert first["Sale"]["Title"] == ""  # no text is "" (decision 18)

    assert import_file(company_path, _write_jsonl(tmp_path / "a.jsonl", [IMPORTED[1]])).exit_code == 0
    second = await crm.stored(session_id)
    assert second is not None
    assert second["Sale"]["Title"] == "Cranes"

    renamed = {"type": "Sale", "SaleId": 7002, "Title": "Harbour cranes"}
    assert import_file(company_path, _write_jsonl(tmp_path / "b.jsonl", [renamed])).exit_code == 0
    third = await crm.stored(session_id)
    assert third is not None
    assert (third["Sale"]["Title"], third["Sale"]["Amount"]) == ("Harbour cranes", 0.0)


async def test_person_member_kinds_match_superoffice(crm: Client) -> None:
    """Sanity of the oracle: the Person carrier has SuperOffice's 41 members, PersonNumber last."""
    assert len(CARRIER_MEMBERS["Person"]) == 41
    answer = (await _answers(crm, _linked_body({"Person": 1010})))[1]
    assert list(answer["Person"])[-3:] == ["PersonNumber", "TableRight", "FieldProperties"]
