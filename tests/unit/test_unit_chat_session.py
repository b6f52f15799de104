"""Unit tests for sochat.domain.chat_session.chat_session_from_wire: decoded bodies to ChatSession."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import msgspec
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sochat.domain.chat_session import ChatSession, chat_session_from_wire
from sochat.domain.errors import InvalidInput
from support.entity import seed_entity

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
OSLO = ZoneInfo("Europe/Oslo")
EPOCH = datetime(1, 1, 1, tzinfo=UTC)

# Wire name -> attribute, for each kind.
INT_FIELDS = {
    "ChatSessionId": "chat_session_id",
    "InitialQueuePos": "initial_queue_pos",
    "AlertLevel": "alert_level",
    "Rank": "rank",
    "Rating": "rating",
}
BOOL_FIELDS = {"CustomerConsented": "customer_consented", "ChatbotIsActive": "chatbot_is_active"}
STRING_FIELDS = {
    "CustomerAlias": ("customer_alias", 64),
    "CustomerHost": ("customer_host", 255),
    "CustomerName": ("customer_name", 255),
    "CustomerEmail": ("customer_email", 255),
    "CustomerPhone": ("customer_phone", 32),
    "CustomerCompanyName": ("customer_company_name", 255),
    "FirstMessage": ("first_message", 1024),
    "LastMessage": ("last_message", 1024),
    "SessionKey": ("session_key", 255),
}
DATE_FIELDS = {
    "WhenRequested": "when_requested",
    "WhenStarted": "when_started",
    "WhenEnded": "when_ended",
    "WhenIdle": "when_idle",
    "WhenFetched": "when_fetched",
}
# Link property -> (attribute, id property inside the carrier).
LINK_FIELDS = {
    "User": ("user_id", "AssociateId"),
    "Person": ("person_id", "PersonId"),
    "Contact": ("contact_id", "ContactId"),
    "Project": ("project_id", "ProjectId"),
    "Sale": ("sale_id", "SaleId"),
    "Ticket": ("ticket_id", "TicketId"),
    "TransferTo": ("transfer_to_id", "AssociateId"),
}

# The founding document's sample request body, verbatim.
SEED_BODY: dict[str, object] = seed_entity()


def ticks(year: int, month: int, day: int, hour: int, minute: int, second: int, frac7: int = 0) -> int:
    """Ticks of a UTC wall-clock time plus a 7-digit fraction, computed without the module under test."""
    whole = datetime(year, month, day, hour, minute, second, tzinfo=UTC) - EPOCH
    return whole // timedelta(seconds=1) * 10_000_000 + frac7


def one(name: str, value: object, *, strict: bool = False) -> ChatSession:
    return chat_session_from_wire({name: value}, UTC, strict=strict)


def refused(name: str, value: object, *, strict: bool = False) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        chat_session_from_wire({name: value}, UTC, strict=strict)
    return caught.value


def test_seed_body_is_read_in_full() -> None:
    """The seed's sample request becomes the expected ChatSession, seventh date digit included."""
    session = chat_session_from_wire(SEED_BODY, UTC)
    assert session == ChatSession(
        chat_session_id=352,
        topic_id=588,
        customer_alias="soluta",
        customer_host="qui",
        customer_name="Schiller, Hilpert and Labadie",
        customer_email="mckayla@sengeryost.uk",
        customer_phone="546-196-2294",
        customer_consented=False,
        customer_company_name="Williamson, Weber and Grimes",
        status=9,
        first_message="rerum",
        last_message="ut",
        when_requested=ticks(2002, 8, 11, 8, 10, 59, 850049),
        when_started=ticks(2019, 6, 7, 8, 10, 59, 850049),
        when_ended=ticks(2002, 4, 4, 8, 10, 59, 850049),
        when_idle=ticks(1999, 6, 7, 8, 10, 59, 850049),
        when_fetched=ticks(2010, 4, 13, 8, 10, 59, 850049),
        session_key="est",
        initial_queue_pos=613,
        alert_level=418,
        rank=235,
        flags=0,
        rating=957,
    )


def test_property_names_match_case_insensitively() -> None:
    """camelCase, lower-case and upper-case property names are read like PascalCase ones."""
    body = {
        "chatSessionId": 7,
        "topicid": 3,
        "CUSTOMERNAME": "Ann",
        "customerConsented": True,
        "status": "inqueue",
        "flags": "useristyping",
        "whenRequested": "2024-01-01T00:00:00Z",
        "user": {"associateId": 4},
        "rAnK": 2,
    }
    session = chat_session_from_wire(body, UTC)
    assert (session.chat_session_id, session.topic_id, session.customer_name) == (7, 3, "Ann")
    assert (session.customer_consented, session.status, session.flags) == (True, 4, 1)
    assert session.when_requested == ticks(2024, 1, 1, 0, 0, 0)
    assert (session.user_id, session.rank) == (4, 2)


def test_unknown_and_output_only_properties_are_ignored() -> None:
    """Unknown members, TableRight, FieldProperties and _Links in a body are ignored."""
    body = {
        "Rank": 5,
        "NoSuchProperty": {"deep": [1, 2]},
        "TableRight": {"Mask": "FULL", "Reason": ""},
        "tableRight": "garbage that would not parse",
        "FieldProperties": {"Rank": {"FieldRight": {"Mask": "Read"}, "FieldType": "System.Int32", "FieldLength": 0}},
        "_Links": {"Self": "https://example.invalid/api/v1/ChatSession/1"},
        "Country": 47,
    }
    assert chat_session_from_wire(body, UTC) == ChatSession(rank=5)


def test_empty_body_gives_all_defaults() -> None:
    """Missing properties take their defaults: zeros, False, None links and dates, "" strings (decision 18)."""
    session = chat_session_from_wire({}, UTC)
    assert session == ChatSession()
    assert msgspec.structs.astuple(session) == (
        0,
        0,
        None,
        None,
        *([""] * 5),
        False,
        "",
        0,
        "",
        "",
        *([None] * 5),
        "",
        0,
        0,
        0,
        0,
        *([None] * 5),
        False,
        0,
    )


def test_missing_properties_keep_defaults_next_to_given_ones() -> None:
    """A partial body sets only what it names; the rest stays default (SuperOffice saves whole entities)."""
    session = chat_session_from_wire({"CustomerName": "Bo"}, UTC)
    assert session == msgspec.structs.replace(ChatSession(), customer_name="Bo")


@pytest.mark.parametrize(("name", "attr"), INT_FIELDS.items())
@settings(max_examples=30, deadline=None)
@given(number=st.integers(min_value=INT32_MIN, max_value=INT32_MAX))
@example(number=INT32_MIN)
@example(number=INT32_MAX)
@example(number=0)
def test_int32_range_is_accepted(name: str, attr: str, number: int) -> None:
    """Every int32, the edges included, is stored as given (also as a decimal string)."""
    assert getattr(one(name, number), attr) == number
    assert getattr(one(name, str(number)), attr) == number


@pytest.mark.parametrize("name", INT_FIELDS)
@settings(max_examples=30, deadline=None)
@given(number=st.one_of(st.integers(max_value=INT32_MIN - 1), st.integers(min_value=INT32_MAX + 1)))
@example(number=INT32_MIN - 1)
@example(number=INT32_MAX + 1)
def test_int32_overflow_is_refused_naming_the_property(name: str, number: int) -> None:
    """One beyond int32, or further, is InvalidInput whose property_name is the property."""
    error = refused(name, number)
    assert error.property_name == name
    assert name in error.message


@pytest.mark.parametrize("name", INT_FIELDS)
@pytest.mark.parametrize("number", [10**100, -(10**100), int("9" * 4300), -int("9" * 4300)])
def test_huge_ints_from_json_are_refused(name: str, number: int) -> None:
    """Integers as large as the JSON decoder lets through are refused with a short message."""
    error = refused(name, number)
    assert error.property_name == name
    assert len(error.message) < 300


@pytest.mark.parametrize("name", ["Rank", "CustomerName", "CustomerConsented", "Status", "WhenStarted"])
def test_ints_beyond_str_conversion_limit_are_invalid_input(name: str) -> None:
    """A Python int too long for str() (> 4300 digits) still gives InvalidInput, never ValueError."""
    error = refused(name, 10**5000)
    assert error.property_name == name


def test_huge_link_id_is_invalid_input() -> None:
    """A link id too long for str() still gives InvalidInput naming the link."""
    error = refused("User", {"AssociateId": 10**5000})
    assert error.property_name is not None
    assert error.property_name.startswith("User")


@pytest.mark.parametrize("value", ["2147483648", "-2147483649", "99999999999", "999999999999", "1.5", "1e3", "", "x"])
def test_int32_bad_strings_are_refused(value: str) -> None:
    """Numeric strings outside int32 and non-integer strings are refused for int32 properties."""
    assert refused("Rank", value).property_name == "Rank"


@pytest.mark.parametrize(("value", "number"), [(5.0, 5), (-3.0, -3), (0.0, 0), (2147483647.0, INT32_MAX)])
def test_integral_floats_are_accepted(value: float, number: int) -> None:
    """A JSON number with a zero fraction (5.0) is read as that integer."""
    assert one("Rank", value).rank == number


@pytest.mark.parametrize("value", [5.5, -0.1, 1e300, float("inf"), float("-inf"), float("nan"), 2147483648.0])
def test_fractional_or_huge_floats_are_refused(value: float) -> None:
    """Floats with a fraction, non-finite ones and ones outside int32 are refused."""
    assert refused("Rank", value).property_name == "Rank"


@pytest.mark.parametrize("value", [True, False, [1], {"a": 1}])
def test_int32_wrong_types_are_refused(value: object) -> None:
    """Booleans, arrays and objects are not int32 values."""
    assert refused("AlertLevel", value).property_name == "AlertLevel"


@pytest.mark.parametrize(("value", "number"), [(-1, 0), (-5, 0), (0, 0), (12, 12), (INT32_MAX, INT32_MAX)])
def test_topic_id_negative_means_no_topic(value: int, number: int) -> None:
    """TopicId -1 (or any negative) means 'no topic' and is stored as 0."""
    assert one("TopicId", value).topic_id == number


@pytest.mark.parametrize(("name", "attr"), BOOL_FIELDS.items())
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        ("true", True),
        ("false", False),
        ("True", True),
        (" FALSE ", False),
        ("1", True),
        ("0", False),
        (1, True),
        (0, False),
    ],
)
def test_bool_accepts_json_bools_strings_and_0_1(name: str, attr: str, value: object, expected: bool) -> None:
    """Booleans come as true/false, 'true'/'false' (any case), or 0/1."""
    assert getattr(one(name, value), attr) is expected


@pytest.mark.parametrize("name", BOOL_FIELDS)
@pytest.mark.parametrize("value", [2, -1, "yes", "", "t", 0.5, 1.0, [], {}])
def test_bool_refuses_other_values(name: str, value: object) -> None:
    """Other numbers, words and containers are refused for a boolean, naming the property."""
    assert refused(name, value).property_name == name


@pytest.mark.parametrize(("name", "attr_limit"), STRING_FIELDS.items())
def test_string_at_limit_is_accepted(name: str, attr_limit: tuple[str, int]) -> None:
    """A string exactly as long as its column is stored unchanged."""
    attr, limit = attr_limit
    text = ("ab\u00e6\u4e2d" * limit)[:limit]
    assert getattr(one(name, text), attr) == text


@pytest.mark.parametrize(("name", "attr_limit"), STRING_FIELDS.items())
def test_string_one_over_limit_is_refused(name: str, attr_limit: tuple[str, int]) -> None:
    """One character more than the column is InvalidInput naming the property and the limit."""
    _, limit = attr_limit
    error = refused(name, "x" * (limit + 1))
    assert error.property_name == name
    assert str(limit) in error.message


@pytest.mark.parametrize(("name", "attr_limit"), STRING_FIELDS.items())
def test_string_null_is_empty_even_in_strict_mode(name: str, attr_limit: tuple[str, int]) -> None:
    """Strings accept null, strict or not, and store it as "" (decision 18: no text is "", never null)."""
    attr, _ = attr_limit
    assert getattr(one(name, None), attr) == ""
    assert getattr(one(name, None, strict=True), attr) == ""


@pytest.mark.parametrize(("value", "text"), [(123, "123"), (-4, "-4"), (1.5, "1.5"), (True, "true"), (False, "false")])
def test_string_from_json_scalars_is_their_text(value: object, text: str) -> None:
    """Numbers and booleans sent for a string property are stored as their JSON text."""
    assert one("CustomerPhone", value).customer_phone == text


@pytest.mark.parametrize("value", [["a"], {"a": 1}])
def test_string_refuses_containers(value: object) -> None:
    """Arrays and objects are refused for a string property."""
    assert refused("CustomerName", value).property_name == "CustomerName"


def test_string_refuses_nul() -> None:
    """A NUL character in a string is refused, naming the property."""
    assert refused("CustomerName", "a\x00b").property_name == "CustomerName"


def is_xml_char(char: str) -> bool:
    """XML 1.0's Char production: what every answer format (XML included) can carry."""
    code = ord(char)
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or code >= 0x10000


@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet=st.characters(), max_size=80))
def test_alias_text_is_kept_verbatim_or_refused(text: str) -> None:
    """A string is stored verbatim when within CustomerAlias's 64 UTF-16 units and XML-sendable, else refused."""
    sendable = all(is_xml_char(char) for char in text)
    if sendable and len(text.encode("utf-16-le")) // 2 <= 64:
        assert one("CustomerAlias", text).customer_alias == text
    else:
        assert refused("CustomerAlias", text).property_name == "CustomerAlias"


@pytest.mark.parametrize(
    "char", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1f", "\ud800", "\udfff", "\ufffe", "\uffff"]
)
def test_string_refuses_characters_answers_cannot_carry(char: str) -> None:
    """Control characters (other than tab, LF, CR), lone surrogates and U+FFFE/U+FFFF are refused."""
    assert refused("CustomerName", f"a{char}b").property_name == "CustomerName"


@pytest.mark.parametrize("char", ["\t", "\n", "\r", "\x7f", "\ud7ff", "\ue000", "\ufffd", "\U0001f600"])
def test_string_accepts_tab_newline_and_other_characters(char: str) -> None:
    """Tab, LF, CR, DEL and characters around the forbidden ranges are accepted verbatim."""
    assert one("CustomerName", f"a{char}b").customer_name == f"a{char}b"


@pytest.mark.parametrize(("name", "attr_id"), LINK_FIELDS.items())
def test_link_reads_only_the_id(name: str, attr_id: tuple[str, str]) -> None:
    """A link carrier gives its id; other carrier members are ignored; id name is case-insensitive."""
    attr, id_name = attr_id
    assert getattr(one(name, {id_name: 5}), attr) == 5
    assert getattr(one(name, {id_name.lower(): 6, "Name": "ignored", "FullName": 1}), attr) == 6
    assert getattr(one(name, {id_name: "7"}), attr) == 7
    assert getattr(one(name, {id_name: INT32_MAX}), attr) == INT32_MAX


@pytest.mark.parametrize(("name", "attr_id"), LINK_FIELDS.items())
@pytest.mark.parametrize("strict", [False, True])
def test_link_zero_minus_one_null_mean_no_link(name: str, attr_id: tuple[str, str], strict: bool) -> None:
    """0, -1, a null id, an empty carrier and a null carrier all mean 'no link'."""
    attr, id_name = attr_id
    for value in ({id_name: 0}, {id_name: -1}, {id_name: None}, {}, None):
        assert getattr(one(name, value, strict=strict), attr) is None, value


@pytest.mark.parametrize("name", LINK_FIELDS)
@pytest.mark.parametrize("value", [5, "5", True, [5], "null"])
def test_link_non_object_is_refused(name: str, value: object) -> None:
    """A link that is not an object (or null) is InvalidInput naming the property."""
    assert refused(name, value).property_name == name


@pytest.mark.parametrize(("name", "attr_id"), LINK_FIELDS.items())
def test_link_id_out_of_int32_is_refused(name: str, attr_id: tuple[str, str]) -> None:
    """A link id beyond int32 or of the wrong type is InvalidInput naming the link."""
    _, id_name = attr_id
    for value in (INT32_MAX + 1, 1.5, True, "abc"):
        error = refused(name, {id_name: value})
        assert error.property_name is not None
        assert error.property_name.split(".")[0] == name


@pytest.mark.parametrize("name", [*INT_FIELDS, "TopicId", *BOOL_FIELDS, "Status", "Flags"])
def test_null_for_value_types_is_default_by_default(name: str) -> None:
    """Null for an int, bool or enum is read as its default when not strict (as SuperOffice does)."""
    assert one(name, None) == ChatSession()


@pytest.mark.parametrize("name", [*INT_FIELDS, "TopicId", *BOOL_FIELDS, "Status", "Flags"])
def test_strict_refuses_null_for_value_types(name: str) -> None:
    """strict=True refuses null for int, bool and enum properties, naming the property."""
    error = refused(name, None, strict=True)
    assert error.property_name == name
    assert "null" in error.message


@pytest.mark.parametrize(("name", "attr"), DATE_FIELDS.items())
@pytest.mark.parametrize("strict", [False, True])
def test_date_unset_spellings_are_none(name: str, attr: str, strict: bool) -> None:
    """'', 0001-01-01T00:00:00 and 0001-01-01T00:00:00.000Z are the unset date (decision 10)."""
    for value in ("", "0001-01-01T00:00:00", "0001-01-01T00:00:00.000Z"):
        assert getattr(one(name, value, strict=strict), attr) is None, value


@pytest.mark.parametrize(("name", "attr"), DATE_FIELDS.items())
def test_date_null_is_unset(name: str, attr: str) -> None:
    """null for a date is the unset date."""
    assert getattr(one(name, None), attr) is None


@pytest.mark.parametrize(("name", "attr"), DATE_FIELDS.items())
def test_strict_accepts_null_dates(name: str, attr: str) -> None:
    """Decision 10 accepts null for unset dates and marks no strict exception, so strict accepts it too."""
    assert getattr(one(name, None, strict=True), attr) is None


@pytest.mark.parametrize(("name", "attr"), DATE_FIELDS.items())
def test_date_without_offset_is_read_in_the_given_zone(name: str, attr: str) -> None:
    """A date without designator is read in the request's zone; one with 'Z' is UTC."""
    assert getattr(chat_session_from_wire({name: "2024-07-01T12:00:00"}, OSLO), attr) == ticks(2024, 7, 1, 10, 0, 0)
    assert getattr(chat_session_from_wire({name: "2024-07-01T12:00:00.123Z"}, OSLO), attr) == ticks(
        2024, 7, 1, 12, 0, 0, 1_230_000
    )


@pytest.mark.parametrize("name", DATE_FIELDS)
@pytest.mark.parametrize("value", ["yesterday", "2024-02-30T00:00:00Z", 20240101, True, ["2024-01-01"], {}])
def test_date_bad_values_are_refused(name: str, value: object) -> None:
    """A date that is not a valid ISO 8601 string is InvalidInput naming the property."""
    error = refused(name, value)
    assert error.property_name == name
    assert name in error.message


@pytest.mark.parametrize(("value", "number"), [("Closed", 9), ("closed", 9), ("INQUEUE", 4), (7, 7), ("11", 11)])
def test_status_on_the_wire(value: object, number: int) -> None:
    """Status takes names (any case), numbers and integer strings."""
    assert one("Status", value).status == number


def test_status_unknown_lists_allowed_names() -> None:
    """An unknown Status is InvalidInput naming Status and the allowed names."""
    error = refused("status", "Open")
    assert error.property_name == "Status"
    assert "ClosedFromQueue" in error.message
    assert "InQueue" in error.message


@pytest.mark.parametrize(
    ("value", "number"), [("None", 0), ("CustomerIsTyping", 0), ("CustomerIsTyping, UserIsTyping", 1)]
)
def test_flags_on_the_wire(value: str, number: int) -> None:
    """Flags takes SuperOffice's names and the seed's 'None'."""
    assert one("Flags", value).flags == number


def test_first_bad_property_is_reported() -> None:
    """With several bad properties the error names one of them, not a generic message."""
    with pytest.raises(InvalidInput) as caught:
        chat_session_from_wire({"Rank": "x", "CustomerAlias": "y" * 65}, UTC)
    assert caught.value.property_name in {"Rank", "CustomerAlias"}


def test_string_limit_counts_utf16_units_as_superoffice_columns_do() -> None:
    """An emoji takes two UTF-16 units: 32 fill CustomerAlias's 64, a 33rd is refused."""
    assert one("CustomerAlias", "\U0001f600" * 32).customer_alias == "\U0001f600" * 32
    assert refused("CustomerAlias", "\U0001f600" * 33).property_name == "CustomerAlias"
