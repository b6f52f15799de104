"""Unit tests for sochat.domain.enums: SuperOffice enum names in, .NET Enum.ToString() text out."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sochat.domain.enums import CHAT_SESSION_FLAGS, CHAT_SESSION_STATUS, E_FIELD_RIGHT, E_TABLE_RIGHT
from sochat.domain.errors import InvalidInput

STATUS = {
    "Invalid": 0,
    "PreChatForm": 1,
    "Faq": 2,
    "OfflineForm": 3,
    "InQueue": 4,
    "CustomerLast": 5,
    "UserLast": 6,
    "Finished": 7,
    "Deleted": 8,
    "Closed": 9,
    "RequestPosted": 10,
    "ClosedFromQueue": 11,
}


@pytest.mark.parametrize(("name", "number"), STATUS.items())
def test_status_names_match_case_insensitively(name: str, number: int) -> None:
    """Every ChatSessionStatus name is accepted in any letter case and gives its number."""
    for spelling in (name, name.lower(), name.upper(), f"  {name.swapcase()} "):
        assert CHAT_SESSION_STATUS.parse(spelling, "Status") == number


@pytest.mark.parametrize(("name", "number"), STATUS.items())
def test_status_numbers_and_integer_strings_are_accepted(name: str, number: int) -> None:
    """A status may also be sent as its number, or as the number's text."""
    assert CHAT_SESSION_STATUS.parse(number, "Status") == number
    assert CHAT_SESSION_STATUS.parse(str(number), "Status") == number
    assert CHAT_SESSION_STATUS.parse(f" +{number} ", "Status") == number


@pytest.mark.parametrize(("name", "number"), STATUS.items())
def test_status_format_writes_the_name(name: str, number: int) -> None:
    """A status number is answered as its SuperOffice name."""
    assert CHAT_SESSION_STATUS.format(number) == name


def test_status_member_table_matches_superoffice() -> None:
    """The declared members are SuperOffice's names and numbers in declaration order."""
    assert CHAT_SESSION_STATUS.members == tuple(STATUS.items())


@pytest.mark.parametrize("value", [12, -1, 2**31, "12", "Bogus", "", "Closed!", "0x7", "7.0", 7.0, True, None, [7], {}])
def test_status_unknown_value_names_property_and_allowed_names(value: object) -> None:
    """An unknown status is InvalidInput naming the property and listing every allowed name."""
    with pytest.raises(InvalidInput) as caught:
        CHAT_SESSION_STATUS.parse(value, "MyStatusProperty")
    assert caught.value.property_name == "MyStatusProperty"
    assert "MyStatusProperty" in caught.value.message
    for name in STATUS:
        assert name in caught.value.message


@settings(max_examples=100, deadline=None)
@given(name=st.sampled_from(list(STATUS)), flips=st.lists(st.booleans(), min_size=20, max_size=20))
def test_status_any_case_mix_parses(name: str, flips: list[bool]) -> None:
    """Any mixture of upper- and lower-case letters in a status name is accepted."""
    spelling = "".join(c.upper() if flip else c.lower() for c, flip in zip(name, flips, strict=False))
    assert CHAT_SESSION_STATUS.parse(spelling, "Status") == STATUS[name]


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=20))
def test_status_arbitrary_text_is_a_name_a_number_or_refused(text: str) -> None:
    """Arbitrary text either is a status name/number or is refused with InvalidInput, never anything else."""
    lowered = {name.lower(): number for name, number in STATUS.items()}
    stripped = text.strip()
    expected = lowered.get(stripped.lower())
    if expected is None and re.fullmatch(r"[+-]?[0-9]{1,10}", stripped):
        expected = int(stripped) if int(stripped) in STATUS.values() else None
    if expected is None:
        with pytest.raises(InvalidInput):
            CHAT_SESSION_STATUS.parse(text, "Status")
    else:
        assert CHAT_SESSION_STATUS.parse(text, "Status") == expected


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("None", 0),
        ("none", 0),
        ("CustomerIsTyping", 0),
        ("customeristyping", 0),
        ("UserIsTyping", 1),
        ("USERISTYPING", 1),
        ("CustomerIsTyping, UserIsTyping", 1),
        ("UserIsTyping, CustomerIsTyping", 1),
        ("UserIsTyping UserIsTyping", 1),
        (0, 0),
        (1, 1),
        ("1", 1),
        ("0", 0),
    ],
)
def test_flags_parse(value: object, number: int) -> None:
    """ChatSessionFlags: 'None' and 'CustomerIsTyping' are 0, 'UserIsTyping' is 1, lists are OR-ed."""
    assert CHAT_SESSION_FLAGS.parse(value, "Flags") == number


@pytest.mark.parametrize("value", [2, 3, -1, "2", "Typing", "UserIsTyping, Bogus", "UserIsTyping;Other", True, 1.0])
def test_flags_unknown_values_are_refused(value: object) -> None:
    """Unknown flag names, bits outside the enum and non-integer types are InvalidInput naming the property."""
    with pytest.raises(InvalidInput) as caught:
        CHAT_SESSION_FLAGS.parse(value, "Flags")
    assert caught.value.property_name == "Flags"
    assert "UserIsTyping" in caught.value.message
    assert "CustomerIsTyping" in caught.value.message


def test_flags_format_zero_is_customer_is_typing() -> None:
    """0 is written 'CustomerIsTyping' (SuperOffice's value-0 member) and 1 'UserIsTyping'."""
    assert CHAT_SESSION_FLAGS.format(0) == "CustomerIsTyping"
    assert CHAT_SESSION_FLAGS.format(1) == "UserIsTyping"


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (0, "None"),
        (1, "Select"),
        (2, "Update"),
        (3, "UR"),
        (4, "Insert"),
        (5, "RI"),
        (6, "Update, Insert"),
        (7, "URI"),
        (8, "Delete"),
        (9, "Select, Delete"),
        (11, "UDR"),
        (12, "Insert, Delete"),
        (13, "RI, Delete"),
        (15, "FULL"),
        (16, "Filtering"),
        (17, "RF"),
        (20, "FI"),
        (31, "UDR, FI"),
        (32, "RestrictedUpdate"),
        (33, "Select, RestrictedUpdate"),
        (47, "FULL, RestrictedUpdate"),
        (128, "Uninitialized"),
        (255, "UDR, FI, RestrictedUpdate, Unused1, Uninitialized"),
        (256, "256"),
    ],
)
def test_table_right_format_follows_dotnet(number: int, text: str) -> None:
    """ETableRight is written as .NET does: exact name first, else greedy largest members, listed lowest first."""
    assert E_TABLE_RIGHT.format(number) == text


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (0, "None"),
        (1, "Read"),
        (2, "Write"),
        (3, "Update"),
        (64, "UIHintMandatory"),
        (65, "Read, UIHintMandatory"),
        (129, "Read, UIHintReadOnly"),
        (131, "Update, UIHintReadOnly"),
        (192, "UIHints"),
        (193, "Read, UIHints"),
        (256, "UndefinedValue256"),
        (512, "512"),
    ],
)
def test_field_right_format_follows_dotnet(number: int, text: str) -> None:
    """EFieldRight is written as .NET does: exact name first, else combined names, listed lowest first."""
    assert E_FIELD_RIGHT.format(number) == text


@settings(max_examples=100, deadline=None)
@given(number=st.integers(min_value=0, max_value=255))
def test_table_right_format_parses_back(number: int) -> None:
    """Every ETableRight mask survives format then parse."""
    assert E_TABLE_RIGHT.parse(E_TABLE_RIGHT.format(number), "Mask") == number


@settings(max_examples=100, deadline=None)
@given(number=st.integers(min_value=0, max_value=511))
def test_field_right_format_parses_back(number: int) -> None:
    """Every EFieldRight mask survives format then parse."""
    assert E_FIELD_RIGHT.parse(E_FIELD_RIGHT.format(number), "Mask") == number


@settings(max_examples=100, deadline=None)
@given(number=st.integers(min_value=1, max_value=255))
def test_table_right_format_names_are_disjoint_members(number: int) -> None:
    """A combined ETableRight text lists members whose bits are disjoint and add up to the mask."""
    parts = E_TABLE_RIGHT.format(number).split(", ")
    values = [E_TABLE_RIGHT.parse(part, "Mask") for part in parts]
    assert sum(values) == number
    assert values == sorted(values)
    assert len(set(values)) == len(values)
