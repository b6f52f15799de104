"""Issue 13: conditional requests are parsed in sochat.http.handlers.conditions. These call its functions on a
Request directly; the HTTP side is tests/lifecycle/test_lifecycle_conditions.py and tests/api/test_api_bounds.py."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sochat.agents.sessions import ChatSessionView
from sochat.domain import datetimes
from sochat.domain.chat_session import ChatSession
from sochat.domain.errors import InvalidInput, PreconditionFailed
from sochat.domain.rights import TableRight
from sochat.domain.writes import Precondition
from sochat.http.handlers.conditions import (
    etag,
    if_match_any,
    not_modified,
    validator_headers,
    write_precondition,
)
from sochat.http.messages import Request

ID = 5
VERSION = 3
UPDATED = datetime(2024, 6, 15, 12, 0, 0, 900_000, tzinfo=UTC)  # 12:00:00.9
UPDATED_TICKS = datetimes.from_datetime(UPDATED)
LAST_MODIFIED = "Sat, 15 Jun 2024 12:00:00 GMT"
SECOND = datetimes.TICKS_PER_SECOND
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


def request(**headers: str) -> Request:
    """A Request as the ASGI app builds it: header names lower-case."""
    named = {name.replace("_", "-").lower(): value for name, value in headers.items()}
    return Request("GET", f"/api/v1/ChatSession/{ID}", b"", named, "127.0.0.1", "test")


def view(*, version: int = VERSION, updated_ticks: int = UPDATED_TICKS) -> ChatSessionView:
    session = ChatSession(chat_session_id=ID)
    return ChatSessionView(session, {}, TableRight(15, ""), version=version, updated_ticks=updated_ticks)


def ticks(text: str) -> int:
    return datetimes.from_datetime(datetime.strptime(text, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC))


# -- ETag and Last-Modified ---------------------------------------------------------------------


def test_the_etag_is_the_quoted_id_and_version() -> None:
    assert etag(view()) == '"5.3"'


def test_a_stored_session_has_an_etag_and_a_last_modified_to_the_second() -> None:
    assert validator_headers(view()) == [("etag", '"5.3"'), ("last-modified", LAST_MODIFIED)]


def test_an_unsaved_default_entity_has_no_validators() -> None:
    assert validator_headers(view(version=0)) == []


# -- If-Match and If-Unmodified-Since on writes ---------------------------------------------------


def test_a_write_without_conditions_has_no_precondition() -> None:
    assert write_precondition(request(), ID) is None


@pytest.mark.parametrize("header", ['"5.3"', ' "5.3" ', '"7.1", "5.3"', '"7.3","5.3"', 'x, "5.3"'])
def test_if_match_names_the_version_of_this_id(header: str) -> None:
    assert write_precondition(request(if_match=header), ID) == Precondition(versions=(VERSION,))


def test_every_tag_for_this_id_counts() -> None:
    """RFC 9110 13.1.1: the write goes ahead when the stored version is any of those listed."""
    assert write_precondition(request(if_match='"5.4", "7.1", "5.6"'), ID) == Precondition(versions=(4, 6))


@pytest.mark.parametrize("header", ['W/"5.3"', "5.3", '"5.3'])
def test_a_weak_or_unquoted_tag_names_no_version(header: str) -> None:
    """If-Match compares strongly: a weak or unquoted tag, even naming the stored version, is a 412."""
    with pytest.raises(PreconditionFailed):
        write_precondition(request(if_match=header), ID)


def test_a_version_past_int32_within_int64_is_taken() -> None:
    assert write_precondition(request(if_match=f'"5.{INT64_MAX}"'), ID) == Precondition(versions=(INT64_MAX,))


def test_the_largest_int32_id_is_taken() -> None:
    precondition = write_precondition(request(if_match=f'"{INT32_MAX}.1"'), INT32_MAX)
    assert precondition == Precondition(versions=(1,))


@pytest.mark.parametrize("header", ["*", " * ", "\t*"])
def test_if_match_star_is_no_version(header: str) -> None:
    assert write_precondition(request(if_match=header), ID) is None


@pytest.mark.parametrize(
    "header",
    [
        '"7.3"',  # another id's tag
        '"55.3"',
        '"0.3"',
        '"05.3"',  # the id is compared as text
        "",
        "garbage",
        '"5"',
        '"5."',
        '".3"',
        '"5.-3"',
        '"-5.3"',
        '"5.3.1"',
        '"5.\u00b2"',  # passes str.isdigit(), int() refuses it
        '"5.\uff13"',  # a fullwidth digit
        '"\uff15.3"',
        '"5 .3"',
    ],
)
def test_if_match_without_a_tag_of_this_id_fails_the_precondition(header: str) -> None:
    with pytest.raises(PreconditionFailed, match="names no version of ChatSession 5"):
        write_precondition(request(if_match=header), ID)


@pytest.mark.parametrize(
    "header",
    [
        f'"5.{INT64_MAX + 1}"',
        '"5.99999999999999999999"',
        '"5.' + "9" * 5000 + '"',  # past int()'s 4300-digit limit
        '"5.00000000000000000003"',  # digits are counted first
        f'"{INT32_MAX + 1}.1"',
        '"' + "9" * 30 + '.1"',
        '"00000000005.3"',
        '"6.99999999999999999999", "5.3"',  # a tag of our form, whichever id it names
    ],
)
def test_if_match_numbers_beyond_our_etags_are_invalid_input_naming_if_match(header: str) -> None:
    with pytest.raises(InvalidInput, match="beyond the range of sochat's ETags") as caught:
        write_precondition(request(if_match=header), ID)
    assert caught.value.property_name == "If-Match"
    assert len(caught.value.message) < 200


def test_if_unmodified_since_allows_writes_up_to_the_end_of_its_second() -> None:
    precondition = write_precondition(request(if_unmodified_since=LAST_MODIFIED), ID)
    assert precondition == Precondition(unmodified_since_ticks=ticks(LAST_MODIFIED) + SECOND - 1)


def test_the_last_modified_of_a_session_lets_a_write_through() -> None:
    header = dict(validator_headers(view()))["last-modified"]
    precondition = write_precondition(request(if_unmodified_since=header), ID)
    assert precondition is not None and precondition.unmodified_since_ticks is not None
    assert precondition.unmodified_since_ticks >= UPDATED_TICKS
    assert precondition.unmodified_since_ticks < UPDATED_TICKS + SECOND


@pytest.mark.parametrize(
    "header",
    [
        "Sat, 15 Jun 2024 12:00:00 GMT",  # IMF-fixdate
        "Saturday, 15-Jun-24 12:00:00 GMT",  # RFC 850
        "Sat Jun 15 12:00:00 2024",  # asctime, no zone: GMT
    ],
)
def test_the_three_http_date_forms_are_read_as_gmt(header: str) -> None:
    precondition = write_precondition(request(if_unmodified_since=header), ID)
    assert precondition == Precondition(unmodified_since_ticks=ticks(LAST_MODIFIED) + SECOND - 1)


@pytest.mark.parametrize(
    "date",
    [
        "Fri, 31 Dec 99999999999999999999 23:59:59 GMT",
        "Fri, 31 Dec 2020 99999999999999999999:59:59 GMT",
        "Fri, 31 Dec 2020 23:59:59 +99999999999999999999",
        "Fri, 31 Dec 2020 23:59:59 +9999",
    ],
)
def test_http_dates_with_numbers_past_their_range_are_invalid_input_naming_the_header(date: str) -> None:
    with pytest.raises(InvalidInput, match="is not an HTTP date") as caught:
        write_precondition(request(if_unmodified_since=date), ID)
    assert (caught.value.property_name or "").lower() == "if-unmodified-since"
    with pytest.raises(InvalidInput, match="is not an HTTP date") as caught:
        not_modified(request(if_modified_since=date), view())
    assert (caught.value.property_name or "").lower() == "if-modified-since"


# -- If-Match: * ----------------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["*", " * "])
def test_if_match_star_asks_for_an_existing_session(header: str) -> None:
    assert if_match_any(request(if_match=header), ID) is True


@pytest.mark.parametrize("chat_session_id", [0, -1])
def test_if_match_star_on_a_create_fails_the_precondition(chat_session_id: int) -> None:
    with pytest.raises(PreconditionFailed, match="needs an existing session"):
        if_match_any(request(if_match="*"), chat_session_id)


@pytest.mark.parametrize("headers", [{}, {"if_match": '"5.3"'}, {"if_match": '*, "5.3"'}, {"if_match": ""}])
def test_only_a_lone_star_is_if_match_any(headers: dict[str, str]) -> None:
    assert if_match_any(request(**headers), ID) is False
    assert if_match_any(request(**headers), 0) is False


# -- If-None-Match and If-Modified-Since on reads -------------------------------------------------


@pytest.mark.parametrize(
    "header",
    ['"5.3"', 'W/"5.3"', ' W/"5.3" ', "*", '"0.0", "5.3"', '"5.2","5.3"', '"7.1", W/"5.3"'],
)
def test_if_none_match_with_the_current_tag_is_not_modified(header: str) -> None:
    assert not_modified(request(if_none_match=header), view()) is True


@pytest.mark.parametrize(
    "header", ['"5.2"', 'W/"5.2"', '"7.3"', '"5.4"', "", "5.3", '"5.03"', '"05.3"', "garbage", '"5.\u00b2"']
)
def test_if_none_match_without_the_current_tag_is_modified(header: str) -> None:
    assert not_modified(request(if_none_match=header), view()) is False


@pytest.mark.parametrize(
    "header",
    ['"5.' + "9" * 5000 + '"', '"' + "9" * 30 + '.1"', 'W/"5.99999999999999999999"', '"5.3", "5.99999999999999999999"'],
)
def test_if_none_match_numbers_beyond_our_etags_are_invalid_input_naming_it(header: str) -> None:
    with pytest.raises(InvalidInput, match="beyond the range of sochat's ETags") as caught:
        not_modified(request(if_none_match=header), view())
    assert caught.value.property_name == "If-None-Match"


def test_if_none_match_wins_over_if_modified_since() -> None:
    stale = request(if_none_match='"5.2"', if_modified_since="Fri, 31 Dec 9999 23:59:59 GMT")
    assert not_modified(stale, view()) is False
    current = request(if_none_match='"5.3"', if_modified_since="Mon, 01 Jan 2001 00:00:00 GMT")
    assert not_modified(current, view()) is True


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (LAST_MODIFIED, True),  # the same second as the write, though the write is 0.9 s into it
        ("Sat, 15 Jun 2024 12:00:01 GMT", True),
        ("Fri, 31 Dec 9999 23:59:59 GMT", True),
        ("Sat, 15 Jun 2024 11:59:59 GMT", False),
        ("Mon, 01 Jan 2001 00:00:00 GMT", False),
        ("Sat, 15 Jun 2024 14:00:00 +0200", True),
        ("Sat, 15 Jun 2024 13:59:59 +0200", False),
    ],
)
def test_if_modified_since_is_not_modified_when_the_write_is_not_later(header: str, expected: bool) -> None:
    assert not_modified(request(if_modified_since=header), view()) is expected


def test_the_last_modified_of_a_session_is_not_modified() -> None:
    header = dict(validator_headers(view()))["last-modified"]
    assert not_modified(request(if_modified_since=header), view()) is True
    assert not_modified(request(if_modified_since=header), view(updated_ticks=UPDATED_TICKS + SECOND)) is False


def test_a_read_without_conditions_is_modified() -> None:
    assert not_modified(request(), view()) is False
