"""Issue 12, sections 3 and 4: no request costs more than its size, and bad input is a 4xx naming what was
wrong, never a 5xx, on SQLite and PostgreSQL alike (every test here runs on both through ``api``).

Patches that would build gigabytes, $filter and $skiptoken values the databases cannot take, integers past
int32/int64/Python's digit limit, dates at the ends of the calendar, and oversized headers.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from sochat.app import MAX_HEADER_BYTES, MAX_HEADER_LINES, MAX_HEADER_VALUE_BYTES
from sochat.http.codecs.patch import MAX_DEPTH
from sochat.http.odata import COLUMNS, MAX_FILTER_CONDITIONS, MAX_FILTER_DEPTH, MAX_FILTER_VALUES
from support.api import REST, SAVE, TJE0
from support.bodies import JSON_PATCH, MERGE_PATCH

pytestmark = pytest.mark.anyio

BODY_LIMIT = 1024 * 1024


def hostile_copy_patch(size: int = 870) -> bytes:
    """As many ``copy`` operations as fit in ``size`` bytes, each copying the whole document to a new member."""
    operations: list[dict[str, str]] = []
    while len(json.dumps([*operations, {"op": "copy", "from": "", "path": f"/{len(operations)}"}])) <= size:
        operations.append({"op": "copy", "from": "", "path": f"/{len(operations)}"})
    return json.dumps(operations).encode()


async def created(api: Any, **properties: object) -> dict[str, Any]:
    answer: dict[str, Any] = await api.save_ok({"CustomerName": "bounds", **properties})
    return answer


async def send(api: Any, method: str, url: str, body: bytes, content_type: str, **headers: str) -> Any:
    return await api.client.request(
        method, url, content=body, headers={"Content-Type": content_type, **headers}, auth=TJE0
    )


async def count_sessions(api: Any) -> int:
    response = await api.client.get(REST, params={"$top": "1000", "$select": "chatSessionId"}, auth=TJE0)
    assert response.status_code == 200, response.text
    return len(response.json()["value"])


# -- JSON Patch and Merge Patch ----------------------------------------------------------------------


@pytest.mark.parametrize("content_type", [JSON_PATCH, "application/json"])
async def test_the_870_byte_patch_is_413_and_nothing_changes(api, content_type):
    """The copies would double the entity 20 times over; the patch is refused naming the body limit, on PATCH
    and on Save (which patches the default entity), and nothing is stored."""
    session = await created(api)
    url = f"{REST}/{session['ChatSessionId']}"
    body = hostile_copy_patch()
    assert len(body) <= 870
    message = api.error(await send(api, "PATCH", url, body, content_type), 413)
    assert f"limit of {BODY_LIMIT} bytes" in message
    assert await api.stored(session["ChatSessionId"]) == session
    before = await count_sessions(api)
    assert f"limit of {BODY_LIMIT} bytes" in api.error(await send(api, "POST", SAVE, body, content_type), 413)
    assert await count_sessions(api) == before


async def test_the_body_limit_setting_bounds_the_patched_document(api_factory):
    """--max-body-bytes applies to what a patch builds, not only to what it sends."""
    async with api_factory(max_body_bytes=20_000) as small:
        session = await created(small)
        url = f"{REST}/{session['ChatSessionId']}"
        grow = [{"op": "add", "path": "/junk", "value": "x" * 3000}]
        grow += [{"op": "copy", "from": "/junk", "path": f"/junk{index}"} for index in range(8)]
        message = small.error(await send(small, "PATCH", url, json.dumps(grow).encode(), JSON_PATCH), 413)
        assert "limit of 20000 bytes" in message
        fits = json.dumps([*grow[:3], {"op": "replace", "path": "/Rank", "value": 7}]).encode()
        response = await send(small, "PATCH", url, fits, JSON_PATCH)
        assert response.status_code == 200, response.text
        assert response.json()["Rank"] == 7


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 900])
async def test_values_nested_hundreds_deep_are_400(api, levels):
    session = await created(api)
    url = f"{REST}/{session['ChatSessionId']}"
    deep = b"[" * levels + b"1" + b"]" * levels
    patch = b'[{"op": "add", "path": "/deep", "value": ' + deep + b"}]"
    assert f"limit of {MAX_DEPTH} levels" in api.error(await send(api, "PATCH", url, patch, JSON_PATCH), 400)
    merge = b'{"deep": ' + b'{"a": ' * levels + b"1" + b"}" * levels + b"}"
    assert f"limit of {MAX_DEPTH} levels" in api.error(await send(api, "PATCH", url, merge, MERGE_PATCH), 400)
    assert await api.stored(session["ChatSessionId"]) == session


@pytest.mark.parametrize("index", ["9" * 5000, "999999999999999999999", "01", "\u00b2"])
async def test_bad_array_indexes_are_400(api, index):
    session = await created(api)
    patch = [{"op": "add", "path": "/list", "value": []}, {"op": "add", "path": f"/list/{index}", "value": 1}]
    response = await send(api, "PATCH", f"{REST}/{session['ChatSessionId']}", json.dumps(patch).encode(), JSON_PATCH)
    message = api.error(response, 400)
    assert "array" in message
    assert "9" * 100 not in message


@pytest.mark.parametrize("value", ["\u00b2", "9" * 5000, 10**30, 2**31])
async def test_a_patch_naming_an_id_beyond_int32_is_4xx(api, value):
    """Save with a patch that names its target by an id that cannot be stored: it is not looked up (a
    database error before); replacing ChatSessionId with it is a 400 naming ChatSessionId."""
    replace = json.dumps([{"op": "replace", "path": "/ChatSessionId", "value": value}]).encode()
    response = await send(api, "POST", SAVE, replace, JSON_PATCH)
    assert "ChatSessionId" in api.error(response, 400)
    test = json.dumps([{"op": "test", "path": "/ChatSessionId", "value": value}]).encode()
    api.error(await send(api, "POST", SAVE, test, JSON_PATCH), 409)  # the default entity's id is 0


# -- integer properties from every body format -----------------------------------------------------


@pytest.mark.parametrize("number", ["99999999999999999999", "9" * 5000, "2147483648", "1e400", "1e300", "-2147483649"])
@pytest.mark.parametrize("name", ["Rank", "TopicId", "Status", "Flags"])
async def test_integer_properties_beyond_int32_are_400_in_xml_and_form(api, number, name):
    xml = f"<ChatSessionEntity><{name}>{number}</{name}></ChatSessionEntity>".encode()
    assert name in api.error(await send(api, "POST", SAVE, xml, "application/xml"), 400)
    form = f"{name}={number}".encode()
    assert name in api.error(await send(api, "POST", SAVE, form, "application/x-www-form-urlencoded"), 400)


@pytest.mark.parametrize("number", ["99999999999999999999", "2147483648", "1e300", "1.5e10", "-2147483649"])
@pytest.mark.parametrize(("name", "wrap"), [("Rank", None), ("Status", None), ("User", "AssociateId")])
@pytest.mark.parametrize("content_type", ["application/json", MERGE_PATCH])
async def test_integer_properties_beyond_int32_are_400_in_json(api, number, name, wrap, content_type):
    value = f'{{"{wrap}": {number}}}' if wrap else number
    body = f'{{"{name}": {value}}}'.encode()
    assert name in api.error(await send(api, "POST", SAVE, body, content_type), 400)


@pytest.mark.parametrize("number", ["1e400", "-1e400", "9" * 5000])
async def test_json_numbers_no_double_can_hold_are_400(api, number):
    """The JSON reader refuses them before any property is read: a 400 about the body."""
    body = f'{{"Rank": {number}}}'.encode()
    assert "number" in api.error(await send(api, "POST", SAVE, body, "application/json"), 400)


# -- ETags -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["9" * 5000, "99999999999999999999", "9223372036854775808"])
async def test_if_match_versions_beyond_int64_are_400_naming_if_match(api, version):
    session = await created(api)
    chat_session_id = session["ChatSessionId"]
    url = f"{REST}/{chat_session_id}"
    tag = {"If-Match": f'"{chat_session_id}.{version}"'}
    patch = b'[{"op": "replace", "path": "/Rank", "value": 1}]'
    assert "If-Match" in api.error(await send(api, "PATCH", url, patch, JSON_PATCH, **tag), 400)
    assert "If-Match" in api.error(await send(api, "PUT", url, b"{}", "application/json", **tag), 400)
    assert "If-Match" in api.error(await api.client.delete(url, headers=tag, auth=TJE0), 400)
    body = json.dumps({"ChatSessionId": chat_session_id}).encode()
    assert "If-Match" in api.error(await send(api, "POST", SAVE, body, "application/json", **tag), 400)
    assert await api.stored(chat_session_id) == session


@pytest.mark.parametrize("tag", ['"{id}.' + "9" * 5000 + '"', '"' + "9" * 30 + '.1"', 'W/"{id}.99999999999999999999"'])
async def test_if_none_match_numbers_beyond_range_are_400_naming_it(api, tag):
    session = await created(api)
    url = f"{REST}/{session['ChatSessionId']}"
    headers = {"If-None-Match": tag.replace("{id}", str(session["ChatSessionId"]))}
    assert "If-None-Match" in api.error(await api.client.get(url, headers=headers, auth=TJE0), 400)


async def test_tags_with_other_digits_match_nothing(api):
    """'²' passes str.isdigit() but int() refuses it: such a tag is not ours, so If-Match fails (412)."""
    session = await created(api)
    url = f"{REST}/{session['ChatSessionId']}"
    headers = {"If-Match": f'"{session["ChatSessionId"]}.\u00b2"'.encode()}
    api.error(await api.client.delete(url, headers=headers, auth=TJE0), 412)
    api.error(await api.client.delete(url, headers={"If-Match": b'"1\xb2.1"'}, auth=TJE0), 412)


# -- the OData list --------------------------------------------------------------------------------


async def list_answer(api: Any, params: dict[str, str], **headers: str) -> Any:
    return await api.client.get(REST, params=params, headers=headers, auth=TJE0)


@pytest.mark.parametrize(
    "text",
    [
        "customerName eq 'a\x00b'",
        "customerName contains '\x00'",
        "customerName oneOf('x', '\x00')",
        "endswith(customerName, 'a\x00')",
    ],
)
async def test_nul_in_filter_strings_is_400_on_both_databases(api, text):
    """PostgreSQL refuses NUL in text; SQLite would have answered: both now refuse it the same way."""
    assert "$filter" in api.error(await list_answer(api, {"$filter": text}), 400)


@pytest.mark.parametrize(
    "text",
    [
        "rank eq 99999999999999999999",
        "rank eq " + "9" * 5000,
        "userId eq 99999999999999999999",
        "chatSessionId eq 2147483648",
        "rank between (1, 99999999999999999999)",
        "rank oneOf(1, 99999999999999999999)",
        "(" * 500 + "rank eq 1" + ")" * 500,
        " or ".join(["rank eq 1"] * 3000),
        " and ".join(["customerName ne 'x'"] * (MAX_FILTER_CONDITIONS + 1)),
    ],
)
async def test_filters_past_their_bounds_are_400_never_5xx(api, text):
    message = api.error(await list_answer(api, {"$filter": text}), 400)
    assert "$filter" in message


async def test_the_deepest_and_widest_filters_allowed_are_answered(api):
    """At the limits, both databases answer (SQLite refuses expressions deeper than 1000)."""
    session = await created(api, Rank=3)
    deep = "(" * MAX_FILTER_DEPTH + "rank eq 3" + ")" * MAX_FILTER_DEPTH
    wide = " or ".join(["customerName ne 'bounds'"] * (MAX_FILTER_CONDITIONS - 2) + ["rank eq 3"])
    only_mine = f"chatSessionId eq {session['ChatSessionId']}"
    for text in (f"{deep} and {only_mine}", f"{only_mine} and ({wide})"):
        response = await list_answer(api, {"$filter": text})
        assert response.status_code == 200, response.text[:300]
        assert [row["PrimaryKey"] for row in response.json()["value"]] == [session["ChatSessionId"]]


async def test_a_list_at_every_limit_at_once_pages_on_both_databases(api):
    """Every column in $orderBy (so the next link's condition is widest), the most conditions and list values a
    filter may hold: both databases answer every page (SQLite's expression depth and variable limits hold)."""
    mine = {(await created(api, Rank=index))["ChatSessionId"] for index in range(3)}
    values = ",".join(str(value) for value in range(MAX_FILTER_VALUES))
    conditions = ["customerName ne 'nobody'"] * (MAX_FILTER_CONDITIONS - 2)
    text = f"rank oneOf({values}) and ({' or '.join(conditions)} or chatSessionId eq 0)"
    order = ", ".join(f"{column} desc" for column in COLUMNS)
    response = await list_answer(api, {"$filter": text, "$orderBy": order, "$top": "1", "$select": "rank"})
    seen: list[int] = []
    while True:
        assert response.status_code == 200, response.text[:300]
        seen += [row["PrimaryKey"] for row in response.json()["value"]]
        link = response.json().get("odata.nextLink")
        if link is None:
            break
        response = await api.client.get(link.removeprefix("http://test"), auth=TJE0)
    assert mine <= set(seen)
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize("zone", [None, "Etc/GMT+12", "Etc/GMT-14"])
async def test_dates_at_the_ends_of_the_calendar_are_answered(api, zone):
    """9999-12-31 in $filter was an OverflowError (500) in every zone; the last day and the days before it
    now have their usual meaning. 9999-12-31T23:00Z is already 10000-01-01 at UTC+14: after the last day."""
    last = (await created(api, WhenRequested="9999-12-31T23:00:00Z"))["ChatSessionId"]
    first = (await created(api, WhenRequested="0001-01-02T13:00:00Z"))["ChatSessionId"]
    headers = {"SO-TimeZone": zone} if zone else {}
    ahead = zone == "Etc/GMT-14"
    expected = {
        "whenRequested gt '9999-12-31'": {last} if ahead else set(),
        "whenRequested eq '9999-12-31'": set() if ahead else {last},
        "whenRequested le '9999-12-31'": {first} if ahead else {first, last},
        "whenRequested dateBetween ('0001-01-02', '9999-12-31')": {first} if ahead else {first, last},
        "whenRequested between ('0001-01-02', '9999-12-31')": {first} if ahead else {first, last},
        "whenRequested lt '0001-01-04'": {first},
        "whenRequested ge '0001-01-03'": {first, last} if ahead else {last},
    }
    for text, ids in expected.items():
        response = await list_answer(api, {"$filter": text, "$top": "1000"}, **headers)
        assert response.status_code == 200, response.text[:300]
        assert {row["PrimaryKey"] for row in response.json()["value"]} & {first, last} == ids, text


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12", "Etc/GMT-14"])
async def test_display_lists_of_calendar_end_dates_are_answered(api, zone):
    """$output=Display writes dates in the request's culture and zone; a zone that would move a date past
    year 9999 or before year 1 (OverflowError, 500) leaves it in UTC instead."""
    last = await created(api, WhenRequested="9999-12-31T23:00:00Z", WhenStarted="0001-01-01T01:00:00Z")
    params = {
        "$output": "Display",
        "$select": "whenRequested,whenStarted",
        "$filter": f"chatSessionId eq {last['ChatSessionId']}",
    }
    headers = {"SO-TimeZone": zone, "SO-Language": "en", "SO-Culture": "en-US"}
    response = await list_answer(api, params, **headers)
    assert response.status_code == 200, response.text[:300]
    (row,) = response.json()["value"]
    assert row["whenRequested"].startswith("12/31/99")
    assert row["whenStarted"].startswith(("1/1/01", "12/31/00"))


def cursor(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("order", "keys"),
    [
        ("", [10**30]),
        ("", [2**40]),
        ("", ["abc"]),
        ("rank", ["x", 1]),
        ("customerName", [5, 1]),
        ("customerName", ["a\x00", 1]),
        ("whenRequested", ["2024-01-01", 1]),
        ("whenRequested", [2**63, 1]),
        ("customerConsented", ["yes", 1]),
        ("userId", [1.5, 1]),
    ],
)
async def test_skiptoken_values_of_the_wrong_type_are_400(api, order, keys):
    """A value that does not match its sort column was a 500 (SQLite: int too large; PostgreSQL: text
    compared with a number)."""
    await created(api)
    params = {"$skiptoken": cursor({"o": order, "k": keys})}
    if order:
        params["$orderBy"] = order
    assert "$skiptoken" in api.error(await list_answer(api, params), 400)


@pytest.mark.parametrize("raw", [b"[" * 5000, b'{"o": "", "k": [' + b"9" * 5000 + b"]}"])
async def test_skiptokens_json_cannot_read_are_400(api, raw):
    params = {"$skiptoken": base64.urlsafe_b64encode(raw).decode()}
    assert "$skiptoken" in api.error(await list_answer(api, params), 400)


@pytest.mark.parametrize("order_by", ["customerConsented", "customerConsented desc, rank", "whenEnded desc"])
async def test_next_links_page_through_every_sort_column_type(api, order_by):
    """The next link's token holds the database's own values: booleans on PostgreSQL, 0/1 on SQLite, -1 for
    no date; all read back, every row once."""
    mine = set()
    for index in range(5):
        answer = await created(api, CustomerConsented=index % 2 == 0, Rank=index)
        mine.add(answer["ChatSessionId"])
    seen: list[int] = []
    response = await list_answer(api, {"$orderBy": order_by, "$top": "2", "$select": "rank"})
    while True:
        assert response.status_code == 200, response.text[:300]
        seen += [row["PrimaryKey"] for row in response.json()["value"]]
        link = response.json().get("odata.nextLink")
        if link is None:
            break
        response = await api.client.get(link.removeprefix("http://test"), auth=TJE0)
    assert len(seen) == len(set(seen))
    assert mine <= set(seen)


@pytest.mark.parametrize("name", ["$top", "$skip"])
@pytest.mark.parametrize("value", ["9" * 5000, "99999999999999999999", "2147483648"])
async def test_top_and_skip_beyond_range_are_400(api, name, value):
    assert name in api.error(await list_answer(api, {name: value}), 400)


# -- headers ---------------------------------------------------------------------------------------


async def test_a_header_value_over_the_limit_is_431_before_any_work(api):
    before = await count_sessions(api)
    headers = {"X-Padding": "a" * (MAX_HEADER_VALUE_BYTES + 1), "Content-Type": "application/json"}
    response = await api.client.post(SAVE, content=b"{}", headers=headers, auth=TJE0)
    message = api.error(response, 431)
    assert "X-Padding" in message or "x-padding" in message
    assert str(MAX_HEADER_VALUE_BYTES) in message
    assert await count_sessions(api) == before
    at_limit = {"X-Padding": "a" * MAX_HEADER_VALUE_BYTES}
    assert (await api.client.get(REST, params={"$top": "1"}, headers=at_limit, auth=TJE0)).status_code == 200


async def test_all_headers_together_over_the_limit_is_431(api):
    headers = [(f"X-Padding-{index}", "a" * (MAX_HEADER_VALUE_BYTES - 100)) for index in range(9)]
    assert 9 * (MAX_HEADER_VALUE_BYTES - 100) > MAX_HEADER_BYTES
    response = await api.client.get(REST, headers=headers, auth=TJE0)
    assert str(MAX_HEADER_BYTES) in api.error(response, 431)


async def test_too_many_header_lines_is_431(api):
    """Repeated names are joined into one value, which costs more with every line."""
    headers = [("X-Repeated", "a")] * MAX_HEADER_LINES
    response = await api.client.get(REST, headers=headers, auth=TJE0)
    assert str(MAX_HEADER_LINES) in api.error(response, 431)
    fewer = [("X-Repeated", "a")] * (MAX_HEADER_LINES - 20)
    assert (await api.client.get(REST, params={"$top": "1"}, headers=fewer, auth=TJE0)).status_code == 200


async def test_the_server_is_healthy_after_hostile_requests(api):
    """After the worst of each class, an ordinary save and list still work."""
    await send(api, "POST", SAVE, hostile_copy_patch(), JSON_PATCH)
    await list_answer(api, {"$filter": "(" * 900 + "rank eq 1" + ")" * 900})
    await api.client.get(REST, headers={"X-Padding": "a" * 100_000}, auth=TJE0)
    session = await created(api, Rank=5)
    assert (await api.stored(session["ChatSessionId"]))["Rank"] == 5  # type: ignore[index]


@pytest.mark.parametrize("length", ["9" * 5000, "99999999999999999999999"])
async def test_a_content_length_of_many_digits_is_413(api, length):
    """int() refuses more than 4300 digits (a 500 before); a length past 18 digits is over any limit."""
    headers = {"Content-Length": length, "Content-Type": "application/json"}
    response = await api.client.post(SAVE, content=b"{}", headers=headers, auth=TJE0)
    assert f"limit is {BODY_LIMIT} bytes" in api.error(response, 413)


@pytest.mark.parametrize(
    "date",
    [
        "Fri, 31 Dec 99999999999999999999 23:59:59 GMT",  # datetime() overflows a C long
        "Fri, 31 Dec 2020 99999999999999999999:59:59 GMT",
        "Fri, 31 Dec 2020 23:59:59 +99999999999999999999",
        "Fri, 31 Dec 2020 23:59:59 +9999",
    ],
)
async def test_http_dates_with_numbers_past_their_range_are_400(api, date):
    session = await created(api)
    url = f"{REST}/{session['ChatSessionId']}"
    response = await api.client.get(url, headers={"If-Modified-Since": date}, auth=TJE0)
    assert "if-modified-since" in api.error(response, 400)
    response = await api.client.delete(url, headers={"If-Unmodified-Since": date}, auth=TJE0)
    assert "if-unmodified-since" in api.error(response, 400)
    assert await api.stored(session["ChatSessionId"]) == session
