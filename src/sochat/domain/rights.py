"""Table and field rights for a caller, written with SuperOffice's ETableRight and EFieldRight names.

    role       table right (ETableRight)        rows                        fields it may not change
    admin      FULL (select insert update del)  all                         ChatSessionId
    agent      URI  (select insert update)      own and unassigned only     ChatSessionId, Rating, CustomerConsented
    readonly   Select                           all                         every field

Rating and CustomerConsented are the customer's own statements, so agents can read but not alter them.
A save that sends a field the caller may not change keeps the stored value (SuperOffice's sentry drops
such changes rather than failing the save) and FieldProperties says why. Reasons are string references
(``[SR_...]``) that answers resolve into the request's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sochat.domain.chat_session import FIELDS, ChatSession
from sochat.domain.enums import E_FIELD_RIGHT, E_TABLE_RIGHT
from sochat.domain.principal import Principal, Role

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


def may_see(principal: Principal, session: ChatSession) -> bool:
    """Object-level rule: agents see (and so may change) only their own and unassigned sessions."""
    if principal.role is not Role.AGENT:
        return True
    return session.user_id is None or session.user_id == principal.associate_id


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
    limited = _READ_ONLY_FIELDS[role]
    result: dict[str, object] = {}
    for field in FIELDS:
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
