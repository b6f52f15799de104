"""Issue 9, GET /api/v1/ChatSession on a real server: $select, $orderBy, $top/$skip, keyset paging, $format and
the whole $filter grammar of docs/api.md, each filter checked against a Python oracle over the rows we created.

This module's server holds only the rows created here, so every expectation is exact.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
from lifecycle_support import decode, error_message, list_all

from support.api import AGENT1, REST
from support.servers import Server

pytestmark = pytest.mark.e2e

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
ROWS = 36
NAMES = [
    "Ada Lovelace",
    "ada byron",
    "ADA KING",
    "Alan Turing",
    "Grace Hopper",
    "O'Brien",
    "100% sure",
    "under_score",
    "back\\slash",
    "",
    None,
    "Zed",
    "zed",
    "\u00c9dith Piaf",
    "Grace Hopper",
]
STATUSES = ["InQueue", "Closed", "Invalid", "CustomerLast", "Finished", "Closed", "UserLast"]
ALL_COLUMNS = (
    "chatSessionId",
    "topicId",
    "userId",
    "personId",
    "customerAlias",
    "customerHost",
    "customerName",
    "customerEmail",
    "customerPhone",
    "customerConsented",
    "customerCompanyName",
    "status",
    "firstMessage",
    "lastMessage",
    "whenRequested",
    "whenStarted",
    "whenEnded",
    "whenIdle",
    "whenFetched",
    "sessionKey",
    "initialQueuePos",
    "alertLevel",
    "rank",
    "flags",
    "contactId",
    "projectId",
    "saleId",
    "ticketId",
    "transferToId",
    "chatbotIsActive",
    "rating",
)
TICKS_PER_SECOND = 10_000_000
EPOCH = datetime(1, 1, 1, tzinfo=UTC)


# -- time helpers ----------------------------------------------------------------------------------


def ticks(text: str | None) -> int | None:
    """An answered date-time as .NET ticks (exact to the 7th digit); None for the unset date."""
    if text is None or text.startswith("0001-01-01T00:00:00"):
        return None
    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,7}))?(Z|[+-]\d\d:\d\d)", text)
    assert match is not None, text
    whole, fraction, offset = match.groups()
    moment = datetime.fromisoformat(whole + ("+00:00" if offset == "Z" else offset))
    seconds = int((moment - EPOCH).total_seconds())
    return seconds * TICKS_PER_SECOND + int((fraction or "0").ljust(7, "0"))


def moment_ticks(moment: datetime) -> int:
    return int((moment - EPOCH).total_seconds()) * TICKS_PER_SECOND + moment.microsecond * 10


def midnight(day: date, zone: Any = UTC) -> int:
    return moment_ticks(datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC))


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def when_requested_values(today: date) -> list[str | None]:
    """Dates around today and around fixed boundaries, with duplicates so that sorting has ties."""
    first = today.replace(day=1)
    last_month = add_months(today, -1)
    return [
        None,
        f"{today}T12:00:00Z",
        f"{today}T00:00:00Z",
        f"{today - timedelta(days=1)}T23:59:59.9999999Z",
        f"{today + timedelta(days=1)}T00:00:00Z",
        f"{today - timedelta(days=3)}T12:00:00Z",
        f"{today - timedelta(days=8)}T12:00:00Z",
        f"{today + timedelta(days=8)}T12:00:00Z",
        f"{first}T00:00:00Z",
        f"{last_month.replace(day=15)}T12:00:00Z",
        f"{last_month}T00:00:00Z",
        f"{today.year}-01-01T00:00:00Z",
        f"{today.year - 1}-12-31T23:59:59Z",
        f"{today.year + 1}-01-01T00:00:00Z",
        "2024-12-31T00:00:00Z",
        "2024-12-31T23:30:00Z",
        "2025-01-01T00:00:00Z",
        "2024-12-30T23:59:59.9999999Z",
        None,
        "2024-12-31T23:30:00Z",
        f"{add_months(today, 1)}T06:00:00Z",
    ]


# -- the data set ----------------------------------------------------------------------------------


@dataclass
class Data:
    server: Server
    client: httpx.Client
    rows: list[dict[str, Any]]  # every row as the list answers it with all columns, by id
    users: dict[str, int]  # demo user name -> associate id


def _associate_ids(client: httpx.Client) -> dict[str, int]:
    """The demo users' associate ids, read from how sessions linking ids 1..4 are expanded (probes deleted)."""
    users: dict[str, int] = {}
    for associate_id in range(1, 5):
        saved = client.post(REST, json={"User": {"AssociateId": associate_id}})
        assert saved.status_code == 200, saved.text[:500]
        users[saved.json()["User"]["UserName"]] = associate_id
        assert client.delete(f"{REST}/{saved.json()['ChatSessionId']}").status_code == 204
    assert set(users) == {"tje0", "agent1", "agent2", "viewer"}, users
    return users


@pytest.fixture(scope="module")
def data(live: Server, http: httpx.Client) -> Data:
    """36 sessions with names, statuses, ranks, links and dates chosen to tell every operator apart."""
    users = _associate_ids(http)
    user_cycle = [users["tje0"], users["agent1"], users["agent2"], users["viewer"], None]
    transfer_cycle = [None, users["agent1"], users["tje0"]]
    dates = when_requested_values(datetime.now(UTC).date())
    sent: dict[int, dict[str, Any]] = {}
    for i in range(ROWS):
        user = user_cycle[i % 5]
        transfer = transfer_cycle[i % 3]
        body = {
            "CustomerName": NAMES[i % len(NAMES)],
            "Status": STATUSES[i % len(STATUSES)],
            "Rank": i % 4,
            "Rating": (i * 7) % 6,
            "TopicId": i % 4,
            "CustomerConsented": i % 3 == 0,
            "SessionKey": f"row-{i:02d}",
            "User": None if user is None else {"AssociateId": user},
            "TransferTo": None if transfer is None else {"AssociateId": transfer},
            "WhenRequested": dates[i % len(dates)],
            "WhenEnded": "2024-06-01T10:00:00Z" if i % 6 == 0 else None,
        }
        response = http.post(REST, json=body)
        assert response.status_code == 200, response.text[:500]
        sent[response.json()["ChatSessionId"]] = body
    rows = list_all(http, {"$top": "1000"})
    assert [row["PrimaryKey"] for row in rows] == sorted(sent)
    for row in rows:
        body = sent[row["PrimaryKey"]]
        assert list(row) == ["PrimaryKey", "EntityName", *ALL_COLUMNS]
        assert row["EntityName"] == "chat"
        assert row["customerName"] == (body["CustomerName"] or "")  # no text answers "" (decision 18)
        assert row["status"] == body["Status"]
        assert (row["rank"], row["rating"], row["topicId"]) == (body["Rank"], body["Rating"], body["TopicId"])
        assert row["userId"] == (body["User"] or {}).get("AssociateId")
        assert row["transferToId"] == (body["TransferTo"] or {}).get("AssociateId")
        sent_when = body["WhenRequested"]
        assert ticks(row["whenRequested"]) == (None if sent_when is None else ticks(sent_when)), row
    return Data(live, http, rows, users)


# -- ordering and paging ---------------------------------------------------------------------------


def _sort_key(column: str) -> Callable[[dict[str, Any]], Any]:
    """How sochat sorts a column: null strings as '', unset dates first, null links as 0, enums by value."""
    if column == "status":
        return lambda row: STATUS[row["status"]]
    if column.startswith("when"):
        return lambda row: -1 if ticks(row[column]) is None else ticks(row[column])
    if column.endswith("Id"):
        return lambda row: row[column] or 0
    if column in ("customerName", "sessionKey"):
        return lambda row: row[column] or ""
    return lambda row: row[column]


def oracle_order(rows: list[dict[str, Any]], order_by: str) -> list[int]:
    """The ids in the order $orderBy asks for; the id (ascending) breaks every tie."""
    ordered = sorted(rows, key=lambda row: row["PrimaryKey"])
    keys = [item.split() for item in order_by.split(",") if item.strip()]
    for words in reversed(keys):
        ordered.sort(key=_sort_key(words[0]), reverse=len(words) == 2 and words[1].lower() == "desc")
    return [row["PrimaryKey"] for row in ordered]


ORDERINGS = [
    "",
    "customerName",
    "customerName desc",
    "whenRequested asc",
    "whenRequested desc",
    "rank",
    "rank desc",
    "rank asc, customerName desc",
    "status desc, whenRequested",
    "userId desc, rank",
]


@pytest.mark.parametrize("order_by", ORDERINGS)
def test_next_links_return_every_row_once_in_order(data, order_by):
    """Following odata.nextLink with $top=7 yields every row exactly once, in the $orderBy order (ties by id)."""
    params = {"$top": "7", "$select": "customerName,rank"}
    if order_by:
        params["$orderBy"] = order_by
    response = data.client.get(REST, params=params)
    seen: list[int] = []
    pages = 0
    while True:
        assert response.status_code == 200, response.text[:500]
        body = response.json()
        assert body["odata.metadata"] == f"{data.server.base_url}/api/v1/archive$metadata"
        assert len(body["value"]) <= 7
        seen += [row["PrimaryKey"] for row in body["value"]]
        pages += 1
        link = body.get("odata.nextLink")
        if link is None:
            break
        assert len(body["value"]) == 7
        assert link.startswith(f"{data.server.base_url}/api/v1/ChatSession?")
        response = data.client.get(link)
    assert pages == ROWS // 7 + 1
    assert len(seen) == len(set(seen)) == ROWS
    assert seen == oracle_order(data.rows, order_by)


def test_order_by_accepts_property_names_in_any_case(data):
    """$orderBy takes property names (CustomerName, User) in any case, as the column names."""
    response = data.client.get(REST, params={"$orderBy": "USER desc,CustomerName", "$top": "1000"})
    assert response.status_code == 200, response.text[:500]
    expected = oracle_order(data.rows, "userId desc,customerName")
    assert [row["PrimaryKey"] for row in response.json()["value"]] == expected


def test_skip_and_top_on_the_first_page_then_next_links(data):
    """$skip=5&$top=4 answers rows 6-9 of the order; its nextLink continues from row 10 to the end."""
    expected = oracle_order(data.rows, "rank desc, customerName")
    response = data.client.get(REST, params={"$orderBy": "rank desc, customerName", "$skip": "5", "$top": "4"})
    assert response.status_code == 200, response.text[:500]
    page = response.json()
    assert [row["PrimaryKey"] for row in page["value"]] == expected[5:9]
    rest: list[int] = []
    link = page["odata.nextLink"]
    assert "skip=" not in link.lower().replace("skiptoken", "")
    while link:
        body = data.client.get(link).json()
        rest += [row["PrimaryKey"] for row in body["value"]]
        link = body.get("odata.nextLink")
    assert rest == expected[9:]


def test_select_answers_only_the_chosen_columns(data):
    """$select=customerName,User,whenRequested answers PrimaryKey, EntityName and those columns, in that order."""
    response = data.client.get(REST, params={"$select": "customerName,User,whenRequested", "$top": "1000"})
    assert response.status_code == 200, response.text[:500]
    rows = response.json()["value"]
    assert len(rows) == ROWS
    for row, truth in zip(rows, data.rows, strict=True):
        assert list(row) == ["PrimaryKey", "EntityName", "customerName", "userId", "whenRequested"]
        assert row == {key: truth[key] for key in row}


@pytest.mark.parametrize("how", ["$format", "Accept"])
def test_xml_list_matches_the_json_list(data, how):
    """$format=xml (over Accept: application/json) or Accept: application/xml answer the same page in XML."""
    params = {"$select": "customerName,status,rank,userId,whenRequested", "$orderBy": "rank", "$top": "10"}
    as_json = data.client.get(REST, params=params)
    if how == "$format":
        response = data.client.get(REST, params=params | {"$format": "xml"}, headers={"Accept": "application/json"})
    else:
        response = data.client.get(REST, params=params, headers={"Accept": "application/xml"})
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("application/xml")
    body = decode(response)
    expected = as_json.json()
    assert body["odata.metadata"] == expected["odata.metadata"]
    assert len(body["value"]) == 10
    for row, truth in zip(body["value"], expected["value"], strict=True):
        assert row == {key: (None if value is None else str(value)) for key, value in truth.items()}
    follow = data.client.get(body["odata.nextLink"], headers={"Accept": "application/xml"} if how == "Accept" else {})
    assert follow.headers["content-type"].startswith("application/xml")
    assert [row["PrimaryKey"] for row in decode(follow)["value"]] == [
        str(pk) for pk in oracle_order(data.rows, "rank")[10:20]
    ]


def test_skiptoken_with_another_order_by_is_400(data):
    """A $skiptoken from one $orderBy used with another (or tampered with) is a 400 naming $skiptoken."""
    first = data.client.get(REST, params={"$orderBy": "rank", "$top": "5"}).json()
    link = first["odata.nextLink"]
    query = dict(parse_qsl(urlsplit(link).query))
    assert data.client.get(REST, params=query).status_code == 200
    for changed in ({"$orderBy": "customerName"}, {"$orderBy": "rank desc"}, {"$skiptoken": "bm90LWEtdG9rZW4"}):
        response = data.client.get(f"{REST}?{urlencode(query | changed)}")
        assert "$skiptoken" in error_message(response, 400)
    without_order = {key: value for key, value in query.items() if key != "$orderBy"}
    assert "$skiptoken" in error_message(data.client.get(REST, params=without_order), 400)


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"$orderBy": "nope"}, "nope"),
        ({"$orderBy": "rank sideways"}, "rank sideways"),
        ({"$select": "customerName,nope"}, "nope"),
        ({"$top": "0"}, "$top"),
        ({"$top": "1001"}, "$top"),
        ({"$skip": "-1"}, "$skip"),
        ({"$format": "yaml"}, "$format"),
    ],
)
def test_bad_list_parameters_are_400(data, params, named):
    """Unknown columns, bad sort directions and out-of-range $top/$skip/$format are 400s naming the culprit."""
    assert named in error_message(data.client.get(REST, params=params), 400)


# -- $filter ---------------------------------------------------------------------------------------


def _fold(text: str) -> str:
    """Case folding as SQLite's LIKE does it: ASCII letters only (docs/api.md)."""
    return "".join(ch.lower() if ch.isascii() else ch for ch in text)


def _name(row: dict[str, Any]) -> str | None:
    value: str | None = row["customerName"]
    return value


def _contains(row: dict[str, Any], text: str) -> bool:
    name = _name(row)
    return name is not None and _fold(text) in _fold(name)


def _begins(row: dict[str, Any], text: str) -> bool:
    name = _name(row)
    return name is not None and _fold(name).startswith(_fold(text))


def _ends(row: dict[str, Any], text: str) -> bool:
    name = _name(row)
    return name is not None and _fold(name).endswith(_fold(text))


def _when(row: dict[str, Any], column: str = "whenRequested") -> int | None:
    return ticks(row[column])


def _in(row: dict[str, Any], low: int, high: int, column: str = "whenRequested") -> bool:
    """low <= date < high (an unset date is in no range)."""
    value = _when(row, column)
    return value is not None and low <= value < high


def _day(text: str) -> int:
    return midnight(date.fromisoformat(text))


def _before(row: dict[str, Any], bound: int) -> bool:
    value = _when(row)
    return value is not None and value < bound


def _from(row: dict[str, Any], bound: int) -> bool:
    value = _when(row)
    return value is not None and value >= bound


def _at(text: str) -> int:
    value = ticks(text)
    assert value is not None
    return value


DAY = 24 * 3600 * TICKS_PER_SECOND
Row = dict[str, Any]
Predicate = Callable[[Row, dict[str, int], date], bool]


def _periods(row: Row, today: date, op: str, zone: Any = UTC) -> bool:
    """thisWeek & co.: the half-open ranges of days they cover (weeks start on Monday), in ``zone``."""
    monday = today - timedelta(days=today.weekday())
    ranges = {
        "today": (today, today + timedelta(days=1)),
        "thisWeek": (monday, monday + timedelta(days=7)),
        "lastWeek": (monday - timedelta(days=7), monday),
        "nextWeek": (monday + timedelta(days=7), monday + timedelta(days=14)),
        "thisMonth": (today.replace(day=1), add_months(today, 1)),
        "lastMonth": (add_months(today, -1), today.replace(day=1)),
        "nextMonth": (add_months(today, 1), add_months(today, 2)),
        "thisYear": (date(today.year, 1, 1), date(today.year + 1, 1, 1)),
    }
    value = _when(row)
    if value is None:
        return False
    if op == "beforeToday":
        return value < midnight(today, zone)
    if op == "afterToday":
        return value >= midnight(today + timedelta(days=1), zone)
    low, high = ranges[op]
    return midnight(low, zone) <= value < midnight(high, zone)


# (filter, oracle(row, users, today)). Every operator of docs/api.md's table appears at least once.
FILTERS: list[tuple[str, Predicate]] = [
    # numbers
    ("rank eq 2", lambda r, u, t: r["rank"] == 2),
    ("rank = 2", lambda r, u, t: r["rank"] == 2),
    ("rank=2", lambda r, u, t: r["rank"] == 2),
    ("rank ne 2", lambda r, u, t: r["rank"] != 2),
    ("rank lt 2", lambda r, u, t: r["rank"] < 2),
    ("rank le 2", lambda r, u, t: r["rank"] <= 2),
    ("rank gt 2", lambda r, u, t: r["rank"] > 2),
    ("rank ge 2", lambda r, u, t: r["rank"] >= 2),
    ("rank equals 3", lambda r, u, t: r["rank"] == 3),
    ("rank unequals 3", lambda r, u, t: r["rank"] != 3),
    ("rank greater 1", lambda r, u, t: r["rank"] > 1),
    ("rank less 1", lambda r, u, t: r["rank"] < 1),
    ("rank between (1, 2)", lambda r, u, t: 1 <= r["rank"] <= 2),
    ("rating oneOf (1, 3, 5)", lambda r, u, t: r["rating"] in (1, 3, 5)),
    ("rating NotOneOf (1, 3, 5)", lambda r, u, t: r["rating"] not in (1, 3, 5)),
    ("rank set", lambda r, u, t: r["rank"] != 0),
    ("topicId ge 2", lambda r, u, t: r["topicId"] >= 2),
    ("customerConsented eq true", lambda r, u, t: r["customerConsented"] is True),
    ("customerConsented eq 0", lambda r, u, t: r["customerConsented"] is False),
    # enums, by name or value
    ("status eq 'Closed'", lambda r, u, t: r["status"] == "Closed"),
    ("status eq 9", lambda r, u, t: r["status"] == "Closed"),
    ("status ne 'Closed'", lambda r, u, t: r["status"] != "Closed"),
    ("status gt 'InQueue'", lambda r, u, t: STATUS[r["status"]] > 4),
    ("status oneOf ('InQueue', 'Closed')", lambda r, u, t: r["status"] in ("InQueue", "Closed")),
    ("status NotOneOf (4, 9)", lambda r, u, t: r["status"] not in ("InQueue", "Closed")),
    ("status set", lambda r, u, t: r["status"] != "Invalid"),
    # strings
    ("customerName eq 'Grace Hopper'", lambda r, u, t: _name(r) == "Grace Hopper"),
    ("customerName ne 'Grace Hopper'", lambda r, u, t: _name(r) != "Grace Hopper"),
    ("customerName is 'Alan Turing'", lambda r, u, t: _name(r) == "Alan Turing"),
    ("customerName isNot 'Alan Turing'", lambda r, u, t: _name(r) != "Alan Turing"),
    ("customerName eq 'O''Brien'", lambda r, u, t: _name(r) == "O'Brien"),
    ("customerName contains 'ada'", lambda r, u, t: _contains(r, "ada")),
    ("customerName contains 'E'", lambda r, u, t: _contains(r, "E")),
    ("customerName contains '%'", lambda r, u, t: _contains(r, "%")),
    ("customerName contains '_'", lambda r, u, t: _contains(r, "_")),
    ("customerName contains '\\'", lambda r, u, t: _contains(r, "\\")),
    ("customerName contains '\u00c9d'", lambda r, u, t: _contains(r, "\u00c9d")),
    ("customerName begins 'ad'", lambda r, u, t: _begins(r, "ad")),
    ("customerName notBegins 'ad'", lambda r, u, t: not _begins(r, "ad")),
    ("customerName notContains 'o'", lambda r, u, t: not _contains(r, "o")),
    ("customerName oneOf ('Alan Turing', 'O''Brien', '')", lambda r, u, t: _name(r) in ("Alan Turing", "O'Brien", "")),
    ("customerName NotOneOf ('Alan Turing', '')", lambda r, u, t: _name(r) not in ("Alan Turing", "")),
    ("startswith(customerName, 'AD')", lambda r, u, t: _begins(r, "ad")),
    ("startswith(customerName, 'ad') eq true", lambda r, u, t: _begins(r, "ad")),
    ("startswith(customerName, 'ad') eq false", lambda r, u, t: not _begins(r, "ad")),
    ("startswith(customerName, 'ad') ne true", lambda r, u, t: not _begins(r, "ad")),
    ("endswith(customerName, 'ING')", lambda r, u, t: _ends(r, "ing")),
    ("endswith(customerName, 'ing') eq false", lambda r, u, t: not _ends(r, "ing")),
    ("substringof('ov', customerName)", lambda r, u, t: _contains(r, "ov")),
    ("substringof('ov', customerName) eq false", lambda r, u, t: not _contains(r, "ov")),
    # dates: a day means the whole day (UTC here); a full date-time is an instant
    ("whenRequested before '2025-01-01'", lambda r, u, t: _before(r, _day("2025-01-01"))),
    ("whenRequested after '2024-12-31'", lambda r, u, t: _from(r, _day("2025-01-01"))),
    ("whenRequested date '2024-12-31'", lambda r, u, t: _in(r, _day("2024-12-31"), _day("2025-01-01"))),
    ("whenRequested eq '2024-12-31'", lambda r, u, t: _in(r, _day("2024-12-31"), _day("2025-01-01"))),
    ("whenRequested ne '2024-12-31'", lambda r, u, t: not _in(r, _day("2024-12-31"), _day("2025-01-01"))),
    ("whenRequested lt '2024-12-31'", lambda r, u, t: _before(r, _day("2024-12-31"))),
    ("whenRequested le '2024-12-31'", lambda r, u, t: _before(r, _day("2025-01-01"))),
    ("whenRequested gt '2024-12-31'", lambda r, u, t: _from(r, _day("2025-01-01"))),
    ("whenRequested ge '2024-12-31'", lambda r, u, t: _from(r, _day("2024-12-31"))),
    (
        "whenRequested dateBetween ('2024-12-30', '2024-12-31')",
        lambda r, u, t: _in(r, _day("2024-12-30"), _day("2025-01-01")),
    ),
    (
        "whenRequested dateBetween ('2024-12-31T00:00:00Z', '2024-12-31T23:30:00Z')",
        lambda r, u, t: _in(r, _day("2024-12-31"), _at("2024-12-31T23:30:00Z") + 1),
    ),
    ("whenRequested eq '2024-12-31T23:30:00Z'", lambda r, u, t: _when(r) == ticks("2024-12-31T23:30:00Z")),
    ("whenRequested ne '2024-12-31T23:30:00Z'", lambda r, u, t: _when(r) != ticks("2024-12-31T23:30:00Z")),
    (
        "whenRequested lt '2024-12-31T23:30:00.0000001+00:00'",
        lambda r, u, t: _before(r, _at("2024-12-31T23:30:00Z") + 1),
    ),
    (
        "whenRequested gt '2024-12-31T00:30:00+01:00'",
        lambda r, u, t: _from(r, _at("2024-12-30T23:30:00Z") + 1),
    ),
    ("whenEnded set", lambda r, u, t: _when(r, "whenEnded") is not None),
    ("whenRequested today", lambda r, u, t: _periods(r, t, "today")),
    ("whenRequested beforeToday", lambda r, u, t: _periods(r, t, "beforeToday")),
    ("whenRequested afterToday", lambda r, u, t: _periods(r, t, "afterToday")),
    ("whenRequested thisWeek", lambda r, u, t: _periods(r, t, "thisWeek")),
    ("whenRequested lastWeek", lambda r, u, t: _periods(r, t, "lastWeek")),
    ("whenRequested nextWeek", lambda r, u, t: _periods(r, t, "nextWeek")),
    ("whenRequested thisMonth", lambda r, u, t: _periods(r, t, "thisMonth")),
    ("whenRequested lastMonth", lambda r, u, t: _periods(r, t, "lastMonth")),
    ("whenRequested nextMonth", lambda r, u, t: _periods(r, t, "nextMonth")),
    ("whenRequested thisYear", lambda r, u, t: _periods(r, t, "thisYear")),
    # links
    ("userId currentAssociate", lambda r, u, t: r["userId"] == u["tje0"]),
    ("transferTo currentAssociate", lambda r, u, t: r["transferToId"] == u["tje0"]),
    ("userId eq 2", lambda r, u, t: r["userId"] == 2),
    ("User eq 2", lambda r, u, t: r["userId"] == 2),
    ("User/AssociateId eq 2", lambda r, u, t: r["userId"] == 2),
    ("userId ne 2", lambda r, u, t: r["userId"] != 2),
    ("userId lt 3", lambda r, u, t: r["userId"] is not None and r["userId"] < 3),
    ("transferToId set", lambda r, u, t: r["transferToId"] is not None),
    ("userId associateIsOneOf (1, 3)", lambda r, u, t: r["userId"] in (1, 3)),
    ("userId associateIsNotOneOf (1, 3)", lambda r, u, t: r["userId"] not in (1, 3)),
    ("transferToId oneOf (2)", lambda r, u, t: r["transferToId"] == 2),
    # and / or / parentheses; keywords in any case
    ("rank eq 1 and status eq 'Closed'", lambda r, u, t: r["rank"] == 1 and r["status"] == "Closed"),
    ("rank eq 1 or rank eq 3", lambda r, u, t: r["rank"] in (1, 3)),
    (
        "rank eq 1 or rank eq 3 and customerName contains 'a'",
        lambda r, u, t: r["rank"] == 1 or (r["rank"] == 3 and _contains(r, "a")),
    ),
    (
        "(rank eq 1 or rank eq 3) and customerName contains 'a'",
        lambda r, u, t: r["rank"] in (1, 3) and _contains(r, "a"),
    ),
    (
        "((rank eq 0) or (rank eq 2 and (status eq 'Closed' or userId currentAssociate))) and whenRequested set",
        lambda r, u, t: (
            (r["rank"] == 0 or (r["rank"] == 2 and (r["status"] == "Closed" or r["userId"] == u["tje0"])))
            and _when(r) is not None
        ),
    ),
    (
        "RANK EQ 1 AND CustomerName CONTAINS 'A' Or STATUS Eq 'invalid'",
        lambda r, u, t: (r["rank"] == 1 and _contains(r, "a")) or r["status"] == "Invalid",
    ),
]


def _filtered(data: Data, filter_text: str, headers: dict[str, str] | None = None) -> list[int]:
    rows = list_all(data.client, {"$filter": filter_text, "$select": "rank", "$top": "1000"}, headers=headers)
    return [int(row["PrimaryKey"]) for row in rows]


@pytest.mark.parametrize(("filter_text", "predicate"), FILTERS, ids=[text for text, _ in FILTERS])
def test_filter_matches_the_oracle(data, filter_text, predicate):
    """Each filter of the grammar answers exactly the rows the Python oracle selects (a proper, non-empty subset)."""
    today = datetime.now(UTC).date()
    expected = [row["PrimaryKey"] for row in data.rows if predicate(row, data.users, today)]
    assert 0 < len(expected) < ROWS, f"the data set does not discriminate {filter_text!r}: {len(expected)} rows"
    assert _filtered(data, filter_text) == expected


def test_current_associate_is_the_caller(data):
    """'userId currentAssociate' answers agent1 the sessions linked to agent1, not tje0's."""
    with data.server.sync_client(AGENT1) as agent:
        rows = list_all(agent, {"$filter": "userId currentAssociate", "$top": "1000"})
    expected = [row["PrimaryKey"] for row in data.rows if row["userId"] == data.users["agent1"]]
    assert expected
    assert [row["PrimaryKey"] for row in rows] == expected


ZONED = [
    ("Europe/Oslo", "whenRequested date '2024-12-31'"),
    ("Pacific/Kiritimati", "whenRequested today"),
    ("Pacific/Kiritimati", "whenRequested beforeToday"),
    ("America/New_York", "whenRequested thisMonth"),
]


@pytest.mark.parametrize(("zone_name", "filter_text"), ZONED)
def test_days_and_periods_follow_so_timezone(data, zone_name, filter_text):
    """With SO-TimeZone, a day given as a date and periods such as today are taken in that zone."""
    zone = ZoneInfo(zone_name)
    today = datetime.now(zone).date()
    if filter_text.endswith("'2024-12-31'"):
        low, high = midnight(date(2024, 12, 31), zone), midnight(date(2025, 1, 1), zone)
        expected = [row["PrimaryKey"] for row in data.rows if _in(row, low, high)]
    else:
        op = filter_text.split()[-1]
        expected = [row["PrimaryKey"] for row in data.rows if _periods(row, today, op, zone)]
    assert 0 < len(expected) < ROWS
    assert _filtered(data, filter_text, headers={"SO-TimeZone": zone_name}) == expected


BAD_FILTERS = [
    # (filter, the offending token or None, its position)
    ("rank zz 3", "zz", 5),
    ("nope eq 1", "nope", 0),
    ("customerName eq 'x' and nope eq 1", "nope", 24),
    ("rank eq", None, 7),
    ("whenRequested before '2024-13-45'", "2024-13-45", 21),
    ("whenRequested after 'yesterday-ish'", "yesterday-ish", 20),
    ("(rank eq 1", None, 10),
    ("(rank eq 1 or (rank eq 2)", None, 25),
    ("rank eq 1)", ")", 9),
    ("rank eq 1 & rank eq 2", "&", 10),
    ("rank eq 1 rank", "rank", 10),
    ("status eq 'Nope'", "Nope", 10),
    ("customerName eq Ada", "Ada", 16),
    ("startswith(customerName, 'a') eq maybe", None, 33),
    ("rank between (1, 2, 3)", "between", 5),
    ("rank today", "today", 5),
    ("rank currentAssociate", "currentAssociate", 5),
    ("rank eq 1 or", None, 12),
]


@pytest.mark.parametrize(("filter_text", "token", "position"), BAD_FILTERS, ids=[f for f, _, _ in BAD_FILTERS])
def test_bad_filter_is_400_naming_token_and_position(data, filter_text, token, position):
    """A bad $filter is a 400 whose ErrorMessage names the offending token and its position in the filter."""
    message = error_message(data.client.get(REST, params={"$filter": filter_text}), 400)
    assert message.startswith("$filter:"), message
    assert f"at position {position}" in message, message
    if token is not None:
        assert f"'{token}'" in message, message
        assert filter_text[position:].lstrip("'").startswith(token)
    else:
        assert position == len(filter_text) or filter_text[position] != " "
