"""The operation table (sochat.http.operations) is consistent: every route and the OpenAPI paths come from it."""

from __future__ import annotations

from collections import Counter

import pytest

from sochat.http.openapi import document
from sochat.http.operations import CHAT_AGENT, OPERATIONS
from sochat.http.routes import ROUTES, match


def test_each_verb_and_path_is_declared_once():
    pairs = Counter((operation.verb, operation.path) for operation in OPERATIONS)
    assert [pair for pair, count in pairs.items() if count > 1] == []


def test_operation_ids_are_unique():
    ids = Counter(operation.operation_id for operation in OPERATIONS)
    assert [operation_id for operation_id, count in ids.items() if count > 1] == []


def test_operations_on_one_path_agree_on_authentication_and_whether_they_are_served():
    """The router keeps one of each per path, so the table must not say two things."""
    by_path: dict[str, set[tuple[bool, bool]]] = {}
    for operation in OPERATIONS:
        by_path.setdefault(operation.path, set()).add((operation.authenticated, operation.implemented))
    assert {path: flags for path, flags in by_path.items() if len(flags) > 1} == {}


def test_every_operation_is_routed_to_its_handler():
    routed = {(route.path, verb): handler for route in ROUTES for verb, handler in route.methods.items()}
    assert routed == {(operation.path, operation.verb): operation.handler for operation in OPERATIONS}


def test_the_document_holds_exactly_the_implemented_operations_with_their_ids():
    documented = {
        (path, verb.upper()): described["operationId"]
        for path, item in document()["paths"].items()
        for verb, described in item.items()
        if verb != "parameters"
    }
    served = {(op.path, op.verb): op.operation_id for op in OPERATIONS if op.implemented}
    assert documented == served


@pytest.mark.parametrize("operation", [op for op in CHAT_AGENT if op.verb == "POST"], ids=lambda op: op.operation_id)
def test_agent_methods_state_rights_summary_and_superoffice_operation_id(operation):
    assert operation.operation_id == "v1ChatAgent_" + operation.path.rsplit("/", 1)[1]
    assert operation.rights
    assert operation.summary
    assert "200" in operation.responses or "204" in operation.responses


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: f"{op.verb} {op.path}")
def test_each_declared_path_reaches_its_own_route(operation):
    """Literal segments win over {id}: a path's canonical spelling (parameters filled in) reaches that path."""
    concrete = operation.path.replace("{id}", "7").replace("{chatSessionId}", "7").replace("{chatTopicId}", "7")
    concrete = concrete.replace("{toAssociate}", "7").replace("{username}", "agent1")
    route, _tenant, _params = match(concrete)
    assert route is not None and route.path == operation.path
