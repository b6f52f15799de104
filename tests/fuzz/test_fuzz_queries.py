"""Issue 12 section 4: hostile query strings at every route, on both databases: $filter nested thousands deep,
integers past every limit, NUL, the calendar's first and last years, $skiptoken junk and tokens whose keys do
not fit the sort column, huge $top/$skip, ids past int64 and Python's digit limit. No 5xx, every 4xx in
SuperOffice's error body, and the server healthy afterwards."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote

import pytest
from fuzz_strategies import (
    OPERATIONS,
    ZONE_VALUES,
    draw_auth,
    draw_target,
    ids,
    list_queries,
    texts,
)
from fuzz_support import GET, REST, ROLES, RawRequest, make, run_fuzz
from hypothesis import strategies as st

# Hostile inputs are large on purpose; hypothesis' note that their repr is large is expected.
pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore:Generating overly large repr")]

EXAMPLES = 600
DIGITS = "9" * 4301


def _token(order: str, keys: list[Any]) -> str:
    raw = json.dumps({"o": order, "k": keys}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _list(**params: str) -> str:
    return REST + "?" + "&".join(f"{quote(k, safe='$')}={quote(v, safe='')}" for k, v in params.items())


def _known_classes(stored_id: int) -> list[RawRequest]:
    """One request per query class issue 12 names, sent on every run whatever hypothesis draws."""
    kiritimati = [("SO-TimeZone", "Pacific/Kiritimati")]
    return [
        make("GET", _list(**{"$filter": "(" * 5000 + "rank eq 1" + ")" * 5000})),
        make("GET", _list(**{"$filter": " and ".join(["rank eq 1"] * 5000)})),
        make("GET", _list(**{"$filter": "rank eq " + DIGITS})),
        make("GET", _list(**{"$filter": "rank eq 99999999999999999999"})),
        make("GET", _list(**{"$filter": "rank between(1, 9223372036854775808)"})),
        make("GET", _list(**{"$filter": "customerName eq 'a\x00b'"})),
        make("GET", _list(**{"$filter": "customerName contains '\x00'"})),
        make("GET", _list(**{"$filter": "whenRequested eq '9999-12-31'"})),
        make("GET", _list(**{"$filter": "whenRequested after '9999-12-31T23:59:59'"}), kiritimati),
        make("GET", _list(**{"$filter": "whenRequested before '0001-01-01'"}), [("SO-TimeZone", "Etc/GMT+12")]),
        make("GET", _list(**{"$filter": "whenRequested date '0001-01-01'"}), kiritimati),
        make("GET", _list(**{"$filter": "whenRequested dateBetween('0001-01-01', '9999-12-31')"}), kiritimati),
        make("GET", _list(**{"$output": "Display"}), [*kiritimati, ("SO-Language", "en")]),
        make("GET", _list(**{"$output": "Display"}), [("SO-TimeZone", "Etc/GMT+12"), ("Accept-Language", "de")]),
        make("GET", _list(**{"$orderBy": "rank", "$skiptoken": _token("rank", ["text", 1])})),
        make("GET", _list(**{"$orderBy": "customerName", "$skiptoken": _token("customerName", [5, 1])})),
        make("GET", _list(**{"$orderBy": "rank", "$skiptoken": _token("rank", [2**63, 1])})),
        make("GET", _list(**{"$skiptoken": _token("", [2**64])})),
        make("GET", _list(**{"$orderBy": "whenRequested", "$skiptoken": _token("whenRequested", [2**70, 1])})),
        make("GET", _list(**{"$skiptoken": "A" * 100_000})),
        make("GET", _list(**{"$top": DIGITS, "$skip": DIGITS})),
        make("GET", _list(**{"$skip": "99999999999999999999"})),
        make("POST", f"{GET}?chatSessionEntityId={DIGITS}"),
        make("POST", f"{GET}?chatSessionEntityId=9223372036854775808"),
        make("GET", f"{REST}/{DIGITS}"),
        make("GET", f"{REST}/%00"),
        make("GET", f"{REST}/{stored_id}?$select=" + ",".join(["rank"] * 5000)),
    ]


def test_hostile_query_strings_at_every_route(fuzz_target):
    """Hostile OData on the list (mostly) and hostile ids on the other routes, with a hostile or real zone."""
    findings = fuzz_target.findings()
    stored = fuzz_target.stored_ids

    def build(draw: Any) -> RawRequest:
        path, method = draw(st.sampled_from(((REST, "GET"),) * 4 + OPERATIONS))
        query = list(draw(list_queries()).items()) if path == REST else []
        if path.endswith(("GetChatSessionEntity", "DeleteChatSessionEntity")):
            query.append((draw(st.sampled_from(("chatSessionEntityId", "ChatSessionEntityId"))), draw(ids(stored))))
        query += draw(st.lists(st.tuples(texts(), texts()), max_size=2))
        headers = draw_auth(draw, ROLES)
        zone = draw(st.none() | st.sampled_from(("Pacific/Kiritimati", "Etc/GMT+12", "Etc/GMT-14", "NO")))
        if zone is None:
            zone = draw(st.none() | st.sampled_from(ZONE_VALUES))
        if zone is not None:
            headers.append(("SO-TimeZone", zone))
        language = draw(st.sampled_from((None, "SO-Language", "Accept-Language")))
        if language is not None:  # a language makes $output=Display format numbers and dates for its culture
            headers.append((language, draw(st.sampled_from(("en", "de", "nb", "ar-SA", "fr,de,ru,zh")))))
        return make(method, draw_target(draw, path, stored, query), headers, role=None)

    run_fuzz(findings, EXAMPLES, build, _known_classes(stored[0]))
    try:
        fuzz_target.assert_healthy()
    finally:
        findings.assert_none(f"query strings on {fuzz_target.database}")


def test_raw_query_strings(fuzz_target):
    """Query strings that are not well-formed percent-encoding or UTF-8 at all."""
    findings = fuzz_target.findings()
    raw = st.sampled_from(
        (b"%", b"%zz", b"%ff", b"$filter=%ff", b"$filter=%00", b"&&&", b"=", b"$top", b"$filter", b"a=b=c")
    ) | st.binary(max_size=40).map(lambda b: quote(b, safe="=&$").encode())

    def build(draw: Any) -> RawRequest:
        path, method = draw(st.sampled_from(OPERATIONS))
        return make(method, path.replace("{id}", str(fuzz_target.stored_ids[0])).encode() + b"?" + draw(raw))

    run_fuzz(findings, EXAMPLES // 4, build)
    try:
        fuzz_target.assert_healthy()
    finally:
        findings.assert_none(f"raw query strings on {fuzz_target.database}")
