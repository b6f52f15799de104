"""Issue 12 section 4: hostile paths, raw on the wire, on both databases: tenant segments such as ``..``,
``%2e%2e`` and control characters, hostile segments anywhere in a route, every method. No 5xx, every 4xx in
SuperOffice's error body, a tenant segment that is not a plain identifier answered 404 and never echoed
back, and the server healthy afterwards."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote_to_bytes

import pytest
from fuzz_strategies import ALL_METHODS, OPERATIONS, hostile_segments
from fuzz_support import REST, Findings, RawRequest, make, run_fuzz
from hypothesis import strategies as st

# Hostile inputs are large on purpose; hypothesis' note that their repr is large is expected.
pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore:Generating overly large repr")]

EXAMPLES = 240
# What any reading of issue 12's "a tenant segment is a plain identifier" allows (SuperOffice's are like
# Cust12345); a segment with another character, or "." or "..", is refused with 404 whatever the exact rule.
PLAIN_IDENTIFIER = re.compile(rb"[A-Za-z0-9_.-]+")


def _route_path(path: str, stored_id: int) -> bytes:
    return path.replace("{id}", str(stored_id)).encode()


def _not_plain(segment: bytes) -> bool:
    decoded = unquote_to_bytes(segment)
    return decoded in (b".", b"..") or not PLAIN_IDENTIFIER.fullmatch(decoded)


def _tenant_problem(tenant: bytes, request: RawRequest, findings: Findings) -> None:
    """A tenant segment that is not a plain identifier is a 404 that does not repeat the segment."""
    answer = findings.check(request)
    if answer is None or not request.valid_http or answer.status >= 500:
        return  # already filed by check()
    decoded = unquote_to_bytes(tenant)
    if answer.status != 404:
        case = f"{request.describe()}\n  answered {answer.status}: {answer.body[:100]!r}"
        findings.file("tenant segment that is not a plain identifier is not refused with 404", request, case)
    if answer.status < 300 and (b"/" + decoded + b"/" in answer.body or b"/" + tenant + b"/" in answer.body):
        findings.file("tenant segment that is not a plain identifier is echoed into the answer's links", request)


def test_hostile_tenant_segments(fuzz_target):
    """/<hostile tenant>/api/...: every route and method, the tenant a segment that is not a plain identifier."""
    findings = fuzz_target.findings()
    stored_id = fuzz_target.stored_ids[0]
    explicit = [
        (b"..", make("GET", b"/../api/v1/ChatSession")),
        (b"%2e%2e", make("GET", b"/%2e%2e/api/v1/ChatSession")),
        (b"%2e%2e", make("GET", f"/%2e%2e{REST}/{stored_id}".encode())),
        (b".", make("GET", b"/./api/v1/ChatSession")),
        (b"a%00b", make("GET", b"/a%00b/api/v1/ChatSession")),
        (b"%0d%0a", make("GET", b"/%0d%0a/api/v1/ChatSession")),
    ]
    for tenant, request in explicit:
        _tenant_problem(tenant, request, findings)

    def build(draw: Any) -> RawRequest:
        tenant = draw(hostile_segments().filter(_not_plain))
        path, method = draw(st.sampled_from(OPERATIONS))
        request = make(method, b"/" + tenant + _route_path(path, stored_id))
        _tenant_problem(tenant, request, findings)
        return []

    run_fuzz(findings, EXAMPLES // 2, build)
    try:
        fuzz_target.assert_healthy()
    finally:
        findings.assert_none(f"tenant segments on {fuzz_target.database}")


def test_hostile_paths(fuzz_target):
    """Route paths with a hostile segment put in, swapped in or appended, odd slashes and case, any method."""
    findings = fuzz_target.findings()
    stored_id = fuzz_target.stored_ids[0]

    def build(draw: Any) -> RawRequest:
        path, _ = draw(st.sampled_from(OPERATIONS))
        method = draw(st.sampled_from(ALL_METHODS))
        segments = _route_path(path, stored_id).split(b"/")
        where = draw(st.integers(1, len(segments)))
        hostile = draw(hostile_segments())
        how = draw(st.sampled_from(("insert", "replace", "append", "slashes", "case")))
        if how == "insert":
            segments.insert(where, hostile)
        elif how == "replace":
            segments[min(where, len(segments) - 1)] = hostile
        elif how == "append":
            segments.append(hostile)
        elif how == "slashes":
            segments.insert(where, b"")
        else:
            segments = [s.swapcase() for s in segments]
        return make(method, b"/".join(segments))

    run_fuzz(findings, EXAMPLES, build)
    try:
        fuzz_target.assert_healthy()
    finally:
        findings.assert_none(f"paths on {fuzz_target.database}")
