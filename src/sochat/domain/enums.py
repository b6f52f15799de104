"""SuperOffice's enums with their names and numbers, and .NET-style text for them.

JSON carries enum names. A plain enum is one name; a flag enum is written the way .NET's
``Enum.ToString()`` writes it: the exact member name when one matches, otherwise the set bits
as names joined by ", " (lowest first).
"""

from __future__ import annotations

from collections.abc import Mapping

from sochat.domain.errors import InvalidInput, describe_value


class EnumType:
    """An enum's .NET name and members (names and values) in declaration order."""

    def __init__(
        self,
        name: str,
        members: tuple[tuple[str, int], ...],
        *,
        is_flags: bool = False,
        aliases: Mapping[str, int] | None = None,
        output_skip: frozenset[str] = frozenset(),
    ) -> None:
        """``aliases`` are extra input spellings (e.g. "None" for ChatSessionFlags);
        ``output_skip`` names members that share a value with another and must not be written."""
        self.name = name
        self.members = members
        self.is_flags = is_flags
        self._by_name = {member.lower(): value for member, value in members}
        for alias, value in (aliases or {}).items():
            self._by_name.setdefault(alias.lower(), value)
        self._by_value: dict[int, str] = {}
        for member, value in members:
            if member not in output_skip:
                self._by_value.setdefault(value, member)
        self._all_bits = 0
        for _, value in members:
            self._all_bits |= value

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.members)

    def parse(self, value: object, property_name: str) -> int:
        """Accept a name (case-insensitive), a flag list, or an integer; answer the number."""
        if isinstance(value, bool):
            raise self._invalid(value, property_name)
        if isinstance(value, int):
            if self.is_valid_number(value):
                return value
            raise self._invalid(value, property_name)
        if not isinstance(value, str):
            raise self._invalid(value, property_name)
        text = value.strip()
        if _is_integer_text(text):
            return self.parse(int(text), property_name)
        by_name = self._by_name
        if self.is_flags:
            total = 0
            # .NET writes "A, B"; the XSD list form is "A B". Take both.
            for part in text.replace(",", " ").split():
                number = by_name.get(part.lower())
                if number is None:
                    raise self._invalid(value, property_name)
                total |= number
            return total
        number = by_name.get(text.lower())
        if number is None:
            raise self._invalid(value, property_name)
        return number

    def is_valid_number(self, number: int) -> bool:
        if self.is_flags:
            return number >= 0 and number & ~self._all_bits == 0
        return number in self._by_value

    def format(self, number: int) -> str:
        """Write a number as .NET's Enum.ToString() does."""
        by_value = self._by_value
        exact = by_value.get(number)
        if exact is not None:
            return exact
        if not self.is_flags:
            return str(number)
        names: list[str] = []
        remaining = number
        for value in sorted((v for v in by_value if v > 0), reverse=True):
            if remaining & value == value:
                names.append(by_value[value])
                remaining &= ~value
        if remaining:
            return str(number)
        return ", ".join(reversed(names))

    def format_tokens(self, number: int) -> str:
        """Write a flag value as the XSD list type does: single-bit member names, space-separated,
        lowest first; zero is the empty list."""
        by_value = self._by_value
        tokens = [by_value[bit] for bit in sorted(by_value) if bit > 0 and bit & (bit - 1) == 0 and number & bit]
        return " ".join(tokens)

    def _invalid(self, value: object, property_name: str) -> InvalidInput:
        shown = describe_value(value)
        return InvalidInput(
            f"{property_name}: {shown} is not a {self.name} value; allowed: {', '.join(self.names)}"
            + (" (or their numbers)" if not self.is_flags else " (combinable, or a number)"),
            property_name=property_name,
        )


def _is_integer_text(text: str) -> bool:
    body = text[1:] if text[:1] in "+-" else text
    return body.isdigit() and body.isascii() and len(body) <= 10


CHAT_SESSION_STATUS = EnumType(
    "ChatSessionStatus",
    (
        ("Invalid", 0),
        ("PreChatForm", 1),
        ("Faq", 2),
        ("OfflineForm", 3),
        ("InQueue", 4),
        ("CustomerLast", 5),
        ("UserLast", 6),
        ("Finished", 7),
        ("Deleted", 8),
        ("Closed", 9),
        ("RequestPosted", 10),
        ("ClosedFromQueue", 11),
    ),
)

# SuperOffice defines CustomerIsTyping as 0, so "no flags" is written "CustomerIsTyping".
# The seed's sample sends "None", which we read as 0 too.
CHAT_SESSION_FLAGS = EnumType(
    "ChatSessionFlags",
    (("CustomerIsTyping", 0), ("UserIsTyping", 1)),
    is_flags=True,
    aliases={"None": 0},
)

E_TABLE_RIGHT = EnumType(
    "ETableRight",
    (
        ("None", 0),
        ("Select", 1),
        ("R", 1),
        ("Update", 2),
        ("UR", 3),
        ("Insert", 4),
        ("RI", 5),
        ("URI", 7),
        ("Delete", 8),
        ("UDR", 11),
        ("FULL", 15),
        ("Filtering", 16),
        ("F", 16),
        ("RF", 17),
        ("FI", 20),
        ("RestrictedUpdate", 32),
        ("Unused1", 64),
        ("Uninitialized", 128),
    ),
    is_flags=True,
    output_skip=frozenset({"R", "F"}),
)

E_FIELD_RIGHT = EnumType(
    "EFieldRight",
    (
        ("None", 0),
        ("Read", 1),
        ("Write", 2),
        ("Update", 3),
        ("Unused1", 4),
        ("Unused2", 8),
        ("Unused3", 16),
        ("Unused4", 32),
        ("Nullable", 32),
        ("UIHintMandatory", 64),
        ("UIHintReadOnly", 128),
        ("UIHints", 192),
        ("UndefinedValue256", 256),
    ),
    is_flags=True,
    output_skip=frozenset({"Unused4"}),
)

USER_TYPE = EnumType(
    "UserType",
    (
        ("Unknown", 0),
        ("InternalAssociate", 1),
        ("ResourceAssociate", 2),
        ("ExternalAssociate", 3),
        ("AnonymousAssociate", 4),
        ("SystemAssociate", 5),
    ),
)

# Enums of the nested carriers (Sale, Ticket), values in the XSD's declaration order.
SALE_STATUS = EnumType(
    "SaleStatus", (("Unknown", 0), ("Open", 1), ("Sold", 2), ("Lost", 3), ("Stalled", 4), ("SaintAll", 1000))
)
ACTIVITY_STATUS = EnumType("ActivityStatus", (("Unknown", 0), ("NotStarted", 1), ("Started", 2), ("Completed", 3)))
TICKET_SECURITY_LEVEL = EnumType("TicketSecurityLevel", (("Unknown", 0), ("Internal", 1), ("External", 2)))
# As SuperOffice's Swagger lists them; the Postponed* members are UI values (1001-1008) stored as Postponed.
TICKET_BASE_STATUS = EnumType(
    "TicketBaseStatus",
    (
        ("Unknown", 0),
        ("Active", 1),
        ("Closed", 2),
        ("Postponed", 3),
        ("Deleted", 4),
        ("Merged", 5),
        ("Spam", 6),
        ("PostponedSpecific", 1001),
        ("Postponed1Hour", 1002),
        ("Postponed2Hours", 1003),
        ("Postponed3Hours", 1004),
        ("Postponed4Hours", 1005),
        ("PostponedDay", 1006),
        ("PostponedWeek", 1007),
        ("PostponedMonth", 1008),
    ),
)
TICKET_ORIGIN = EnumType(
    "TicketOrigin",
    (
        ("Unknown", 0),
        ("Email", 1),
        ("SMS", 2),
        ("Fax", 3),
        ("Phone", 4),
        ("Facebook", 5),
        ("Twitter", 6),
        ("Internal", 7),
        ("CustomerCentre", 8),
        ("EMarketing", 9),
        ("AutoGenerated", 10),
        ("Chat", 11),
        ("Form", 12),
        # Newer than the XSD; numbered in declaration order, as the Swagger lists them after Form.
        ("API", 13),
        ("Flow", 14),
    ),
)
TICKET_READ_STATUS = EnumType("TicketReadStatus", (("Unknown", 0), ("Green", 1), ("Yellow", 2), ("Red", 3)))
