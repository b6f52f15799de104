"""Table and field rights for a caller, written with SuperOffice's ETableRight and EFieldRight names.

Reasons are string references (``[SR_...]``), as SuperOffice's are: answers resolve them into the
request's language, and leave them as references when no language was asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

from sochat.domain.chat_session import FIELDS
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


def chat_session_field_properties(table_right: TableRight, *, tokens: bool = False) -> dict[str, object]:
    """FieldProperties for every ChatSessionEntity property: right, .NET type and length.

    The answer is shared between calls; callers must not change it.
    """
    return _FIELD_PROPERTIES[(table_right.allows(UPDATE), tokens)]


def _field_properties(can_write: bool, tokens: bool) -> dict[str, object]:
    result: dict[str, object] = {}
    for field in FIELDS:
        if field.read_only:
            mask, reason = FIELD_READ | FIELD_READONLY_HINT, "[SR_SOCHAT_SERVER_ASSIGNED]"
        elif can_write:
            mask, reason = FIELD_READ | FIELD_WRITE, ""
        else:
            mask, reason = FIELD_READ, "[SR_SOCHAT_NO_UPDATE_RIGHT]"
        result[field.name] = {
            "FieldRight": {
                "Mask": E_FIELD_RIGHT.format_tokens(mask) if tokens else E_FIELD_RIGHT.format(mask),
                "Reason": reason,
            },
            "FieldType": field.dotnet_type,
            "FieldLength": field.length,
        }
    return result


# Built once: these depend only on the right and the format, and are encoded for every answer.
_FIELD_PROPERTIES = {
    (can_write, tokens): _field_properties(can_write, tokens) for can_write in (True, False) for tokens in (True, False)
}
