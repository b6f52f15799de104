"""Issue 12 section 4: malformed and hostile bodies in all seven request types, at every route that reads a
body (and a few that should ignore one), as each role, on both databases: no 5xx, every 4xx in SuperOffice's
error body, and the server healthy afterwards."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fuzz_strategies import OPERATIONS, WRITES, bodies, content_types, draw_auth, draw_target
from fuzz_support import GET, REST, ROLES, SAVE, RawRequest, make, run_fuzz
from hypothesis import strategies as st

# Hostile inputs are large on purpose; hypothesis' note that their repr is large is expected.
pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore:Generating overly large repr")]

EXAMPLES = 400
LOGIN = "/api/v1/Authentication/Login"
TOKEN = "/api/v1/oauth/token"
JSON = ("Content-Type", "application/json")
FORM = ("Content-Type", "application/x-www-form-urlencoded")
JSON_PATCH = ("Content-Type", "application/json-patch+json")
MERGE_PATCH = ("Content-Type", "application/merge-patch+json")
XML = ("Content-Type", "application/xml")


def _known_classes(stored_id: int) -> list[RawRequest]:
    """One request per class issue 12 names for bodies, sent on every run whatever hypothesis draws."""
    one = f"{REST}/{stored_id}"
    digits = "9" * 4301
    nested = "[" * 3000 + "]" * 3000
    doubling = [{"op": "add", "path": "/FirstMessage", "value": "x" * 64}] + [
        {"op": "copy", "from": "", "path": f"/Level{i}"} for i in range(14)
    ]
    return [
        # NUL in user names, passwords and form fields (PostgreSQL)
        make("POST", LOGIN, [JSON], json.dumps({"Username": "nul\u0000name", "Password": "x"}).encode(), role=None),
        make("POST", LOGIN, [JSON], json.dumps({"Username": "nobody-fz", "Password": "p\u0000w"}).encode(), role=None),
        make("POST", TOKEN, [FORM], b"grant_type=password&username=a%00b&password=x", role=None),
        make("POST", SAVE, [FORM], b"CustomerName=a%00b"),
        make("POST", SAVE, [JSON], json.dumps({"CustomerName": "a\u0000b"}).encode()),
        make("POST", SAVE, [XML], b"<ChatSessionEntity><CustomerName>a&#0;b</CustomerName></ChatSessionEntity>"),
        # integers past int32, int64 and Python's digit limit, in ids, patch values and array indexes
        make("POST", SAVE, [JSON], b'{"ChatSessionId": 2147483648}'),
        make("POST", SAVE, [JSON], b'{"ChatSessionId": 9223372036854775808}'),
        make("POST", SAVE, [JSON], b'{"Rank": ' + digits.encode() + b"}"),
        make("POST", SAVE, [JSON], b'{"User": {"AssociateId": 9223372036854775808}}'),
        make("POST", SAVE, [FORM], b"Rank=" + digits.encode()),
        make("POST", SAVE, [XML], b"<ChatSessionEntity><Rank>" + digits.encode() + b"</Rank></ChatSessionEntity>"),
        make("PATCH", one, [JSON_PATCH], b'[{"op":"replace","path":"/Rank","value":9223372036854775808}]'),
        make("PATCH", one, [JSON_PATCH], b'[{"op":"add","path":"/User/' + digits.encode() + b'","value":1}]'),
        make("PATCH", one, [JSON_PATCH], b'[{"op":"test","path":"/ChatSessionId","value":' + digits.encode() + b"}]"),
        make("PATCH", one, [MERGE_PATCH], b'{"Rating": 1e400}'),
        # dates at the ends of the calendar, shifted by a zone
        make("POST", SAVE, [JSON, ("SO-TimeZone", "Pacific/Kiritimati")], b'{"WhenRequested":"0001-01-01T00:00:01"}'),
        make("POST", SAVE, [JSON, ("SO-TimeZone", "Etc/GMT+12")], b'{"WhenRequested":"9999-12-31T23:59:59"}'),
        # values nested hundreds deep in patches and bodies; patches that grow the document
        make("PATCH", one, [JSON_PATCH], nested.encode()),
        make("PATCH", one, [JSON_PATCH], b'[{"op":"add","path":"/FirstMessage","value":' + nested.encode() + b"}]"),
        make("PATCH", one, [MERGE_PATCH], ('{"User":' * 3000 + "1" + "}" * 3000).encode()),
        make("PATCH", one, [JSON_PATCH], json.dumps(doubling).encode()),
        make("POST", SAVE, [JSON], nested.encode()),
        make(
            "POST", SAVE, [XML], b"<ChatSessionEntity>" + b"<User>" * 3000 + b"</User>" * 3000 + b"</ChatSessionEntity>"
        ),
        make("POST", f"{GET}?chatSessionEntityId={stored_id}", [JSON], nested.encode()),
    ]


def test_malformed_bodies_in_all_seven_types(fuzz_target):
    """Bodies of every request type with hostile values, broken syntax, wrong charsets and deep nesting."""
    findings = fuzz_target.findings()
    stored = fuzz_target.stored_ids

    def build(draw: Any) -> RawRequest:
        path, method = draw(st.sampled_from(WRITES) | st.sampled_from(OPERATIONS))
        media, charset, content_type = draw(content_types())
        body = draw(bodies(media, charset))
        headers = [*draw_auth(draw, ROLES), ("Content-Type", content_type)]
        return make(method, draw_target(draw, path, stored), headers, body, role=None)

    run_fuzz(findings, EXAMPLES, build, _known_classes(stored[0]))
    try:
        fuzz_target.assert_healthy()
    finally:
        findings.assert_none(f"bodies on {fuzz_target.database}")
