"""$select: SuperOffice answers every property but clears those not selected: null for reference types
(strings, carriers), the type's default for value types (0, false, 0001-01-01T00:00:00, the enum's 0 name)."""

from __future__ import annotations

from sochat.domain.chat_session import FIELD_BY_LOWER_NAME
from sochat.domain.errors import InvalidInput
from sochat.http.render import left_out_carrier_member, left_out_property

# Members that describe the answer rather than the entity; $select never nulls them.
_KEPT = frozenset({"TableRight", "FieldProperties", "_Links"})


def parse_select(text: str | None) -> dict[str, set[str]] | None:
    """``$select=Status,User/FullName`` as {property: sub-members (empty = whole)}; None = everything."""
    if text is None or not text.strip():
        return None
    whole: set[str] = set()
    partial: dict[str, set[str]] = {}
    for item in text.split(","):
        path = [part.strip() for part in item.strip().split("/")]
        field = FIELD_BY_LOWER_NAME.get(path[0].lower())
        if field is None:
            raise InvalidInput(
                f"$select: '{item.strip()[:60]}' is not a ChatSessionEntity property", property_name="$select"
            )
        if len(path) > 1 and path[1]:
            partial.setdefault(field.name, set()).add(path[1].lower())
        else:
            whole.add(field.name)
    return {name: set() for name in whole} | {name: members for name, members in partial.items() if name not in whole}


def apply_select(
    entity: dict[str, object], chosen: dict[str, set[str]] | None, *, tokens: bool = False
) -> dict[str, object]:
    """``tokens``: the answer is XML, whose flag enums are token lists (0 is the empty list)."""
    if chosen is None:
        return entity
    result: dict[str, object] = {}
    for name, value in entity.items():
        if name in _KEPT:
            result[name] = value
        elif name not in chosen:
            result[name] = left_out_property(name, tokens=tokens)
        elif chosen[name] and isinstance(value, dict):
            result[name] = {
                key: (item if key.lower() in chosen[name] else left_out_carrier_member(name, key))
                for key, item in value.items()
            }
        else:
            result[name] = value
    return result
