"""Unit tests for sochat.http.routes.match: case-insensitive paths, trailing slash, tenant prefix."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sochat.http.routes import ROUTES, Route, match
from support.api import GET, SAVE

# Routes without path parameters, whose canonical path is also a request path.
PLAIN_PATHS = [route.path for route in ROUTES if "{" not in route.path]
API_PATHS = [path for path in PLAIN_PATHS if path.lower().startswith("/api/")]


def matched(path: str) -> tuple[Route | None, str | None]:
    """The route and tenant that match() finds (ignoring any further items it answers)."""
    result = match(path)
    return result[0], result[1]


def routed_path(path: str) -> str | None:
    route, _ = matched(path)
    return None if route is None else route.path


@pytest.mark.parametrize("path", [SAVE, GET])
def test_agent_routes_exist(path: str) -> None:
    """The seed's agent methods are routed, by their canonical path, with POST."""
    route, tenant = matched(path)
    assert route is not None
    assert route.path == path
    assert "POST" in route.methods
    assert tenant is None


@pytest.mark.parametrize(
    "spelling",
    [
        SAVE.lower(),
        SAVE.upper(),
        "/API/V1/agents/CHAT/saveChatSessionEntity",
        SAVE + "/",
        SAVE.lower() + "/",
    ],
)
def test_paths_match_case_insensitively_with_optional_trailing_slash(spelling: str) -> None:
    """Any letter case and a trailing slash reach the same route."""
    assert routed_path(spelling) == SAVE


@pytest.mark.parametrize("tenant", ["Cust12345", "cust1", "CUST99999"])
@pytest.mark.parametrize("path", [SAVE, GET])
def test_tenant_prefix_is_returned(tenant: str, path: str) -> None:
    """'/Cust12345/api/v1/...' reaches the route and gives back the tenant segment as sent."""
    route, found = matched(f"/{tenant}{path}")
    assert route is not None
    assert route.path == path
    assert found == tenant


def test_tenant_prefix_with_other_case_and_trailing_slash() -> None:
    """Tenant prefix, odd letter case and trailing slash combine."""
    route, tenant = matched("/Cust12345/API/v1/agents/chat/getchatsessionentity/")
    assert route is not None
    assert route.path == GET
    assert tenant == "Cust12345"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "",
        "/api",
        "/api/v1",
        "/api/v1/Agents/Chat",
        "/api/v1/Agents/Chat/NoSuchMethod",
        "/api/v1/Agents/Chat/SaveChatSessionEntityX",
        SAVE + "/extra",
        "/v1/Agents/Chat/SaveChatSessionEntity",
        "/Cust1/Cust2" + SAVE,
        "/api" + SAVE,
    ],
)
def test_unknown_paths_do_not_match(path: str) -> None:
    """Paths that are not routes (or have extra or missing segments) give no route."""
    assert routed_path(path) is None


def test_tenant_prefix_only_applies_to_api_paths() -> None:
    """A tenant segment in front of a non-API path (e.g. health) does not reach that route."""
    route, _ = matched("/Cust1/health/live")
    assert route is None
    assert routed_path("/health/live") == "/health/live"


@settings(max_examples=100, deadline=None)
@given(
    path=st.sampled_from(API_PATHS),
    flips=st.lists(st.booleans(), min_size=80, max_size=80),
    slash=st.booleans(),
    tenant=st.one_of(st.none(), st.from_regex(r"Cust[0-9]{1,8}", fullmatch=True)),
)
def test_any_spelling_of_an_api_path_matches(path: str, flips: list[bool], slash: bool, tenant: str | None) -> None:
    """Any case mix, optional trailing slash and optional tenant prefix reach the canonical API route."""
    spelled = "".join(c.upper() if flip else c.lower() for c, flip in zip(path, flips, strict=False))
    request = (f"/{tenant}" if tenant else "") + spelled + ("/" if slash else "")
    route, found = matched(request)
    assert route is not None
    assert route.path == path
    assert found == tenant


REST_ONE = "/api/v1/ChatSession/{id}"


@pytest.mark.parametrize(
    ("path", "tenant", "params"),
    [
        ("/api/v1/ChatSession/123", None, {"id": "123"}),
        ("/API/V1/chatsession/77/", None, {"id": "77"}),
        ("/Cust12345/api/v1/ChatSession/5", "Cust12345", {"id": "5"}),
        ("/api/v1/ChatSession/AbC", None, {"id": "AbC"}),
    ],
)
def test_path_parameters_keep_their_spelling(path: str, tenant: str | None, params: dict[str, str]) -> None:
    """'/api/v1/ChatSession/{id}' matches case-insensitively and gives the id segment exactly as sent."""
    result = match(path)
    assert result[0] is not None
    assert result[0].path == REST_ONE
    assert result[1] == tenant
    assert result[2] == params


def test_exact_route_wins_over_parameter() -> None:
    """'/api/v1/ChatSession/default' is its own route, not {id}='default'."""
    assert routed_path("/api/v1/chatsession/DEFAULT") == "/api/v1/ChatSession/default"


@pytest.mark.parametrize("path", ["/api/v1/ChatSession/1/extra", "/api/v1/ChatSessions/1", "/api/v2/ChatSession/1"])
def test_parameter_routes_need_the_exact_shape(path: str) -> None:
    """A parameter route does not match paths with extra, renamed or versioned segments."""
    assert routed_path(path) is None


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/v1/ChatSession/ForCurrentUser", "/api/v1/ChatSession/ForCurrentUser"),
        ("/api/v1/chatsession/pickup/", "/api/v1/ChatSession/Pickup"),
        ("/Cust1/api/v1/ChatSession/9/Pickup", "/api/v1/ChatSession/{chatSessionId}/Pickup"),
        ("/api/v1/ChatTopic/UserAgents", "/api/v1/ChatTopic/UserAgents"),
        ("/api/v1/ChatTopic/3/UserAgent/agent1", "/api/v1/ChatTopic/{chatTopicId}/UserAgent/{username}"),
    ],
)
def test_literal_segments_win_over_parameters(path: str, expected: str) -> None:
    """Literal segments of SuperOffice's routes are never read as {id}; those operations are marked planned."""
    route, _tenant, _params = match(path)
    assert route is not None and route.path == expected
    assert not route.implemented
