"""Issue 12: the OData list's query string is bounded and every bad value is a 400 naming its parameter
(sochat.http.odata), before any SQL is built. The HTTP side, on both databases, is tests/api/test_api_bounds.py."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from sochat.domain import datetimes
from sochat.domain.errors import InvalidInput
from sochat.domain.query import And, Compare, Expr, ListQuery
from sochat.http.errors import status_and_type
from sochat.http.odata import (
    MAX_FILTER_CONDITIONS,
    MAX_FILTER_DEPTH,
    MAX_FILTER_LENGTH,
    MAX_FILTER_VALUES,
    MAX_ORDER_LENGTH,
    MAX_SKIPTOKEN_LENGTH,
    build_query,
    encode_cursor,
)

NOW = datetime(2024, 6, 15, 12, 0, tzinfo=UTC)
AHEAD = ZoneInfo("Etc/GMT-14")  # UTC+14 in every year (Pacific/Kiritimati kept local mean time before 1901)
BAKER = ZoneInfo("Etc/GMT+12")  # UTC-12


def query(params: dict[str, str], zone: ZoneInfo | None = None) -> ListQuery:
    return build_query(params, zone=zone or ZoneInfo("UTC"), now=NOW, associate_id=1)


def refused(params: dict[str, str], named: str, zone: ZoneInfo | None = None) -> str:
    """Assert a 400 naming ``named``; answer the message."""
    with pytest.raises(InvalidInput) as caught:
        query(params, zone)
    assert status_and_type(caught.value)[0] == 400
    assert caught.value.property_name == named, caught.value.message
    assert len(caught.value.message) < 500  # bad values are clipped in the message
    return caught.value.message


def token(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


# -- $filter size and nesting ----------------------------------------------------------------------


def test_a_filter_longer_than_the_limit_is_400_naming_the_limit():
    text = "customerName eq '" + "x" * MAX_FILTER_LENGTH + "'"
    assert str(MAX_FILTER_LENGTH) in refused({"$filter": text}, "$filter")


@pytest.mark.parametrize("levels", [MAX_FILTER_DEPTH + 1, 500, 5000])
def test_parentheses_deeper_than_the_limit_are_400_not_a_recursion_error(levels):
    text = "(" * levels + "rank eq 1" + ")" * levels
    assert f"limit of {MAX_FILTER_DEPTH} levels" in refused({"$filter": text}, "$filter")


def test_parentheses_up_to_the_limit_are_read():
    text = "(" * MAX_FILTER_DEPTH + "rank eq 1" + ")" * MAX_FILTER_DEPTH
    assert query({"$filter": text}).where == Compare("rank", "=", 1)


@pytest.mark.parametrize("joiner", [" or ", " and "])
def test_more_conditions_than_the_limit_are_400_not_a_database_error(joiner):
    """3000 ORs were a 503: SQLite refuses expressions deeper than 1000."""
    over = joiner.join(["rank eq 1"] * (MAX_FILTER_CONDITIONS + 1))
    assert f"limit of {MAX_FILTER_CONDITIONS} conditions" in refused({"$filter": over}, "$filter")
    within = query({"$filter": joiner.join(["rank eq 1"] * MAX_FILTER_CONDITIONS)}).where
    assert isinstance(within, Expr.__args__)  # type: ignore[attr-defined]


def test_more_list_values_than_the_limit_are_400():
    values = ",".join(["1"] * (MAX_FILTER_VALUES + 1))
    assert f"limit of {MAX_FILTER_VALUES} values" in refused({"$filter": f"rank oneOf({values})"}, "$filter")
    half = ",".join(["1"] * (MAX_FILTER_VALUES // 2 + 1))
    refused({"$filter": f"rank oneOf({half}) or rank NotOneOf({half})"}, "$filter")


@pytest.mark.parametrize(
    "text", ["customerName eq 'a\x00b'", "customerName contains '\x00'", "startswith(customerName, '\x00')", "\x00"]
)
def test_nul_in_a_filter_is_400_naming_filter(text):
    assert "U+0000" in refused({"$filter": text}, "$filter")


# -- integer literals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "literal", ["9" * 5000, "99999999999999999999", "2147483648", "-2147483649", "12345678901", "-" + "9" * 5000]
)
@pytest.mark.parametrize("column", ["rank", "chatSessionId", "userId", "topicId", "status", "flags"])
def test_integers_beyond_int32_are_400(literal, column):
    message = refused({"$filter": f"{column} eq {literal}"}, "$filter")
    assert "9" * 100 not in message  # the message clips the value


@pytest.mark.parametrize("literal", ["\u0661", "\uff11", "\u00b2"])
def test_only_ascii_digits_are_numbers(literal):
    refused({"$filter": f"rank eq {literal}"}, "$filter")


def test_int32_bounds_are_numbers():
    assert query({"$filter": "rank eq 2147483647"}).where == Compare("rank", "=", 2**31 - 1)
    assert query({"$filter": "rank eq -2147483648"}).where == Compare("rank", "=", -(2**31))


# -- dates at the ends of the calendar -------------------------------------------------------------

END = datetimes.MAX_TICKS + 1  # the first tick after 9999-12-31T23:59:59.9999999 UTC


@pytest.mark.parametrize("zone", [ZoneInfo("UTC"), AHEAD, BAKER])
@pytest.mark.parametrize(
    "text",
    [
        "whenRequested eq '9999-12-31'",
        "whenRequested gt '9999-12-31'",
        "whenRequested le '9999-12-31'",
        "whenRequested ne '9999-12-31'",
        "whenRequested between ('0001-01-02', '9999-12-31')",
        "whenRequested dateBetween ('0001-01-01', '9999-12-31')",
        "whenRequested eq '0001-01-02'",
        "whenRequested lt '0001-01-02'",
    ],
)
def test_dates_at_the_ends_of_the_calendar_are_clamped_not_an_overflow(zone, text):
    """The day after 9999-12-31 (and midnight of 0001-01-01 in a zone ahead of UTC) is outside the calendar;
    the bound becomes the calendar's end, so the filter still means what it says."""
    where = query({"$filter": text}, zone).where
    assert where is not None
    assert all(0 <= value <= END for value in _tick_values(where))


def test_the_last_day_of_the_calendar_ends_at_the_calendar_end():
    assert query({"$filter": "whenRequested eq '9999-12-31'"}).where == And(
        (
            Compare("when_requested", ">=", datetimes.parse("9999-12-31T00:00:00Z", ZoneInfo("UTC"))),
            Compare("when_requested", "<", END),
        )
    )
    assert query({"$filter": "whenRequested gt '9999-12-31'"}, BAKER).where == Compare("when_requested", ">=", END)


@pytest.mark.parametrize(("zone", "start"), [(AHEAD, "0001-01-01T10:00Z"), (BAKER, "0001-01-02T12:00Z")])
def test_the_second_day_of_the_calendar_is_a_whole_local_day(zone, start):
    """0001-01-01 itself is the unset date (.NET's MinValue); the day after is read in the request's zone."""
    where = query({"$filter": "whenRequested dateBetween ('0001-01-02', '0001-01-02')"}, zone).where
    day = 24 * 3600 * datetimes.TICKS_PER_SECOND
    assert where == And(
        (Compare("when_requested", ">=", _ticks(start)), Compare("when_requested", "<", _ticks(start) + day))
    )


def _ticks(text: str) -> int:
    value = datetimes.parse(text, ZoneInfo("UTC"))
    assert value is not None
    return value


def _tick_values(expr: Expr) -> list[int]:
    if isinstance(expr, Compare):
        return [expr.value] if isinstance(expr.value, int) and not isinstance(expr.value, bool) else []
    parts = getattr(expr, "parts", ())
    return [value for part in parts for value in _tick_values(part)]


# -- $orderBy and $skiptoken -----------------------------------------------------------------------


def test_order_by_longer_than_the_limit_is_400():
    text = ",".join(["rank"] * (MAX_ORDER_LENGTH // 4))
    assert str(MAX_ORDER_LENGTH) in refused({"$orderby": text}, "$orderBy")


def test_a_column_named_twice_sorts_as_once():
    assert query({"$orderby": "rank desc, rank, customerName, RANK"}).order == (
        ("rank", True),
        ("customer_name", False),
    )


def test_skiptoken_longer_than_the_limit_is_400():
    assert str(MAX_SKIPTOKEN_LENGTH) in refused({"$skiptoken": "A" * (MAX_SKIPTOKEN_LENGTH + 1)}, "$skiptoken")


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 5000 + b"]" * 5000,  # json.loads recursion
        b'{"o": "", "k": [' + b"9" * 5000 + b"]}",  # past Python's digit limit
        b"\xff\xfe",  # not UTF-8
        b"[1, 2]",
        b'"text"',
    ],
)
def test_skiptoken_that_is_not_ours_is_400(raw):
    refused({"$skiptoken": base64.urlsafe_b64encode(raw).decode()}, "$skiptoken")


@pytest.mark.parametrize("text", ["\u00e6\u00f8\u00e5", "!!!", "a b"])
def test_skiptoken_with_characters_base64_has_not_is_400(text):
    refused({"$skiptoken": text}, "$skiptoken")


@pytest.mark.parametrize(
    ("order", "keys"),
    [
        ("", ["abc"]),  # the id must be an int32
        ("", [2**31]),
        ("", [10**30]),
        ("", [True]),
        ("", [1.5]),
        ("", [None]),
        ("rank", ["x", 1]),
        ("rank", [2**40, 1]),
        ("customerName", [5, 1]),
        ("customerName", ["a\x00b", 1]),  # PostgreSQL cannot compare with NUL
        ("customerName", ["\ud800", 1]),  # a lone surrogate cannot be encoded for the database
        ("customerName", ["x" * 256, 1]),  # longer than the column
        ("whenRequested", ["2024-01-01", 1]),
        ("whenRequested", [datetimes.MAX_TICKS + 1, 1]),
        ("whenRequested", [-2, 1]),
        ("customerConsented", [2, 1]),
        ("customerConsented", ["true", 1]),
        ("status", [[1], 1]),
        ("userId", [{"a": 1}, 1]),
        ("rank", [1]),  # too few values
        ("rank", [1, 1, 1]),  # too many
    ],
)
def test_skiptoken_values_must_match_their_sort_columns(order, keys):
    """A value of another type or beyond its column's range cannot come from a row: 400, never a database
    error (PostgreSQL refuses to compare text with a number, SQLite ints beyond int64)."""
    params = {"$skiptoken": token({"o": order, "k": keys})}
    if order:
        params["$orderby"] = order
    refused(params, "$skiptoken")


@pytest.mark.parametrize(
    ("order", "keys", "expected"),
    [
        ("", [7], (7,)),
        ("customerConsented", [True, 3], (True, 3)),  # PostgreSQL's rows
        ("customerConsented", [0, 3], (False, 3)),  # SQLite's rows
        ("whenRequested desc", [-1, 3], (-1, 3)),  # no date sorts as -1
        ("whenRequested", [datetimes.MAX_TICKS, 3], (datetimes.MAX_TICKS, 3)),
        ("customerName", ["", 3], ("", 3)),
        ("userId, rank", [0, -5, 3], (0, -5, 3)),
    ],
)
def test_skiptokens_sochat_issues_are_read(order, keys, expected):
    params = {"$skiptoken": encode_cursor(order, tuple(keys))}
    if order:
        params["$orderby"] = order
    assert query(params).after == expected


@pytest.mark.parametrize("name", ["$top", "$skip"])
@pytest.mark.parametrize("value", ["9" * 5000, "99999999999999999999", "2147483648", "\u0661", "1e3", "-1", "0x10"])
def test_top_and_skip_beyond_their_range_are_400(name, value):
    refused({name: value}, name)
