"""The rights matrix: every role x every route that touches a chat session x the caller's own session, another
agent's and an unassigned one. Each cell checks the status and then reads back, as the admin, what is stored.
Every test here runs on both databases.

docs/behaviour.md, Rights: admin FULL on all sessions; agent URI on its own and unassigned sessions only (another
agent's session is answered exactly as an id that is not stored, by reads, writes, conditional headers and
Idempotency-Key replays alike); readonly Select on all.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from crm_support import (
    CREATE_DEFAULT,
    DELETE,
    GET,
    MERGE_PATCH,
    OTHER_AGENT,
    REST,
    ROLES,
    SAVE,
    TABLE_MASK,
    USERS,
    CrmFactory,
    assert_error,
    call,
    create_session,
    owner_of,
    session_count,
    user_link,
)

from support.client import Client

pytestmark = pytest.mark.anyio


OWNERSHIPS = ("own", "other", "unassigned")
ID_ROUTES = ("agent.Get", "agent.Save", "agent.Delete", "rest.GET", "rest.PUT", "rest.PATCH", "rest.DELETE")
CREATE_ROUTES = ("agent.Save", "rest.POST")
DEFAULT_ROUTES = ("agent.CreateDefault", "rest.default")

# What every matrix session holds besides its owner; a Save or PUT sends all of it back, as clients do.
BASE: dict[str, object] = {
    "TopicId": 1,
    "CustomerName": "original",
    "CustomerEmail": "ingrid.haugen@example.com",
    "CustomerConsented": True,
    "Status": "InQueue",
    "Rating": 2,
    "Person": {"PersonId": 1010},
    "Contact": {"ContactId": 101},
}
CHANGE = {"CustomerName": "changed", "Status": "UserLast"}


def visible(role: str, ownership: str) -> bool:
    return role != "agent" or ownership != "other"


def outcome(role: str, route: str, ownership: str) -> str:
    """The documented result of one cell: read, hidden, written, fresh, forbidden or deleted."""
    action = route.split(".")[1]
    if action in ("Get", "GET"):
        return "read" if visible(role, ownership) else "hidden"
    if action in ("Delete", "DELETE"):
        return "deleted" if role == "admin" else "forbidden"  # the table right decides first
    if role == "readonly":
        return "forbidden"
    if visible(role, ownership):
        return "written"
    # Another agent's session is answered as an id that is not stored: Save creates a new session with a
    # fresh id (SuperOffice's compatible default), PUT and PATCH answer 404.
    return "fresh" if action == "Save" else "hidden"


async def send(crm: Client, role: str, route: str, session_id: int, owner: int | None) -> httpx.Response:
    """One call of ``route`` on session ``session_id`` as ``role``."""
    write_owner = owner
    if role == "agent" and owner == OTHER_AGENT.associate_id:
        write_owner = USERS["agent"].associate_id  # the realistic attempt: take the session over
    body = {**BASE, "ChatSessionId": session_id, "User": user_link(write_owner), **CHANGE}
    path = f"{REST}/{session_id}"
    if route == "agent.Get":
        return await call(crm, "POST", GET, role=role, params={"chatSessionEntityId": session_id})
    if route == "agent.Save":
        return await call(crm, "POST", SAVE, role=role, json_body=body)
    if route == "agent.Delete":
        return await call(crm, "POST", DELETE, role=role, params={"ChatSessionEntityId": session_id})
    if route == "rest.GET":
        return await call(crm, "GET", path, role=role)
    if route == "rest.PUT":
        return await call(crm, "PUT", path, role=role, json_body=body)
    if route == "rest.PATCH":
        return await call(crm, "PATCH", path, role=role, json_body=CHANGE, headers=MERGE_PATCH)
    assert route == "rest.DELETE"
    return await call(crm, "DELETE", path, role=role)


@pytest.mark.parametrize("ownership", OWNERSHIPS)
@pytest.mark.parametrize("route", ID_ROUTES)
@pytest.mark.parametrize("role", ROLES)
async def test_route_on_session(crm: Client, role: str, route: str, ownership: str) -> None:
    """A route that takes an id answers the documented status for the role and owner, and stores only that."""
    owner = owner_of(role, ownership)
    created = await create_session(crm, **BASE, User=user_link(owner))
    session_id = created["ChatSessionId"]
    before = await crm.stored(session_id)
    assert before is not None
    count = session_count(crm)

    response = await send(crm, role, route, session_id, owner)
    expected = outcome(role, route, ownership)
    after = await crm.stored(session_id)

    if expected == "read":
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["ChatSessionId"] == session_id
        assert answer["CustomerName"] == "original"
        assert answer["TableRight"]["Mask"] == TABLE_MASK[role]
        assert after == before
    elif expected == "hidden":
        if route == "agent.Get":
            assert response.status_code == 200, response.text
            assert response.json() is None
        else:
            assert_error(response, 404, "SoNotFoundException")
        assert after == before
    elif expected == "written":
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["ChatSessionId"] == session_id
        assert answer["CustomerName"] == "changed"
        assert answer["TableRight"]["Mask"] == TABLE_MASK[role]
        assert after == {**before, **CHANGE}
    elif expected == "fresh":
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["ChatSessionId"] > session_id  # a new session; the other agent's is untouched
        assert answer["CustomerName"] == "changed"
        assert answer["User"]["AssociateId"] == USERS[role].associate_id
        assert after == before
    elif expected == "forbidden":
        assert_error(response, 403, "SoAccessDeniedException")
        assert after == before
    else:
        assert expected == "deleted"
        assert response.status_code == 204, response.text
        assert response.content == b""
        assert after is None
    assert session_count(crm) == count - (expected == "deleted") + (expected == "fresh")


@pytest.mark.parametrize("ownership", OWNERSHIPS)
@pytest.mark.parametrize("route", CREATE_ROUTES)
@pytest.mark.parametrize("role", ROLES)
async def test_create_session(crm: Client, role: str, route: str, ownership: str) -> None:
    """Creating a session for oneself, another agent or nobody: allowed, or 403 with nothing stored."""
    owner = owner_of(role, ownership)
    body = {**BASE, "ChatSessionId": 0, "User": user_link(owner)}
    count = session_count(crm)
    if route == "agent.Save":
        response = await call(crm, "POST", SAVE, role=role, json_body=body)
    else:
        response = await call(crm, "POST", REST, role=role, json_body=body)

    allowed = role == "admin" or (role == "agent" and ownership != "other")
    if not allowed:
        assert_error(response, 403, "SoAccessDeniedException")
        assert session_count(crm) == count
        return
    assert response.status_code == 200, response.text
    answer = response.json()
    new_id = answer["ChatSessionId"]
    assert new_id > 0
    assert answer["TableRight"]["Mask"] == TABLE_MASK[role]
    assert session_count(crm) == count + 1
    stored = await crm.stored(new_id)
    assert stored is not None
    assert (stored["User"] or {}).get("AssociateId") == owner
    assert stored["CustomerName"] == "original"
    assert stored["Status"] == "InQueue"
    assert stored["Person"]["PersonId"] == 1010
    answered = {key: value for key, value in answer.items() if key != "_Links"}
    assert stored == {**answered, "TableRight": stored["TableRight"], "FieldProperties": stored["FieldProperties"]}


@pytest.mark.parametrize("route", DEFAULT_ROUTES)
@pytest.mark.parametrize("role", ROLES)
async def test_default_entity(crm: Client, role: str, route: str) -> None:
    """Every role gets the default entity, with its own TableRight, and nothing is stored."""
    count = session_count(crm)
    if route == "agent.CreateDefault":
        response = await call(crm, "POST", CREATE_DEFAULT, role=role)
    else:
        response = await call(crm, "GET", f"{REST}/default", role=role)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["ChatSessionId"] == 0
    assert answer["User"] is None
    assert answer["TableRight"]["Mask"] == TABLE_MASK[role]
    assert session_count(crm) == count


async def _list_ids(crm: Client, role: str, ids: list[int]) -> dict[int, int | None]:
    """PrimaryKey -> userId of the listed sessions among ``ids``, as ``role`` sees them."""
    wanted = ", ".join(str(i) for i in ids)
    response = await call(
        crm,
        "GET",
        REST,
        role=role,
        params={"$filter": f"chatSessionId oneOf ({wanted})", "$select": "chatSessionId,userId", "$top": 100},
    )
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["value"]
    return {row["PrimaryKey"]: row["userId"] for row in rows}


@pytest.mark.parametrize("role", ROLES)
async def test_list_shows_what_the_role_may_see(crm: Client, role: str) -> None:
    """GET /api/v1/ChatSession lists the own and unassigned sessions to everyone, another agent's only to non-agents."""
    ids = {}
    for ownership in OWNERSHIPS:
        owner = owner_of(role, ownership)
        ids[ownership] = ((await create_session(crm, **BASE, User=user_link(owner)))["ChatSessionId"], owner)
    listed = await _list_ids(crm, role, [session_id for session_id, _ in ids.values()])
    expected = {session_id: owner for ownership, (session_id, owner) in ids.items() if visible(role, ownership)}
    assert listed == expected


async def test_agent_list_leaves_out_every_other_agents_session(crm: Client) -> None:
    """Over the whole demo company, the agent's list holds exactly the unassigned sessions and its own."""
    everything: dict[int, int | None] = {}
    mine: dict[int, int | None] = {}
    for role, into in (("admin", everything), ("agent", mine)):
        response = await call(crm, "GET", REST, role=role, params={"$select": "userId", "$top": 1000})
        assert response.status_code == 200, response.text
        assert "odata.nextLink" not in response.json()
        into.update({row["PrimaryKey"]: row["userId"] for row in response.json()["value"]})
    assert len(everything) == 300
    assert OTHER_AGENT.associate_id in everything.values()  # the demo has sessions of the other agent
    expected = {key: owner for key, owner in everything.items() if owner in (None, USERS["agent"].associate_id)}
    assert mine == expected


async def test_agent_list_filter_on_other_agent_is_empty(crm: Client) -> None:
    """Filtering the list on the other agent's id answers no rows to an agent, and that agent's rows to the admin."""
    params = {"$filter": f"userId eq {OTHER_AGENT.associate_id}", "$select": "userId", "$top": 1000}
    as_agent = await call(crm, "GET", REST, role="agent", params=params)
    as_admin = await call(crm, "GET", REST, role="admin", params=params)
    assert as_agent.status_code == 200, as_agent.text
    assert as_agent.json()["value"] == []
    assert as_admin.json()["value"]


async def test_hidden_session_reads_exactly_like_a_missing_one(crm: Client) -> None:
    """An agent cannot tell another agent's session from an id that does not exist, by Get or by REST GET."""
    other = (await create_session(crm, **BASE, User=user_link(OTHER_AGENT.associate_id)))["ChatSessionId"]
    missing = other + 1000
    assert await crm.stored(missing) is None

    gets = [
        await call(crm, "POST", GET, role="agent", params={"chatSessionEntityId": session_id})
        for session_id in (other, missing)
    ]
    assert [r.status_code for r in gets] == [200, 200]
    assert gets[0].content == gets[1].content == b"null"

    rests = [await call(crm, "GET", f"{REST}/{session_id}", role="agent") for session_id in (other, missing)]
    messages = [assert_error(r, 404, "SoNotFoundException") for r in rests]
    assert messages[0].replace(str(other), "N") == messages[1].replace(str(missing), "N")


@pytest.mark.parametrize("via", ["basic", "soticket", "bearer"])
async def test_object_rule_holds_whatever_the_sign_in(crm: Client, via: str) -> None:
    """The agent's rights are the same whether it signs in with a password, a SOTicket or a Bearer token."""
    agent = USERS["agent"]
    own = (await create_session(crm, **BASE, User=user_link(agent.associate_id)))["ChatSessionId"]
    other = (await create_session(crm, **BASE, User=user_link(OTHER_AGENT.associate_id)))["ChatSessionId"]
    if via == "basic":
        headers = {}
        auth: tuple[str, str] | None = agent.auth
    elif via == "soticket":
        login = await crm.client.post(
            "/api/v1/Authentication/Login", json={"Username": agent.name, "Password": agent.password}
        )
        assert login.status_code == 200, login.text
        headers, auth = {"Authorization": f"SOTicket {login.json()['Ticket']}"}, None
    else:
        token = await crm.client.post(
            "/api/v1/oauth/token",
            data={"grant_type": "password", "username": agent.name, "password": agent.password},
        )
        assert token.status_code == 200, token.text
        headers, auth = {"Authorization": f"Bearer {token.json()['access_token']}"}, None

    seen = await crm.client.get(f"{REST}/{own}", headers=headers, auth=auth)  # type: ignore[arg-type]
    assert seen.status_code == 200, seen.text
    assert seen.json()["TableRight"]["Mask"] == "URI"
    hidden = await crm.client.get(f"{REST}/{other}", headers=headers, auth=auth)  # type: ignore[arg-type]
    assert_error(hidden, 404, "SoNotFoundException")
    before = await crm.stored(other)
    taken = await crm.client.put(
        f"{REST}/{other}",
        json={**BASE, "User": user_link(agent.associate_id), **CHANGE},
        headers=headers,
        auth=auth,  # type: ignore[arg-type]
    )
    assert_error(taken, 404, "SoNotFoundException")  # as for an id that is not stored
    assert await crm.stored(other) == before


@pytest.mark.parametrize("route", ["agent.Save", "rest.POST"])
@pytest.mark.parametrize("assignee", [USERS["admin"].associate_id, OTHER_AGENT.associate_id, 999])
async def test_agent_may_not_create_a_session_for_someone_else(crm: Client, route: str, assignee: int) -> None:
    """An agent creating a session assigned to another associate (or an unknown one) gets 403; nothing is stored."""
    count = session_count(crm)
    body = {**BASE, "User": {"AssociateId": assignee}}
    path = SAVE if route == "agent.Save" else REST
    response = await call(crm, "POST", path, role="agent", json_body=body)
    message = assert_error(response, 403, "SoAccessDeniedException")
    assert "TransferTo" in message  # the reason says how to hand over instead
    assert session_count(crm) == count


@pytest.mark.parametrize("route", ["agent.Save", "rest.PUT", "rest.PATCH"])
async def test_agent_may_not_hand_its_session_to_another_agent(crm: Client, route: str) -> None:
    """Setting User on its own session to another agent is 403 and the session stays the agent's."""
    agent = USERS["agent"]
    session_id = (await create_session(crm, **BASE, User=user_link(agent.associate_id)))["ChatSessionId"]
    before = await crm.stored(session_id)
    change = {"User": {"AssociateId": OTHER_AGENT.associate_id}}
    if route == "agent.Save":
        response = await call(
            crm, "POST", SAVE, role="agent", json_body={**BASE, "ChatSessionId": session_id, **change}
        )
    elif route == "rest.PUT":
        response = await call(crm, "PUT", f"{REST}/{session_id}", role="agent", json_body={**BASE, **change})
    else:
        response = await call(crm, "PATCH", f"{REST}/{session_id}", role="agent", json_body=change, headers=MERGE_PATCH)
    assert_error(response, 403, "SoAccessDeniedException")
    assert await crm.stored(session_id) == before


@pytest.mark.parametrize("route", ["agent.Save", "rest.PATCH"])
async def test_agent_hands_over_with_transfer_to(crm: Client, route: str) -> None:
    """An agent hands its session over by setting TransferTo; it keeps User and can still read the session."""
    agent = USERS["agent"]
    session_id = (await create_session(crm, **BASE, User=user_link(agent.associate_id)))["ChatSessionId"]
    transfer = {"TransferTo": {"AssociateId": OTHER_AGENT.associate_id}}
    if route == "agent.Save":
        body = {**BASE, "ChatSessionId": session_id, "User": user_link(agent.associate_id), **transfer}
        response = await call(crm, "POST", SAVE, role="agent", json_body=body)
    else:
        response = await call(
            crm, "PATCH", f"{REST}/{session_id}", role="agent", json_body=transfer, headers=MERGE_PATCH
        )
    assert response.status_code == 200, response.text
    stored = await crm.stored(session_id)
    assert stored is not None
    assert stored["TransferTo"]["AssociateId"] == OTHER_AGENT.associate_id
    assert stored["TransferTo"]["FullName"] == "Lars Nilsen"
    assert stored["User"]["AssociateId"] == agent.associate_id


async def test_agent_claims_an_unassigned_session_and_the_other_agent_loses_sight_of_it(crm: Client) -> None:
    """Once an agent takes an unassigned session, the other agent no longer sees it and may not write to it."""
    agent = USERS["agent"]
    session_id = (await create_session(crm, **BASE, User=None))["ChatSessionId"]
    other_sees = await call(crm, "GET", f"{REST}/{session_id}", user=OTHER_AGENT)
    assert other_sees.status_code == 200, other_sees.text

    claimed = await call(
        crm, "PATCH", f"{REST}/{session_id}", role="agent", json_body={"User": {"AssociateId": 2}}, headers=MERGE_PATCH
    )
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["User"]["AssociateId"] == agent.associate_id

    other_get = await call(crm, "POST", GET, user=OTHER_AGENT, params={"chatSessionEntityId": session_id})
    assert other_get.json() is None
    before = await crm.stored(session_id)
    other_put = await call(crm, "PUT", f"{REST}/{session_id}", user=OTHER_AGENT, json_body={**BASE, "User": None})
    assert_error(other_put, 404, "SoNotFoundException")
    other_save = await call(
        crm, "POST", SAVE, user=OTHER_AGENT, json_body={**BASE, "ChatSessionId": session_id, "User": None}
    )
    assert other_save.status_code == 200, other_save.text  # as for an unknown id: a new session
    assert other_save.json()["ChatSessionId"] != session_id
    assert await crm.stored(session_id) == before


# -- another agent's session answers exactly as an id that is not stored -----------------------------------------

JSON_PATCH = {"Content-Type": "application/json-patch+json"}
# A patch whose test fails on any stored or default session: if it were applied, the answer would be 409.
FAILING_PATCH = [{"op": "test", "path": "/CustomerName", "value": "not what is stored"}]
HIDDEN_ROUTES = (
    "agent.Save",
    "agent.Save merge-patch",
    "agent.Save unknown link",
    "agent.Delete",
    "rest.GET",
    "rest.PUT",
    "rest.PATCH",
    "rest.PATCH failing test",
    "rest.DELETE",
)
CONDITIONS: dict[str, dict[str, str]] = {
    "no condition": {},
    "If-Match version": {"If-Match": '"{id}.1"'},  # the version the session really has
    "If-Match *": {"If-Match": "*"},
    "If-Unmodified-Since later": {"If-Unmodified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"},
    "If-Unmodified-Since earlier": {"If-Unmodified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"},
    "If-None-Match *": {"If-None-Match": "*"},
    "If-Modified-Since": {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"},
}


async def send_as_agent(crm: Client, route: str, session_id: int, headers: dict[str, str]) -> httpx.Response:
    """``route`` on ``session_id`` as the agent, trying to take the session over."""
    mine = user_link(USERS["agent"].associate_id)
    body = {**BASE, "ChatSessionId": session_id, "User": mine, **CHANGE}
    path = f"{REST}/{session_id}"
    if route == "agent.Save":
        return await call(crm, "POST", SAVE, role="agent", json_body=body, headers=headers)
    if route == "agent.Save merge-patch":
        patch = {"ChatSessionId": session_id, "User": mine, **CHANGE}
        return await call(crm, "POST", SAVE, role="agent", json_body=patch, headers={**MERGE_PATCH, **headers})
    if route == "agent.Save unknown link":
        unknown = {**body, "Contact": {"ContactId": 999_999}}  # strict mode checks links
        return await call(crm, "POST", SAVE, role="agent", json_body=unknown, headers=headers)
    if route == "agent.Delete":
        params = {"ChatSessionEntityId": session_id}
        return await call(crm, "POST", DELETE, role="agent", params=params, headers=headers)
    if route == "rest.GET":
        return await call(crm, "GET", path, role="agent", headers=headers)
    if route == "rest.PUT":
        return await call(crm, "PUT", path, role="agent", json_body=body, headers=headers)
    if route == "rest.PATCH":
        return await call(crm, "PATCH", path, role="agent", json_body=CHANGE, headers={**MERGE_PATCH, **headers})
    if route == "rest.PATCH failing test":
        return await call(crm, "PATCH", path, role="agent", json_body=FAILING_PATCH, headers={**JSON_PATCH, **headers})
    assert route == "rest.DELETE"
    return await call(crm, "DELETE", path, role="agent", headers=headers)


def what_the_caller_learns(response: httpx.Response, named_id: int, fresh_ids: set[int]) -> dict[str, object]:
    """Everything in an answer, with the id the request named written as <id>. A session created by the request
    counts by what it holds, not its fresh id (collected into ``fresh_ids``)."""
    learned: dict[str, object] = {"status": response.status_code}
    if response.content:
        body = response.json()
        if isinstance(body, dict) and body.get("Error") is True:
            body["ErrorMessage"] = body["ErrorMessage"].replace(str(named_id), "<id>")
        elif isinstance(body, dict):
            fresh_ids.add(body.pop("ChatSessionId"))
            body.pop("_Links", None)
            body.pop("WhenRequested")  # a patch onto the default entity starts from the time of the request
            learned["etag version"] = response.headers["etag"].strip('"').split(".")[1]
        learned["body"] = body
    return learned


@pytest.mark.parametrize("strict", [False, True], ids=["compat", "strict"])
@pytest.mark.parametrize("route", HIDDEN_ROUTES)
async def test_another_agents_session_answers_as_an_id_that_is_not_stored(
    crm_factory: CrmFactory, route: str, strict: bool
) -> None:
    """Every write and conditional header sent by an agent to another agent's session answers exactly as for an id
    that is not stored: same status, error type and message apart from the id; a compatible Save creates a new
    session in both cases. The other agent's session is never changed."""
    async with crm_factory(strict=strict) as crm:
        hidden = (await create_session(crm, **BASE, User=user_link(OTHER_AGENT.associate_id)))["ChatSessionId"]
        missing = hidden + 100_000
        before = await crm.stored(hidden)
        assert before is not None and await crm.stored(missing) is None
        for condition, template in CONDITIONS.items():
            count = session_count(crm)
            fresh: set[int] = set()
            learned = []
            for session_id in (hidden, missing):
                headers = {name: value.format(id=session_id) for name, value in template.items()}
                response = await send_as_agent(crm, route, session_id, headers)
                assert response.status_code < 500, response.text
                learned.append(what_the_caller_learns(response, session_id, fresh))
            assert learned[0] == learned[1], condition
            assert not fresh & {hidden, missing}, condition
            assert session_count(crm) == count + len(fresh), condition
        assert await crm.stored(hidden) == before
        assert await crm.stored(missing) is None


async def test_a_save_to_another_agents_session_creates_a_new_one_in_compatible_mode(crm: Client) -> None:
    """What the compatible default means for another agent's id: a new session of the agent's own, with a fresh id,
    as for any id that is not stored."""
    hidden = (await create_session(crm, **BASE, User=user_link(OTHER_AGENT.associate_id)))["ChatSessionId"]
    before = await crm.stored(hidden)
    response = await send_as_agent(crm, "agent.Save", hidden, {})
    assert response.status_code == 200, response.text
    created = response.json()
    assert created["ChatSessionId"] > hidden
    assert created["User"]["AssociateId"] == USERS["agent"].associate_id
    assert created["CustomerName"] == "changed"
    assert await crm.stored(hidden) == before


async def test_strict_mode_refuses_another_agents_id_before_checking_links(strict_crm: Client) -> None:
    """Strict mode answers another agent's id, and an unknown one, with the same 404, before any link lookup (an
    unknown link would otherwise be the 400)."""
    hidden = (await create_session(strict_crm, **BASE, User=user_link(OTHER_AGENT.associate_id)))["ChatSessionId"]
    messages = []
    for session_id in (hidden, hidden + 100_000):
        response = await send_as_agent(strict_crm, "agent.Save unknown link", session_id, {})
        messages.append(assert_error(response, 404, "SoNotFoundException").replace(str(session_id), "<id>"))
    assert messages[0] == messages[1]
    assert "strict mode" in messages[0]


# -- Idempotency-Key replays ----------------------------------------------------------------------------------


@pytest.mark.parametrize("route", CREATE_ROUTES)
async def test_replay_answers_only_what_the_caller_may_see_now(crm: Client, route: str) -> None:
    """A replay answers the session the first request created only while the caller may see it: once it is
    assigned to another agent the replay is the 404 of a session deleted since, nothing is created, and it answers
    again once the session is back in the caller's sight."""
    path = SAVE if route == "agent.Save" else REST
    body = {**BASE, "ChatSessionId": 0, "User": user_link(USERS["agent"].associate_id)}

    async def create(key: str) -> httpx.Response:
        return await call(crm, "POST", path, role="agent", json_body=body, headers={"Idempotency-Key": key})

    first = await create("reassigned")
    assert first.status_code == 200, first.text
    session_id = first.json()["ChatSessionId"]
    replay = await create("reassigned")
    assert replay.status_code == 200, replay.text
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json()["ChatSessionId"] == session_id

    handed = await call(
        crm,
        "PATCH",
        f"{REST}/{session_id}",
        json_body={"User": user_link(OTHER_AGENT.associate_id)},
        headers=MERGE_PATCH,
    )
    assert handed.status_code == 200, handed.text
    theirs = await crm.stored(session_id)
    count = session_count(crm)
    hidden = await create("reassigned")

    gone = (await create("deleted")).json()["ChatSessionId"]
    assert (await call(crm, "DELETE", f"{REST}/{gone}")).status_code == 204
    deleted = await create("deleted")

    hidden_message = assert_error(hidden, 404, "SoNotFoundException")
    assert hidden_message == assert_error(deleted, 404, "SoNotFoundException")
    assert str(session_id) not in hidden_message and "idempotent-replayed" not in hidden.headers
    assert hidden.json() == deleted.json()
    assert session_count(crm) == count
    assert await crm.stored(session_id) == theirs

    released = await call(crm, "PATCH", f"{REST}/{session_id}", json_body={"User": None}, headers=MERGE_PATCH)
    assert released.status_code == 200, released.text
    again = await create("reassigned")
    assert again.status_code == 200, again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["ChatSessionId"] == session_id
    assert again.json()["User"] is None


async def test_replay_of_an_admins_create_follows_no_owner(crm: Client) -> None:
    """The admin sees every session, so its replay answers the session whoever it is assigned to now."""
    body = {**BASE, "ChatSessionId": 0, "User": None}
    headers = {"Idempotency-Key": "admin-key"}
    first = await call(crm, "POST", SAVE, json_body=body, headers=headers)
    session_id = first.json()["ChatSessionId"]
    handed = await call(
        crm,
        "PATCH",
        f"{REST}/{session_id}",
        json_body={"User": user_link(OTHER_AGENT.associate_id)},
        headers=MERGE_PATCH,
    )
    assert handed.status_code == 200, handed.text
    replay = await call(crm, "POST", SAVE, json_body=body, headers=headers)
    assert replay.status_code == 200, replay.text
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json()["User"]["AssociateId"] == OTHER_AGENT.associate_id


# -- rights before body work -------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["agent.Save", "rest.POST", "rest.PUT", "rest.PATCH"])
async def test_a_caller_without_the_right_is_refused_before_the_patch_is_applied(crm: Client, route: str) -> None:
    """A patch from a readonly caller is refused with 403 before it is applied: the same patch from the admin fails
    its test (409), so applying it first would have answered 409."""
    session_id = (await create_session(crm, **BASE, User=None))["ChatSessionId"]
    before = await crm.stored(session_id)
    patch = [{"op": "test", "path": "/ChatSessionId", "value": session_id}, *FAILING_PATCH]
    path = {"agent.Save": SAVE, "rest.POST": REST}.get(route, f"{REST}/{session_id}")
    method = route.split(".")[1].replace("Save", "POST")
    answers = {
        role: await call(crm, method, path, role=role, json_body=patch, headers=JSON_PATCH)
        for role in ("readonly", "admin")
    }
    message = assert_error(answers["readonly"], 403, "SoAccessDeniedException")
    assert "readonly" in message
    assert_error(answers["admin"], 409, "SoConflictException")
    assert await crm.stored(session_id) == before
