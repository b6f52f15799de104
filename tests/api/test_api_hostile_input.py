"""Inputs that once answered 500, on both databases: SO-TimeZone values that name files, NUL characters, tenant
segments and Host headers that would end up in links, JSON sent as a form, and a table whose ids ran out.

Each is a 4xx (or 507) in SuperOffice's error body naming what was wrong, and changes nothing stored."""

from __future__ import annotations

import json

import pytest

from sochat.domain.fields import INT32_MAX
from sochat.transfer.records import parse_row
from support.api import CREATE_DEFAULT, REST, SAVE, TJE0
from support.bodies import FORM
from support.entity import properties_of_kind

pytestmark = pytest.mark.anyio

STRING_PROPERTIES = properties_of_kind("string")


async def stored_count(api) -> int:
    return sum((await api.store.read(lambda unit: unit.sessions.count_by_status())).values())


# -- SO-TimeZone: looked up in the tz database's list, never opened as a path -------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "Europe",  # a folder of the tz database (was IsADirectoryError, 500)
        "Europe/",
        "America/../Europe/Oslo",
        "zone.tab",  # a file of the tz database that is not a zone
        "tzdata.zi",
        "posixrules",
        "Europe/Oslo/../../../../etc/passwd",
        "x" * 300,  # longer than a file name may be (was OSError, 500)
        "E" * 8_000,  # just under the 8 KiB header limit (beyond it: 431, tests/api/test_api_bounds.py)
        "Europe/Oslo\\..",
    ],
)
async def test_so_timezone_that_is_no_zone_is_400_naming_the_header(api, value):
    """A value that is a path, a folder, a non-zone file or far too long is a 400 naming SO-TimeZone."""
    response = await api.client.post(CREATE_DEFAULT, headers={"SO-TimeZone": value}, auth=TJE0)
    message = api.error(response, 400)
    assert "SO-TimeZone" in message
    assert value[:300] not in message or len(value) <= 64  # long values are cut in the message


async def test_so_timezone_nul_is_400(api):
    """NUL in SO-TimeZone is refused like any unknown zone (ASGI lets it through; HTTP parsers refuse it)."""
    response = await api.client.post(CREATE_DEFAULT, headers={"SO-TimeZone": "Europe/Oslo\x00"}, auth=TJE0)
    assert "SO-TimeZone" in api.error(response, 400)


@pytest.mark.parametrize(
    ("value", "echoed"),
    [("Europe/Oslo", "Europe/Oslo"), ("NO", "NO"), ("261", "NO"), ("US-NY, includeTZOffset", "US-NY"), ("UTC", "UTC")],
)
async def test_so_timezone_real_zones_still_work(api, value, echoed):
    """IANA names, SuperOffice codes and numeric ids are still accepted and echoed."""
    response = await api.client.post(CREATE_DEFAULT, headers={"SO-TimeZone": value}, auth=TJE0)
    assert response.status_code == 200, response.text
    assert response.headers["so-timezone"] == echoed


# -- NUL and other control characters in string properties, in every body format ------------------------------


def _bodies(name: str, text: str) -> list[tuple[str, bytes]]:
    """The same one-property save in every body format that can carry the text."""
    as_json = json.dumps({name: text}).encode()
    return [
        ("application/json", as_json),
        ("application/merge-patch+json", as_json),
        ("application/json-patch+json", json.dumps([{"op": "add", "path": f"/{name}", "value": text}]).encode()),
        (FORM, f"{name}=".encode() + text.encode().replace(b"\x00", b"%00").replace(b"\x01", b"%01")),
    ]


@pytest.mark.parametrize("name", STRING_PROPERTIES)
@pytest.mark.parametrize("text", ["a\x00b", "\x00", "x\x01"])
async def test_control_character_in_a_string_property_is_400_naming_it(api, name, text):
    """NUL (which PostgreSQL cannot store) and other control characters are a 400 naming the property, for
    JSON, both patch types and forms, on both databases; nothing is stored."""
    before = await stored_count(api)
    for content_type, body in _bodies(name, text):
        for path in (SAVE, REST):
            response = await api.client.post(path, content=body, headers={"Content-Type": content_type}, auth=TJE0)
            message = api.error(response, 400)
            assert name in message, (content_type, path, message)
            assert "U+000" in message
    assert await stored_count(api) == before


async def test_nul_in_xml_is_400(api):
    """XML cannot carry NUL at all, escaped or raw: a 400, nothing stored."""
    before = await stored_count(api)
    for body in (
        b"<ChatSessionEntity><CustomerName>a&#0;b</CustomerName></ChatSessionEntity>",
        b"<ChatSessionEntity><CustomerName>a\x00b</CustomerName></ChatSessionEntity>",
    ):
        response = await api.client.post(SAVE, content=body, headers={"Content-Type": "application/xml"}, auth=TJE0)
        api.error(response, 400)
    assert await stored_count(api) == before


async def test_nul_in_a_form_field_of_a_link_or_number_is_400_naming_it(api):
    """Form values are text until the property reads them: a NUL in a number or a link is a 400 naming it."""
    for body, name in ((b"Rank=1%00", "Rank"), (b"User.AssociateId=1%00", "User.AssociateId")):
        response = await api.client.post(SAVE, content=body, headers={"Content-Type": FORM}, auth=TJE0)
        assert name in api.error(response, 400)


@pytest.mark.parametrize(
    ("path", "body", "name"),
    [
        ("/api/v1/Authentication/Login", b"Username=tje0%00&Password=Tje0", "Username"),
        ("/api/v1/Authentication/Login", b"Username=tje0&Password=Tje0%00", "Password"),
        ("/api/v1/oauth/token", b"grant_type=password&username=tje0%00&password=Tje0", "username"),
        (SAVE, b"Customer%00Name=x", "Customer\\0Name"),
    ],
)
async def test_nul_in_any_form_field_is_400_naming_the_field(api, path, body, name):
    """The form codec refuses NUL in every field, whatever route reads it (a login's user name reached
    PostgreSQL and answered 500); the message names the field."""
    response = await api.client.post(path, content=body, headers={"Content-Type": FORM}, auth=TJE0)
    assert response.status_code == 400, response.text
    assert name in response.json()["ErrorMessage"]


async def test_idempotency_key_with_control_characters_is_400(api):
    """A NUL in Idempotency-Key (a 500 on PostgreSQL before) is a 400 naming the header; nothing is stored."""
    before = await stored_count(api)
    for key in ("a\x00b", "tab\there", "\x7f"):
        response = await api.save({"CustomerName": "x"}, headers={"Idempotency-Key": key})
        assert "Idempotency-Key" in api.error(response, 400)
    assert await stored_count(api) == before
    assert (await api.save({"CustomerName": "x"}, headers={"Idempotency-Key": "plain-key-1"})).status_code == 200


# -- tenant segments and Host headers: nothing hostile reaches a link -----------------------------------------


@pytest.mark.parametrize(
    "tenant",
    ["%2e%2e", "%2E%2E", "%2e", "a%20b", "a%3Cb%3E", "%22quoted%22", "x" * 65, "%C3%A6", "a.b", "a%3Ab", "a@b"],
)
async def test_a_tenant_segment_that_is_no_identifier_is_404(api, tenant):
    """Only letters, digits, '-' and '_' (up to 64) make a tenant segment; anything else is no route."""
    for path in (f"/{tenant}/api/v1/ChatSession", f"/{tenant}/api/v1/Agents/Chat/CreateDefaultChatSessionEntity"):
        response = await api.client.post(path, json={}, auth=TJE0)
        api.error(response, 404)


@pytest.mark.parametrize("tenant", ["Cust12345", "cust-1_a", "x" * 64])
async def test_a_plain_tenant_segment_is_kept_in_links(api, tenant):
    """A tenant identifier still routes, and the links of the answer keep it."""
    response = await api.client.post(f"/{tenant}/api/v1/ChatSession", json={"CustomerName": "t"}, auth=TJE0)
    assert response.status_code == 200, response.text
    links = response.json()["_Links"]
    assert links["Self"].startswith(f"http://test/{tenant}/api/v1/ChatSession/")


@pytest.mark.parametrize(
    "host",
    [
        'evil.example"><script>x</script>',
        "evil.example/phish?",
        "user@evil.example",
        "evil.example:80:80",
        "a b",
        "evil.example#",
        "-bad.example",
        "h" * 300,
        "",
    ],
)
async def test_a_hostile_host_header_never_reaches_links(api, host):
    """A Host that is not a plain host[:port] is replaced by the server's own address in _Links and nextLink."""
    response = await api.client.post(REST, json={"CustomerName": "h"}, headers={"Host": host}, auth=TJE0)
    assert response.status_code == 200, response.text
    self_link = response.json()["_Links"]["Self"]
    assert self_link.startswith("http://127.0.0.1:8000/api/v1/ChatSession/"), self_link
    await api.save_ok({"CustomerName": "second"})
    listed = await api.client.get(REST, params={"$top": "1"}, headers={"Host": host}, auth=TJE0)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    for link in (body["odata.metadata"], body["odata.nextLink"]):
        assert link.startswith("http://127.0.0.1:8000/api/v1/"), link


@pytest.mark.parametrize(
    "host", ["sochat.example.com", "sochat.example.com:8443", "10.0.0.5:8000", "[::1]:8000", "sochat_app:8000"]
)
async def test_a_plain_host_header_is_used_in_links(api, host):
    """A real host name, address or IPv6 literal, with or without a port, is what links use (as before)."""
    response = await api.client.post(REST, json={}, headers={"Host": host}, auth=TJE0)
    assert response.status_code == 200, response.text
    assert response.json()["_Links"]["Self"].startswith(f"http://{host}/api/v1/ChatSession/")


# -- JSON (or XML) sent as a form, as `curl -d` does ------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "wanted"),
    [
        (b'{"CustomerName": "Ada", "Rating": 5}', "application/json"),
        (b'  \n{"CustomerName": "a=b&c"}', "application/json"),
        (b"{CustomerName: 'Ada'}", "application/json"),  # JSON with mistakes is still not a form
        (b'[{"op": "replace", "path": "/Rating", "value": 1}]', "application/json"),
        (b"<ChatSessionEntity><CustomerName>Ada</CustomerName></ChatSessionEntity>", "application/xml"),
        (b"%7B%22CustomerName%22%3A%22Ada%22%7D", "application/json"),  # curl --data-urlencode '{"CustomerName":"Ada"}'
        (b"+%5B1%2C+2%5D+", "application/json"),  # --data-urlencode ' [1, 2] '
        (b"null", "application/json"),
        (b'"text"', "application/json"),
        (b"%22text%22", "application/json"),
        (b"5", "application/json"),
        (b" true\n", "application/json"),
        (b"%3CChatSessionEntity%2F%3E", "application/xml"),
    ],
)
async def test_json_or_xml_sent_as_a_form_is_415_naming_the_header_to_send(api, body, wanted):
    """curl -d labels its body as a form: a body that starts like JSON or XML, or a form none of whose fields is a
    member of ChatSessionEntity whose text, as sent or percent-decoded, is JSON (any JSON value) or starts like XML,
    is a 415 saying which Content-Type to send, on both save routes, and no empty session is stored."""
    before = await stored_count(api)
    for path in (SAVE, REST):
        response = await api.client.post(path, content=body, headers={"Content-Type": FORM}, auth=TJE0)
        message = api.error(response, 415)
        assert f"Content-Type: {wanted}" in message
    assert await stored_count(api) == before


@pytest.mark.parametrize(
    ("body", "stored"),
    [
        (b"CustomerName=null", "null"),  # a member: a form, whatever its value looks like
        (b"customername=%7B%22a%22%3A1%7D", '{"a":1}'),
        (b"Unknown=%7B%7D&CustomerName=5", "5"),
        (b"user.associateId=&CustomerName=%5B1%5D", "[1]"),  # a dotted member counts by its first part
    ],
)
async def test_a_form_with_a_member_is_a_form_whatever_it_holds(api, body, stored):
    """A form that names a member of the entity (in any case) is read as a form even when the decoded text
    or a value looks like JSON."""
    response = await api.client.post(SAVE, content=body, headers={"Content-Type": FORM}, auth=TJE0)
    assert response.status_code == 200, response.text
    assert response.json()["CustomerName"] == stored


@pytest.mark.parametrize("body", [b"Unknown=1", b"abc", b"Unknown=%7B%7D", b"text%20with%20spaces"])
async def test_a_form_of_unknown_fields_that_is_not_json_is_still_read(api, body):
    """Unknown members are ignored, as SuperOffice does (decision 7): a form of only unknown fields that does
    not look like JSON or XML saves the default entity, as before."""
    response = await api.client.post(SAVE, content=body, headers={"Content-Type": FORM}, auth=TJE0)
    assert response.status_code == 200, response.text
    assert response.json()["CustomerName"] == ""


@pytest.mark.parametrize(
    ("body", "named", "where"),
    [
        (b"CustomerName=ab%FFc", "CustomerName", "byte 0xff at position 2 of the value"),
        (b"Rating=1&CustomerName=%C3%A6%C3", "CustomerName", "byte 0xc3 at position 2 of the value"),
        (b"Custom%E9rName=x", "Custom\ufffdrName", "byte 0xe9 at position 6 of the name"),
    ],
)
async def test_invalid_utf8_in_a_form_names_the_field_and_byte(api, body, named, where):
    """Percent-escapes that are not UTF-8 are a 400 naming the field, the byte and its position in the
    percent-decoded name or value, on both save routes; nothing is stored."""
    before = await stored_count(api)
    for path in (SAVE, REST):
        response = await api.client.post(path, content=body, headers={"Content-Type": FORM}, auth=TJE0)
        message = api.error(response, 400)
        assert message.startswith(f"{named}: "), message
        assert where in message
    assert await stored_count(api) == before


async def test_a_real_form_still_saves(api):
    """Form bodies keep working, including values that contain braces."""
    body = b"CustomerName=%7Bbraces%7D&Rating=3"
    response = await api.client.post(SAVE, content=body, headers={"Content-Type": FORM}, auth=TJE0)
    assert response.status_code == 200, response.text
    assert response.json()["CustomerName"] == "{braces}"
    assert response.json()["Rating"] == 3


# -- ids at int32's end -----------------------------------------------------------------------------------------


async def test_no_id_above_int32_after_importing_the_highest(api):
    """After an import gives the highest int32 id, a create is a 507 saying ids ran out (never an id above
    int32, never a 500) and stores nothing; the imported session still reads and updates."""
    highest = parse_row("ChatSession", {"ChatSessionId": INT32_MAX, "CustomerName": "last"})
    api.store.run_admin(lambda unit: unit.transfer.load([highest]))
    before = await stored_count(api)
    for path, status in ((SAVE, 507), (REST, 507)):
        response = await api.client.post(path, json={"CustomerName": "one too many"}, auth=TJE0)
        message = api.error(response, status)
        assert "2147483647" in message
        assert "ChatSession" in message
    assert await stored_count(api) == before
    assert (await api.stored(INT32_MAX))["CustomerName"] == "last"
    updated = await api.save_ok({"ChatSessionId": INT32_MAX, "CustomerName": "changed"})
    assert updated["ChatSessionId"] == INT32_MAX
