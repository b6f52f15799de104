"""Issue 13: table rights, field rights and the object-level rule (SessionScope) per role, as
sochat.domain.rights decides them and docs/behaviour.md's table states them. Literal lists on purpose."""

from __future__ import annotations

import pytest

from sochat.domain.chat_session import FIELDS
from sochat.domain.principal import Principal, Role
from sochat.domain.query import Compare, Or
from sochat.domain.rights import (
    DELETE,
    INSERT,
    SELECT,
    UPDATE,
    SessionScope,
    TableRight,
    chat_session_field_properties,
    chat_session_table_right,
    protected_attributes,
    session_scope,
)

ADMIN = Principal(1, "admin", Role.ADMIN)
AGENT = Principal(7, "agent", Role.AGENT)
READONLY = Principal(9, "readonly", Role.READONLY)
EVERY_PROPERTY = tuple(field.name for field in FIELDS)
CUSTOMER_FIELDS = {"Rating", "CustomerConsented"}


# -- Table rights ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("principal", "mask", "text", "tokens", "reason"),
    [
        (ADMIN, 15, "FULL", "Select Update Insert Delete", ""),
        (AGENT, 7, "URI", "Select Update Insert", "[SR_SOCHAT_AGENT_NO_DELETE]"),
        (READONLY, 1, "Select", "Select", "[SR_SOCHAT_READONLY_NO_CHANGE]"),
    ],
)
def test_the_table_right_of_each_role(principal: Principal, mask: int, text: str, tokens: str, reason: str) -> None:
    right = chat_session_table_right(principal)
    assert right == TableRight(mask, reason)
    assert right.to_wire() == {"Mask": text, "Reason": reason}
    assert right.to_wire(tokens=True) == {"Mask": tokens, "Reason": reason}


@pytest.mark.parametrize(
    ("principal", "allowed"),
    [
        (ADMIN, {SELECT, UPDATE, INSERT, DELETE}),
        (AGENT, {SELECT, UPDATE, INSERT}),
        (READONLY, {SELECT}),
    ],
)
def test_each_role_is_allowed_exactly_its_operations(principal: Principal, allowed: set[int]) -> None:
    right = chat_session_table_right(principal)
    assert {bit for bit in (SELECT, UPDATE, INSERT, DELETE) if right.allows(bit)} == allowed


def test_allows_needs_every_bit_asked_for() -> None:
    assert chat_session_table_right(AGENT).allows(SELECT | UPDATE | INSERT)
    assert not chat_session_table_right(AGENT).allows(UPDATE | DELETE)
    assert not chat_session_table_right(READONLY).allows(SELECT | UPDATE)
    assert chat_session_table_right(ADMIN).allows(SELECT | UPDATE | INSERT | DELETE)


def test_the_rights_do_not_depend_on_how_the_caller_signed_in() -> None:
    for scheme in ("basic", "soticket", "bearer", "jwt", "cookie"):
        principal = Principal(7, "agent", Role.AGENT, scheme=scheme, app="app")
        assert chat_session_table_right(principal) == chat_session_table_right(AGENT)
        assert session_scope(principal) == session_scope(AGENT)


# -- The object-level rule ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("principal", "scope"), [(ADMIN, SessionScope()), (AGENT, SessionScope(7)), (READONLY, SessionScope())]
)
def test_only_an_agent_is_limited_to_its_own_sessions(principal: Principal, scope: SessionScope) -> None:
    assert session_scope(principal) == scope


@pytest.mark.parametrize("user_id", [None, 1, 7, 8, 2**31 - 1])
def test_an_unlimited_scope_admits_every_session(user_id: int | None) -> None:
    assert SessionScope().admits(user_id) is True
    assert SessionScope(None).where() is None


@pytest.mark.parametrize(("user_id", "admitted"), [(None, True), (7, True), (8, False), (1, False), (0, False)])
def test_an_agents_scope_admits_its_own_and_unassigned_sessions(user_id: int | None, admitted: bool) -> None:
    assert SessionScope(7).admits(user_id) is admitted


def test_an_agents_scope_as_a_list_condition() -> None:
    expected = Or((Compare("user_id", "=", None), Compare("user_id", "=", 7)))
    assert SessionScope(7).where() == expected
    assert session_scope(AGENT).where() == expected
    assert session_scope(ADMIN).where() is None
    assert session_scope(READONLY).where() is None


# -- Field rights ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "attributes"),
    [
        (Role.ADMIN, ()),
        (Role.AGENT, ("customer_consented", "rating")),
        (Role.READONLY, tuple(field.attr for field in FIELDS if field.attr != "chat_session_id")),
    ],
)
def test_the_attributes_a_save_by_each_role_leaves_as_stored(role: Role, attributes: tuple[str, ...]) -> None:
    assert protected_attributes(role) == attributes


def _not_writable(role: Role) -> set[str]:
    """The properties whose FieldRight (as XML's single-bit tokens) lacks Write."""
    properties = chat_session_field_properties(role, tokens=True)
    return {name for name, value in properties.items() if "Write" not in value["FieldRight"]["Mask"].split()}


@pytest.mark.parametrize(
    ("role", "fixed"),
    [
        (Role.ADMIN, {"ChatSessionId"}),
        (Role.AGENT, {"ChatSessionId", "Rating", "CustomerConsented"}),
        (Role.READONLY, set(EVERY_PROPERTY)),
    ],
)
def test_the_fields_each_role_may_not_change_are_behaviour_mds(role: Role, fixed: set[str]) -> None:
    assert _not_writable(role) == fixed


def test_field_properties_list_every_property_in_superoffices_order() -> None:
    for role in Role:
        assert tuple(chat_session_field_properties(role)) == EVERY_PROPERTY
        assert tuple(chat_session_field_properties(role, tokens=True)) == EVERY_PROPERTY


SERVER_ASSIGNED = {"Mask": "Read, UIHintReadOnly", "Reason": "[SR_SOCHAT_SERVER_ASSIGNED]"}
WRITABLE = {"Mask": "Update", "Reason": ""}


def test_the_field_properties_of_an_admin() -> None:
    properties = chat_session_field_properties(Role.ADMIN)
    assert properties["ChatSessionId"] == {"FieldRight": SERVER_ASSIGNED, "FieldType": "System.Int32", "FieldLength": 0}
    assert properties["CustomerName"] == {"FieldRight": WRITABLE, "FieldType": "System.String", "FieldLength": 255}
    assert properties["Rating"] == {"FieldRight": WRITABLE, "FieldType": "System.Int32", "FieldLength": 0}
    assert all(properties[name]["FieldRight"] == WRITABLE for name in EVERY_PROPERTY[1:])


def test_the_field_properties_of_an_agent() -> None:
    properties = chat_session_field_properties(Role.AGENT)
    customer = {"Mask": "Read", "Reason": "[SR_SOCHAT_CUSTOMER_FIELD]"}
    assert properties["ChatSessionId"]["FieldRight"] == SERVER_ASSIGNED
    for name in EVERY_PROPERTY[1:]:
        assert properties[name]["FieldRight"] == (customer if name in CUSTOMER_FIELDS else WRITABLE), name


def test_the_field_properties_of_a_readonly_caller() -> None:
    properties = chat_session_field_properties(Role.READONLY)
    assert properties["ChatSessionId"]["FieldRight"] == SERVER_ASSIGNED
    for name in EVERY_PROPERTY[1:]:
        assert properties[name]["FieldRight"] == {"Mask": "Read", "Reason": "[SR_SOCHAT_NO_UPDATE_RIGHT]"}, name


def test_field_rights_as_xml_tokens() -> None:
    properties = chat_session_field_properties(Role.AGENT, tokens=True)
    assert properties["ChatSessionId"]["FieldRight"]["Mask"] == "Read UIHintReadOnly"
    assert properties["Rating"]["FieldRight"]["Mask"] == "Read"
    assert properties["Rank"]["FieldRight"]["Mask"] == "Read Write"
