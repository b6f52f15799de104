"""Routing rules, GetChatSessionEntity's query, error bodies and request ids on every answer."""

from __future__ import annotations

import pytest

from support.api import GET, SAVE, TJE0

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    "path",
    [
        SAVE,
        "/Cust12345/api/v1/Agents/Chat/SaveChatSessionEntity",
        SAVE + "/",
        "/Cust12345/api/v1/Agents/Chat/SaveChatSessionEntity/",
        "/API/V1/AGENTS/CHAT/SAVECHATSESSIONENTITY",
        "/api/v1/agents/chat/savechatsessionentity",
    ],
)
async def test_save_route_variants(api, path):
    """Tenant prefix, trailing slash and any letter case reach SaveChatSessionEntity."""
    answer = await api.save_ok({"CustomerName": path}, path=path)
    assert answer["CustomerName"] == path
    assert (await api.stored(answer["ChatSessionId"]))["CustomerName"] == path


@pytest.mark.parametrize(
    "path",
    [GET, "/Cust12345/api/v1/Agents/Chat/GetChatSessionEntity/", "/api/V1/agents/Chat/getchatsessionentity"],
)
async def test_get_route_variants(api, path):
    """GetChatSessionEntity is reachable with tenant prefix, trailing slash and any case."""
    created = await api.save_ok({"CustomerName": "find me"})
    response = await api.client.post(path, params={"chatSessionEntityId": created["ChatSessionId"]}, auth=TJE0)
    assert response.status_code == 200, response.text
    assert response.json() == created


@pytest.mark.parametrize("name", ["chatSessionEntityId", "ChatSessionEntityId", "CHATSESSIONENTITYID"])
async def test_get_query_name_is_case_insensitive(api, name):
    """The id query parameter's name matches in any case."""
    created = await api.save_ok({})
    response = await api.client.post(GET, params={name: created["ChatSessionId"]}, auth=TJE0)
    assert response.status_code == 200
    assert response.json() == created


@pytest.mark.parametrize("body", [None, b"null"])
async def test_get_accepts_no_body_or_json_null(api, body):
    """Get takes a body of JSON null or none at all."""
    created = await api.save_ok({})
    response = await api.client.post(
        GET,
        params={"chatSessionEntityId": created["ChatSessionId"]},
        content=body,
        headers={"Content-Type": "application/json"} if body else {},
        auth=TJE0,
    )
    assert response.status_code == 200, response.text
    assert response.json() == created


@pytest.mark.parametrize("session_id", [1, 999999, 2**31 - 1, 0, -5])
async def test_get_unknown_id_is_200_with_null(api, session_id):
    """An id that is not stored answers 200 with the body null, as SuperOffice's agents do."""
    response = await api.get(session_id)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.content.strip() == b"null"


@pytest.mark.parametrize("query", ["", "?chatSessionEntityId=", "?somethingElse=1"])
async def test_get_without_id_is_400(api, query):
    """Get without the chatSessionEntityId query parameter is a 400 naming it."""
    response = await api.client.post(GET + query, auth=TJE0)
    message = api.error(response, 400)
    assert "chatsessionentityid" in message.lower()


@pytest.mark.parametrize("value", ["abc", "1.5", "2147483648", "1e3"])
async def test_get_with_a_non_int32_id_is_400(api, value):
    """A non-numeric or out-of-range id is a 400."""
    response = await api.client.post(GET, params={"chatSessionEntityId": value}, auth=TJE0)
    api.error(response, 400)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/Agents/Chat/NoSuchMethod"),
        ("POST", "/api/v1/Agents/Nope/SaveChatSessionEntity"),
        ("GET", "/no/such/thing"),
        ("GET", "/api/v2/Agents/Chat/SaveChatSessionEntity"),
        ("POST", "/a/b/api/v1/Agents/Chat/SaveChatSessionEntity"),
    ],
)
async def test_unknown_route_is_404_with_error_body(api, method, path):
    """An unknown route is a 404 with SuperOffice's error body."""
    response = await api.client.request(method, path, auth=TJE0)
    api.error(response, 404)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("path", [SAVE, GET])
async def test_other_methods_on_agent_urls_are_405_with_allow(api, method, path):
    """PUT, DELETE and PATCH on an agent URL are 405 with an Allow header listing POST."""
    response = await api.client.request(method, path, content=b"{}", auth=TJE0)
    api.error(response, 405)
    allowed = {part.strip().upper() for part in response.headers["allow"].split(",")}
    assert "POST" in allowed
    assert method not in allowed
    assert await api.stored(1) is None


@pytest.mark.parametrize(("path", "method_name"), [(SAVE, "SaveChatSessionEntity"), (GET, "GetChatSessionEntity")])
async def test_get_on_agent_url_describes_the_method(api, path, method_name):
    """GET on an agent URL answers 200 with a text description instead of running the method."""
    response = await api.client.get(path, auth=TJE0)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/")
    assert method_name in response.text
    assert await api.stored(1) is None


async def test_every_answer_has_a_request_id(api):
    """Every answer, success or error, carries a distinct X-Request-Id."""
    responses = [
        await api.client.post(SAVE, json={}, auth=TJE0),
        await api.client.post(GET, params={"chatSessionEntityId": 1}, auth=TJE0),
        await api.client.post(GET, auth=TJE0),
        await api.client.post(SAVE, json={}),
        await api.client.post(SAVE, json={}, auth=("tje0", "bad")),
        await api.client.post(SAVE, json={}, auth=("viewer", "Viewer1")),
        await api.client.post("/nowhere", auth=TJE0),
        await api.client.put(SAVE, auth=TJE0),
        await api.client.get(SAVE, auth=TJE0),
        await api.client.post(SAVE, content=b"x: 1", headers={"Content-Type": "application/yaml"}, auth=TJE0),
        await api.client.post(SAVE, content=b"{" + b" " * (1024 * 1024) + b"}", auth=TJE0),
        await api.client.get("/health/live"),
        await api.client.get("/health/ready"),
    ]
    statuses = [response.status_code for response in responses]
    assert statuses == [200, 200, 400, 401, 401, 403, 404, 405, 200, 415, 413, 200, 200]
    ids = [response.headers.get("x-request-id") for response in responses]
    assert all(ids), ids
    assert len(set(ids)) == len(ids)


ERROR_CASES = {
    "400 bad status": ("POST", SAVE, b'{"Status": "Open"}', {}, TJE0, 400),
    "400 malformed": ("POST", SAVE, b"{,}", {}, TJE0, 400),
    "400 no id": ("POST", GET, None, {}, TJE0, 400),
    "401 no credentials": ("POST", SAVE, b"{}", {}, None, 401),
    "401 wrong password": ("POST", SAVE, b"{}", {}, ("tje0", "x"), 401),
    "403 readonly": ("POST", SAVE, b"{}", {}, ("viewer", "Viewer1"), 403),
    "404 route": ("POST", "/api/v1/Agents/Chat/Missing", b"{}", {}, TJE0, 404),
    "405 method": ("DELETE", SAVE, None, {}, TJE0, 405),
    "413 too large": ("POST", SAVE, b"[" + b"0," * 600_000 + b"0]", {}, TJE0, 413),
    "415 media type": ("POST", SAVE, b"a=1", {"Content-Type": "application/yaml"}, TJE0, 415),
}


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
async def test_error_bodies_have_exactly_superoffice_keys(api, case):
    """Every error answer is JSON with exactly Error (true), ErrorType, ErrorMessage and ErrorSource."""
    method, path, body, headers, auth, status = ERROR_CASES[case]
    response = await api.client.request(method, path, content=body, headers=headers, auth=auth)
    api.error(response, status)
    assert response.headers["content-type"].startswith("application/json")


async def test_health_endpoints_need_no_credentials(api):
    """The health endpoints answer without credentials."""
    assert (await api.client.get("/health/live")).status_code == 200
    assert (await api.client.get("/health/ready")).status_code == 200
