"""Table and field rights for a caller, written with SuperOffice's ETableRight and EFieldRight names.

    role       table right (ETableRight)        rows                        fields it may not change
    admin      FULL (select insert update del)  all                         ChatSessionId
    agent      URI  (select insert update)      own and unassigned only     ChatSessionId, Rating, CustomerConsented
    readonly   Select                           all                         every field

The rows column is the object-level rule, SessionScope: the one place that decides which stored sessions a
caller may see and so change. The agent's reads, the list filter and the stores' writes (inside their
transaction) all ask it, and a session outside the scope is answered exactly as one that is not stored.

Rating and CustomerConsented are the customer's own statements, so agents can read but not alter them.
A save that sends a field the caller may not change keeps the stored value (SuperOffice's sentry drops
such changes rather than failing the save) and FieldProperties says why. Reasons are string references
(``[SR_...]``) that answers resolve into the request's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import msgspec

from sochat.domain.chat_session import FIELDS
from sochat.domain.enums import E_FIELD_RIGHT, E_TABLE_RIGHT
from sochat.domain.fields import Field, fields_of
from sochat.domain.principal import Principal, Role
from sochat.domain.query import Compare, Expr, Or

SELECT, UPDATE, INSERT, DELETE = 1, 2, 4, 8
FIELD_READ, FIELD_WRITE, FIELD_READONLY_HINT = 1, 2, 128

_TABLE_MASK = {
    Role.ADMIN: SELECT | UPDATE | INSERT | DELETE,
    Role.AGENT: SELECT | UPDATE | INSERT,
    Role.READONLY: SELECT,
}
_REASON = {
    Role.ADMIN: "",
    Role.AGENT: "[SR_SOCHAT_AGENT_NO_DELETE]",
    Role.READONLY: "[SR_SOCHAT_READONLY_NO_CHANGE]",
}
# Fields a role may read but not change, with the reason shown in FieldProperties.
_READ_ONLY_FIELDS = {
    Role.ADMIN: {},
    Role.AGENT: {
        "Rating": "[SR_SOCHAT_CUSTOMER_FIELD]",
        "CustomerConsented": "[SR_SOCHAT_CUSTOMER_FIELD]",
    },
    Role.READONLY: {field.name: "[SR_SOCHAT_NO_UPDATE_RIGHT]" for field in FIELDS},
}


@dataclass(frozen=True, slots=True)
class TableRight:
    mask: int
    reason: str

    def allows(self, bit: int) -> bool:
        return self.mask & bit == bit

    def to_wire(self, *, tokens: bool = False) -> dict[str, object]:
        """``tokens`` writes the mask as XML's space-separated list instead of .NET's "A, B" text."""
        mask = E_TABLE_RIGHT.format_tokens(self.mask) if tokens else E_TABLE_RIGHT.format(self.mask)
        return {"Mask": mask, "Reason": self.reason}


def chat_session_table_right(principal: Principal) -> TableRight:
    return TableRight(_TABLE_MASK[principal.role], _REASON[principal.role])


def chat_topic_table_right(principal: Principal) -> TableRight:
    """Topics are administered (SuperOffice's Settings and maintenance): admins manage them, other roles read."""
    if principal.role is Role.ADMIN:
        return TableRight(_TABLE_MASK[Role.ADMIN], "")
    return TableRight(SELECT, "[SR_SOCHAT_ADMINS_MANAGE_TOPICS]")


@dataclass(frozen=True, slots=True)
class SessionScope:
    """The stored sessions a caller may see, and so change: all of them, or (an agent) the unassigned ones and
    those assigned to one associate. Stores apply ``admits`` to the row they lock inside a write's
    transaction, so a reassignment cannot slip between the check and the write."""

    associate_id: int | None = None  # None: every session

    def admits(self, user_id: int | None) -> bool:
        """Whether a session assigned to ``user_id`` (None: unassigned) is inside the scope."""
        return self.associate_id is None or user_id is None or user_id == self.associate_id

    def where(self) -> Expr | None:
        """The same rule as a list condition (None: no restriction)."""
        if self.associate_id is None:
            return None
        return Or((Compare("user_id", "=", None), Compare("user_id", "=", self.associate_id)))


def session_scope(principal: Principal) -> SessionScope:
    """Object-level rule: agents see (and so may change) only their own and unassigned sessions."""
    return SessionScope(principal.associate_id if principal.role is Role.AGENT else None)


def protected_attributes(role: Role) -> tuple[str, ...]:
    """Attributes a save by this role must leave as stored (beside the server-assigned id)."""
    names = _READ_ONLY_FIELDS[role]
    return tuple(field.attr for field in FIELDS if field.name in names and not field.read_only)


def chat_session_field_properties(role: Role, *, tokens: bool = False) -> dict[str, object]:
    """FieldProperties for every ChatSessionEntity property: right, .NET type and length.

    The answer is shared between calls; callers must not change it.
    """
    return _field_properties(role, tokens)


@cache
def _field_properties(role: Role, tokens: bool) -> dict[str, object]:
    return describe_fields(FIELDS, _READ_ONLY_FIELDS[role], tokens=tokens)


@cache
def field_properties(
    shape: type[msgspec.Struct], *, read_only_reason: str = "", tokens: bool = False
) -> dict[str, object]:
    """FieldProperties of any Struct: every property writable except the server-assigned ones, or (with
    ``read_only_reason``) every property read-only for that reason. Shared between calls; do not change it."""
    fields = fields_of(shape)
    limited = {field.name: read_only_reason for field in fields} if read_only_reason else {}
    return describe_fields(fields, limited, tokens=tokens)


def describe_fields(fields: tuple[Field, ...], limited: Mapping[str, str], *, tokens: bool) -> dict[str, object]:
    """FieldProperties: right, .NET type and length per property; ``limited`` holds read-only ones with reasons."""
    result: dict[str, object] = {}
    for field in fields:
        if field.read_only:
            mask, reason = FIELD_READ | FIELD_READONLY_HINT, "[SR_SOCHAT_SERVER_ASSIGNED]"
        elif field.name in limited:
            mask, reason = FIELD_READ, limited[field.name]
        else:
            mask, reason = FIELD_READ | FIELD_WRITE, ""
        result[field.name] = {
            "FieldRight": {
                "Mask": E_FIELD_RIGHT.format_tokens(mask) if tokens else E_FIELD_RIGHT.format(mask),
                "Reason": reason,
            },
            "FieldType": field.dotnet_type,
            "FieldLength": field.length,
        }
    return result
