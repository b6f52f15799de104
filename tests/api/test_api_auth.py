"""Authentication (Basic) and rights on the chat agent."""

from __future__ import annotations

import base64

import pytest

from sochat.security.passwords import hash_password
from support.api import SAVE

pytestmark = pytest.mark.anyio


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


async def test_sample_credentials_header_is_accepted(api):
    """The seed's literal Authorization header (tje0:Tje0) is accepted."""
    response = await api.save(b"{}", auth=None, headers={"Authorization": "Basic dGplMDpUamUw"})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("path", [SAVE, "/api/v1/Agents/Chat/GetChatSessionEntity?chatSessionEntityId=1"])
async def test_missing_authorization_is_401_with_www_authenticate(api, path):
    """A call without credentials is a 401 that names the Basic scheme in WWW-Authenticate."""
    response = await api.client.post(path, content=b"{}", headers={"Content-Type": "application/json"})
    api.error(response, 401)
    assert response.headers["www-authenticate"].lower().startswith("basic")


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic",
        "Basic !!!not-base64!!!",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Bearer 8A:Cust12345.unknown-token",
        _basic("tje0", ""),
    ],
)
async def test_unusable_authorization_is_401(api, authorization):
    """Garbled, unknown-scheme or empty-password credentials are a 401 and store nothing."""
    response = await api.save({"CustomerName": "x"}, auth=None, headers={"Authorization": authorization})
    api.error(response, 401)
    assert "www-authenticate" in response.headers
    assert await api.stored(1) is None


async def test_wrong_password_and_unknown_user_answer_identically(api):
    """A wrong password and an unknown user get byte-identical bodies (no user enumeration)."""
    wrong_password = await api.save({}, auth=("tje0", "wrong"))
    unknown_user = await api.save({}, auth=("nobody", "Tje0"))
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.content == unknown_user.content
    assert wrong_password.headers["www-authenticate"] == unknown_user.headers["www-authenticate"]
    api.error(wrong_password, 401)


async def test_passwords_are_case_sensitive(api):
    """Passwords are case-sensitive: tje0 with TJE0 is refused."""
    response = await api.save({}, auth=("tje0", "TJE0"))
    api.error(response, 401)


async def test_agent_may_save_and_get(api):
    """An agent may create, update and read sessions; the table right says what it lacks."""
    created = await api.save_ok({"CustomerName": "by agent"}, auth=("agent1", "Agent1"))
    assert created["TableRight"]["Mask"] != "FULL"
    updated = await api.save_ok(
        {"ChatSessionId": created["ChatSessionId"], "CustomerName": "again"}, auth=("agent1", "Agent1")
    )
    assert updated["CustomerName"] == "again"
    response = await api.get(created["ChatSessionId"], auth=("agent1", "Agent1"))
    assert response.status_code == 200
    assert response.json()["CustomerName"] == "again"


async def test_readonly_user_may_not_save_and_nothing_is_stored(api, full_entity):
    """The readonly user 'viewer' gets 403 on create and update, and nothing changes."""
    original = await api.save_ok(full_entity)
    session_id = original["ChatSessionId"]

    for target in (0, session_id):
        response = await api.save({**full_entity, "ChatSessionId": target, "Rating": 1}, auth=("viewer", "Viewer1"))
        api.error(response, 403)

    assert await api.stored(session_id) == original
    assert await api.stored(session_id + 1) is None


async def test_readonly_user_may_get(api, full_entity):
    """The readonly user may read a session; its rights show it cannot write."""
    original = await api.save_ok(full_entity)
    response = await api.get(original["ChatSessionId"], auth=("viewer", "Viewer1"))
    assert response.status_code == 200, response.text
    seen = response.json()
    assert seen["CustomerName"] == original["CustomerName"]
    assert seen["TableRight"]["Mask"] == "Select"
    assert seen["TableRight"]["Reason"]
    assert "Write" not in seen["FieldProperties"]["CustomerName"]["FieldRight"]["Mask"]


async def test_changed_password_stops_working_at_once(api):
    """After store.set_password the old password is refused on the next call and the new one works."""
    assert (await api.save({}, auth=("tje0", "Tje0"))).status_code == 200
    assert (await api.save({}, auth=("tje0", "Tje0"))).status_code == 200  # now served from the cache

    assert api.store.run_admin(lambda unit: unit.users.set_password("tje0", hash_password("N3w-secret")))

    api.error(await api.save({}, auth=("tje0", "Tje0")), 401)
    assert (await api.save({}, auth=("tje0", "N3w-secret"))).status_code == 200
    api.error(await api.save({}, auth=("tje0", "Tje0")), 401)
