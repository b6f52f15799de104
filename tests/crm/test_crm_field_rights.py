"""Field and table rights in every answer: FieldProperties (FieldRight mask and reason, FieldType, FieldLength)
and TableRight per role, and what a save of a field the caller may not change does (it keeps the stored value).

docs/behaviour.md, Rights: agents may not change Rating and CustomerConsented (the customer's own statements);
the save succeeds and the field keeps its stored value, a new session gets the default.
"""

from __future__ import annotations

from typing import Any

import pytest
from crm_support import (
    CREATE_DEFAULT,
    ENTITY_FIELDS,
    ENTITY_PROPERTIES,
    GET,
    MERGE_PATCH,
    REST,
    ROLES,
    SAVE,
    TABLE_MASK,
    USERS,
    assert_error,
    call,
    create_session,
    session_count,
    user_link,
)

from support.client import Client
from support.entity import PROPERTIES

pytestmark = pytest.mark.anyio

CUSTOMER_FIELDS = ("Rating", "CustomerConsented")
SERVER_ASSIGNED = "Read, UIHintReadOnly"  # EFieldRight Read (1) | UIHintReadOnly (128)


def expected_mask(role: str, name: str) -> str:
    if name == "ChatSessionId":
        return SERVER_ASSIGNED
    if role == "readonly" or (role == "agent" and name in CUSTOMER_FIELDS):
        return "Read"
    return "Update"  # Read | Write, written as .NET names the combined member


async def _answers(crm: Client, role: str) -> list[dict[str, Any]]:
    """The entity as each route answers it to ``role``: Get, REST GET, CreateDefault, REST default."""
    session_id = (await create_session(crm, User=user_link(USERS[role].associate_id), Rating=3))["ChatSessionId"]
    responses = [
        await call(crm, "POST", GET, role=role, params={"chatSessionEntityId": session_id}),
        await call(crm, "GET", f"{REST}/{session_id}", role=role),
        await call(crm, "POST", CREATE_DEFAULT, role=role),
        await call(crm, "GET", f"{REST}/default", role=role),
    ]
    for response in responses:
        assert response.status_code == 200, response.text
    return [response.json() for response in responses]


@pytest.mark.parametrize("role", ROLES)
async def test_field_properties_per_role(crm: Client, role: str) -> None:
    """FieldProperties lists the 31 properties in order with the role's FieldRight, the .NET type and the length."""
    for answer in await _answers(crm, role):
        properties = answer["FieldProperties"]
        assert list(properties) == list(ENTITY_PROPERTIES)
        for name, dotnet_type, length in ENTITY_FIELDS:
            entry = properties[name]
            assert list(entry) == ["FieldRight", "FieldType", "FieldLength"], name
            assert entry["FieldType"] == dotnet_type, name
            assert entry["FieldLength"] == length, name
            right = entry["FieldRight"]
            assert set(right) == {"Mask", "Reason"}, name
            assert right["Mask"] == expected_mask(role, name), (role, name)
            if right["Mask"] == "Update":
                assert right["Reason"] == "", name
            else:
                assert right["Reason"].startswith("[SR_"), (name, right)  # a string reference says why


async def test_field_right_reasons_name_the_cause(crm: Client) -> None:
    """The agent's customer fields, readonly's fields and the server-assigned id each carry their own reason."""
    agent = (await _answers(crm, "agent"))[0]["FieldProperties"]
    readonly = (await _answers(crm, "readonly"))[0]["FieldProperties"]
    customer = {agent[name]["FieldRight"]["Reason"] for name in CUSTOMER_FIELDS}
    assert customer == {"[SR_SOCHAT_CUSTOMER_FIELD]"}
    no_update = {readonly[name]["FieldRight"]["Reason"] for name in PROPERTIES if name != "ChatSessionId"}
    assert len(no_update) == 1
    assert no_update != customer
    assert agent["ChatSessionId"]["FieldRight"]["Reason"] not in customer | no_update


async def test_field_right_reason_is_resolved_in_the_request_language(crm: Client) -> None:
    """With Accept-Language the agent's Rating reason is text in that language instead of the string reference."""
    session_id = (await create_session(crm, User=user_link(USERS["agent"].associate_id)))["ChatSessionId"]
    reasons = {}
    for language in ("en", "nb"):
        response = await call(crm, "GET", f"{REST}/{session_id}", role="agent", headers={"Accept-Language": language})
        assert response.status_code == 200, response.text
        right = response.json()["FieldProperties"]["Rating"]["FieldRight"]
        assert right["Mask"] == "Read"
        reasons[language] = right["Reason"]
    assert not reasons["en"].startswith("[")
    assert "customer" in reasons["en"].lower()
    assert reasons["nb"] != reasons["en"]


@pytest.mark.parametrize("role", ROLES)
async def test_table_right_per_role(crm: Client, role: str) -> None:
    """TableRight is FULL for admin, URI for agents and Select for readonly, with a reason when rights are missing."""
    for answer in await _answers(crm, role):
        right = answer["TableRight"]
        assert list(right) == ["Mask", "Reason"]
        assert right["Mask"] == TABLE_MASK[role]
        if role == "admin":
            assert right["Reason"] == ""
        else:
            assert right["Reason"].startswith("[SR_"), right


async def test_table_right_in_xml_is_the_xsd_token_list(crm: Client) -> None:
    """XML answers write ETableRight as the XSD list of single-bit names: URI is 'Select Update Insert'."""
    session_id = (await create_session(crm, User=user_link(USERS["agent"].associate_id)))["ChatSessionId"]
    response = await call(crm, "GET", f"{REST}/{session_id}", role="agent", headers={"Accept": "application/xml"})
    assert response.status_code == 200, response.text
    assert "<Mask>Select Update Insert</Mask>" in response.text


def _update_body(session_id: int) -> dict[str, object]:
    return {
        "ChatSessionId": session_id,
        "User": user_link(USERS["agent"].associate_id),
        "CustomerName": "renamed by the agent",
        "Rating": 5,
        "CustomerConsented": False,
    }


@pytest.mark.parametrize("route", ["agent.Save", "rest.PUT", "rest.PATCH"])
async def test_agent_change_to_customer_fields_is_dropped(crm: Client, route: str) -> None:
    """An agent's new Rating and CustomerConsented are ignored (stored values kept), its other changes are saved."""
    created = await create_session(
        crm, User=user_link(USERS["agent"].associate_id), CustomerName="before", Rating=2, CustomerConsented=True
    )
    session_id = created["ChatSessionId"]
    body = _update_body(session_id)
    if route == "agent.Save":
        response = await call(crm, "POST", SAVE, role="agent", json_body=body)
    elif route == "rest.PUT":
        response = await call(crm, "PUT", f"{REST}/{session_id}", role="agent", json_body=body)
    else:
        patch = {"CustomerName": body["CustomerName"], "Rating": 5, "CustomerConsented": False}
        response = await call(crm, "PATCH", f"{REST}/{session_id}", role="agent", json_body=patch, headers=MERGE_PATCH)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["CustomerName"] == "renamed by the agent"
    assert answer["Rating"] == 2
    assert answer["CustomerConsented"] is True
    for name in CUSTOMER_FIELDS:
        assert answer["FieldProperties"][name]["FieldRight"] == {"Mask": "Read", "Reason": "[SR_SOCHAT_CUSTOMER_FIELD]"}
    stored = await crm.stored(session_id)
    assert stored is not None
    assert (stored["CustomerName"], stored["Rating"], stored["CustomerConsented"]) == ("renamed by the agent", 2, True)


@pytest.mark.parametrize("route", ["agent.Save", "rest.POST"])
async def test_agent_new_session_gets_default_customer_fields(crm: Client, route: str) -> None:
    """A session an agent creates stores Rating 0 and CustomerConsented false whatever the agent sent."""
    body = {
        "User": user_link(USERS["agent"].associate_id),
        "CustomerName": "new",
        "Rating": 5,
        "CustomerConsented": True,
    }
    response = await call(crm, "POST", SAVE if route == "agent.Save" else REST, role="agent", json_body=body)
    assert response.status_code == 200, response.text
    stored = await crm.stored(response.json()["ChatSessionId"])
    assert stored is not None
    assert (stored["CustomerName"], stored["Rating"], stored["CustomerConsented"]) == ("new", 0, False)


async def test_admin_changes_customer_fields(crm: Client) -> None:
    """The admin may change Rating and CustomerConsented: the stored values follow the save."""
    created = await create_session(crm, User=user_link(USERS["agent"].associate_id), Rating=2, CustomerConsented=True)
    session_id = created["ChatSessionId"]
    body = {**_update_body(session_id), "User": user_link(USERS["agent"].associate_id)}
    response = await call(crm, "POST", SAVE, role="admin", json_body=body)
    assert response.status_code == 200, response.text
    stored = await crm.stored(session_id)
    assert stored is not None
    assert (stored["Rating"], stored["CustomerConsented"]) == (5, False)
    assert stored["FieldProperties"]["Rating"]["FieldRight"] == {"Mask": "Update", "Reason": ""}


async def test_agent_cannot_change_the_session_id(crm: Client) -> None:
    """A body id on PUT does not move the session: the path names it, the id is server-assigned."""
    created = await create_session(crm, User=user_link(USERS["agent"].associate_id), CustomerName="x")
    session_id = created["ChatSessionId"]
    count = session_count(crm)
    response = await call(
        crm,
        "PUT",
        f"{REST}/{session_id}",
        role="agent",
        json_body={**_update_body(session_id), "ChatSessionId": session_id + 500},
    )
    assert response.status_code == 200, response.text
    assert response.json()["ChatSessionId"] == session_id
    assert await crm.stored(session_id + 500) is None
    assert session_count(crm) == count


@pytest.mark.parametrize("route", ["agent.Save", "rest.PUT", "rest.PATCH", "rest.POST", "agent.Delete", "rest.DELETE"])
async def test_readonly_changes_nothing(crm: Client, route: str) -> None:
    """Every write by the readonly role is 403 with a reason naming the role, and nothing is stored."""
    created = await create_session(crm, User=user_link(USERS["readonly"].associate_id), CustomerName="kept", Rating=1)
    session_id = created["ChatSessionId"]
    before = await crm.stored(session_id)
    count = session_count(crm)
    body = {"ChatSessionId": session_id, "CustomerName": "changed"}
    calls = {
        "agent.Save": ("POST", SAVE, body, None),
        "rest.PUT": ("PUT", f"{REST}/{session_id}", body, None),
        "rest.PATCH": ("PATCH", f"{REST}/{session_id}", {"CustomerName": "changed"}, None),
        "rest.POST": ("POST", REST, {"CustomerName": "changed"}, None),
        "agent.Delete": (
            "POST",
            "/api/v1/Agents/Chat/DeleteChatSessionEntity",
            None,
            {"ChatSessionEntityId": session_id},
        ),
        "rest.DELETE": ("DELETE", f"{REST}/{session_id}", None, None),
    }
    method, path, json_body, params = calls[route]
    headers = MERGE_PATCH if route == "rest.PATCH" else None
    response = await call(crm, method, path, role="readonly", json_body=json_body, params=params, headers=headers)
    message = assert_error(response, 403, "SoAccessDeniedException")
    assert "readonly" in message
    assert await crm.stored(session_id) == before
    assert session_count(crm) == count
