"""Issue 12 section 4: hostile headers at every route, as each role, on both databases: Authorization
variants, the locale headers with path-like, huge and control values, conditional headers and
Idempotency-Key junk, odd Content-Type parameters, Host. No 5xx, every 4xx in SuperOffice's error body, and
the server healthy afterwards."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fuzz_strategies import OPERATIONS, ZONE_VALUES, content_types, draw_auth, draw_target, hostile_headers
from fuzz_support import REST, ROLES, SAVE, RawRequest, make, run_fuzz
from hypothesis import strategies as st

# Hostile inputs are large on purpose; hypothesis' note that their repr is large is expected.
pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore:Generating overly large repr")]

EXAMPLES = 500
ENTITY = json.dumps({"CustomerName": "header fuzz", "Status": "InQueue", "WhenRequested": "2024-12-15T09:22:45"})


def _known_classes(stored_id: int) -> list[RawRequest]:
    """One request per header class issue 12 names, sent on every run whatever hypothesis draws."""
    one = f"{REST}/{stored_id}"
    json_type = ("Content-Type", "application/json")
    requests = [make("GET", REST, [("SO-TimeZone", zone)]) for zone in ZONE_VALUES]
    requests += [
        make("GET", f"{REST}?$output=Display", [("SO-TimeZone", "Pacific/Kiritimati")]),
        make("GET", f"{REST}?$output=Display", [("SO-TimeZone", "Etc/GMT+12")]),
        make("GET", f"{REST}?$output=Display&$select=whenRequested,whenEnded", [("SO-TimeZone", "Etc/GMT-14")]),
        make("GET", one, [("SO-TimeZone", "Pacific/Kiritimati")]),
        make("GET", one, [("If-None-Match", '"' + "9" * 4301 + '"')]),
        make("PUT", one, [json_type, ("If-Match", '"' + "9" * 4301 + '"')], ENTITY.encode()),
        make("PUT", one, [json_type, ("If-Match", '"99999999999999999999"')], ENTITY.encode()),
        make("DELETE", one, [("If-Match", 'W/"-99999999999999999999"')]),
        make("PUT", one, [json_type, ("If-Unmodified-Since", "Mon, 01 Jan 0001 00:00:00 GMT")], ENTITY.encode()),
        make("PUT", one, [json_type, ("If-Unmodified-Since", "Fri, 31 Dec 9999 23:59:59 GMT")], ENTITY.encode()),
        make("POST", SAVE, [json_type, ("Idempotency-Key", "k" * 20_000)], ENTITY.encode()),
        make("POST", SAVE, [json_type, ("Idempotency-Key", "é\u0301😀")], ENTITY.encode()),
        make("GET", REST, [("Accept-Language", "," * 10_000)]),
        make("GET", REST, [("SO-Culture", "x" * 10_000), ("SO-Language", "en")]),
        make("GET", REST, [("Accept", "application/xml;q=1e999, */*;q=nan")]),
        make("POST", SAVE, [("Content-Type", "application/json; charset=" + "x" * 10_000)], ENTITY.encode()),
        make("GET", REST, [("Host", "")]),
        make("GET", REST, [("Authorization", "Basic " + "A" * 12_000)], role=None),
        make("GET", REST, [("Authorization", "Bearer eyJhbGciOiJub25lIn0.eyJleHAiOiJuZXZlciJ9.")], role=None),
        make("GET", REST, [("Cookie", "SOCHAT_SESSION=" + "x" * 10_000), ("X-XSRF-TOKEN", "x")], role=None),
    ]
    return requests


def test_hostile_headers_at_every_route(fuzz_target):
    """One to four hostile headers on any route and method, with a well-formed body where one is read."""
    findings = fuzz_target.findings()
    stored = fuzz_target.stored_ids

    def build(draw: Any) -> RawRequest:
        path, method = draw(st.sampled_from(OPERATIONS))
        headers = draw(hostile_headers())
        body = b""
        if method in ("POST", "PUT", "PATCH"):
            _, _, content_type = draw(content_types())
            headers.append(("Content-Type", content_type))
            body = ENTITY.encode()
        hostile_auth = any(name == "Authorization" for name, _ in headers)
        auth = [] if hostile_auth else draw_auth(draw, ROLES)
        return make(method, draw_target(draw, path, stored), [*auth, *headers], body, role=None)

    run_fuzz(findings, EXAMPLES, build, _known_classes(stored[0]))
    try:
        fuzz_target.assert_healthy()
    finally:
        findings.assert_none(f"headers on {fuzz_target.database}")
