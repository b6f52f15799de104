"""Issue 6: which language an answer uses (SO-Language over Accept-Language), and string references and
multi-language values resolved in it for every language sochat ships texts for."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest
from locale_support import AUTH
from lxml import etree

pytestmark = pytest.mark.anyio

# One value per SuperOffice key, all different, so the answer shows which key was picked.
MULTI_NAME = 'US:"Hello";NO:"Hei";SE:"Hallå";DK:"Goddag";GE:"Guten Tag";NL:"Goedendag"'
FIRST_MESSAGE = "Status: [SR_SOCHAT_STATUS_CLOSED] ([SR_SOCHAT_NOT_A_RESOURCE])"
LAST_MESSAGE = "[SR_SOCHAT_YES] / [SR_SOCHAT_NO]"

# What each language answers for the values above (our own translations, written out here independently).
EXPECTED: dict[str, dict[str, str]] = {
    "en": {"name": "Hello", "closed": "Closed", "yes": "Yes", "no": "No", "reason": "Assigned by the server"},
    "nb": {"name": "Hei", "closed": "Lukket", "yes": "Ja", "no": "Nei", "reason": "Tildeles av serveren"},
    "sv": {"name": "Hallå", "closed": "Stängd", "yes": "Ja", "no": "Nej", "reason": "Tilldelas av servern"},
    "da": {"name": "Goddag", "closed": "Lukket", "yes": "Ja", "no": "Nej", "reason": "Tildeles af serveren"},
    "de": {
        "name": "Guten Tag",
        "closed": "Geschlossen",
        "yes": "Ja",
        "no": "Nein",
        "reason": "Wird vom Server vergeben",
    },
    "nl": {"name": "Goedendag", "closed": "Gesloten", "yes": "Ja", "no": "Nee", "reason": "Toegewezen door de server"},
}

# (headers, default_language, the language the answer must use; None = texts left as stored)
PRECEDENCE: list[tuple[str, dict[str, str], str | None, str | None]] = [
    ("no headers", {}, None, None),
    ("SO-Language only", {"SO-Language": "nb"}, None, "nb"),
    ("Accept-Language only", {"Accept-Language": "sv"}, None, "sv"),
    ("SO-Language wins", {"SO-Language": "da", "Accept-Language": "sv"}, None, "da"),
    ("SO-Language wins over q", {"SO-Language": "nl", "Accept-Language": "de;q=1.0, nl;q=0.1"}, None, "nl"),
    ("SO-Language * turns off", {"SO-Language": "*", "Accept-Language": "de"}, None, None),
    ("SO-Language x turns off", {"SO-Language": "x", "Accept-Language": "de"}, None, None),
    ("Accept-Language *", {"Accept-Language": "*"}, None, None),
    ("Accept-Language x", {"Accept-Language": "x"}, None, None),
    ("* beats the default", {"SO-Language": "*"}, "de", None),
    ("seed sample fr,de,ru,zh", {"Accept-Language": "fr,de,ru,zh"}, None, "de"),
    ("highest q wins", {"Accept-Language": "de;q=0.5, sv;q=0.9"}, None, "sv"),
    ("no q means 1", {"Accept-Language": "nl;q=0.1, da"}, None, "da"),
    ("q=0 is refused", {"Accept-Language": "en;q=0, nl;q=0.2"}, None, "nl"),
    ("only q=0", {"Accept-Language": "en;q=0"}, None, None),
    ("same q keeps order", {"Accept-Language": "sv;q=0.8, de;q=0.8"}, None, "sv"),
    ("unknown ranked above known", {"Accept-Language": "fr;q=1, ja;q=0.9, de;q=0.3"}, None, "de"),
    ("browser style with *", {"Accept-Language": "de-DE,de;q=0.9,*;q=0.5"}, None, "de"),
    ("region nb-NO", {"SO-Language": "nb-NO"}, None, "nb"),
    ("region lower nb-no", {"SO-Language": "nb-no"}, None, "nb"),
    ("region en-US", {"Accept-Language": "en-US"}, None, "en"),
    ("SuperOffice sample en-us; en-gb", {"Accept-Language": "en-us; en-gb"}, None, "en"),
    ("no means nb", {"SO-Language": "no"}, None, "nb"),
    ("nn means nb", {"Accept-Language": "nn-NO"}, None, "nb"),
    ("upper-case code", {"SO-Language": "DE"}, None, "de"),
    ("empty SO-Language ignored", {"SO-Language": " ", "Accept-Language": "sv"}, None, "sv"),
    ("unknown only, no default", {"Accept-Language": "fr, ru"}, None, None),
    ("unknown only, default", {"Accept-Language": "fr, ru"}, "nl", "nl"),
    ("unknown SO-Language, no default", {"SO-Language": "fr"}, None, None),
    ("unknown SO-Language, default", {"SO-Language": "fr"}, "da", "da"),
    # SO-Language overrides Accept-Language as a whole: naming a language sochat lacks gives the default,
    # not Accept-Language's choice.
    ("unknown SO-Language, Accept-Language known", {"SO-Language": "fr", "Accept-Language": "sv"}, None, None),
    ("unknown SO-Language, both", {"SO-Language": "fr", "Accept-Language": "sv"}, "de", "de"),
    ("default does not beat a known header", {"Accept-Language": "sv"}, "de", "sv"),
]


def _session() -> dict[str, Any]:
    return {
        "ChatSessionId": 0,
        "CustomerName": MULTI_NAME,
        "FirstMessage": FIRST_MESSAGE,
        "LastMessage": LAST_MESSAGE,
        "CustomerCompanyName": "Plain text: no references",
        "Status": "Closed",
    }


def _assert_language(answer: dict[str, Any], code: str | None) -> None:
    if code is None:
        assert answer["CustomerName"] == MULTI_NAME
        assert answer["FirstMessage"] == FIRST_MESSAGE
        assert answer["LastMessage"] == LAST_MESSAGE
        assert answer["FieldProperties"]["ChatSessionId"]["FieldRight"]["Reason"] == "[SR_SOCHAT_SERVER_ASSIGNED]"
    else:
        texts = EXPECTED[code]
        assert answer["CustomerName"] == texts["name"]
        assert answer["FirstMessage"] == f"Status: {texts['closed']} ([SR_SOCHAT_NOT_A_RESOURCE])"
        assert answer["LastMessage"] == f"{texts['yes']} / {texts['no']}"
        assert answer["FieldProperties"]["ChatSessionId"]["FieldRight"]["Reason"] == texts["reason"]
    assert answer["CustomerCompanyName"] == "Plain text: no references"
    assert answer["Status"] == "Closed"  # enum names are names, never translated


@pytest.mark.parametrize(
    ("headers", "default", "expected"),
    [pytest.param(h, d, e, id=name) for name, h, d, e in PRECEDENCE],
)
async def test_header_precedence(open_api, headers, default, expected):
    """Each combination of SO-Language, Accept-Language and default picks the language in the table."""
    async with open_api(default_language=default) as api:
        chat_session_id = (await api.save_ok(_session()))["ChatSessionId"]
        response = await api.get(chat_session_id, headers=headers)
        assert response.status_code == 200, response.text
        _assert_language(response.json(), expected)
        assert response.headers.get("content-language") == expected


async def test_default_language_not_used_without_any_language_header(open_api):
    """With default_language set, a request without SO-Language and Accept-Language still gets raw texts."""
    async with open_api(default_language="de") as api:
        chat_session_id = (await api.save_ok(_session()))["ChatSessionId"]
        response = await api.get(chat_session_id)
        assert response.status_code == 200, response.text
        _assert_language(response.json(), None)
        assert "content-language" not in response.headers


@pytest.mark.parametrize("header", ["SO-Language", "Accept-Language"])
@pytest.mark.parametrize("code", sorted(EXPECTED))
async def test_every_language_resolves_references_and_multi_language_values(api, code, header):
    """en, nb, sv, da, de, nl each resolve the multi-language name, the references and rights reasons."""
    chat_session_id = (await api.save_ok(_session()))["ChatSessionId"]
    response = await api.get(chat_session_id, headers={header: code})
    assert response.status_code == 200, response.text
    _assert_language(response.json(), code)
    assert response.headers["content-language"] == code


@pytest.mark.parametrize("code", sorted(EXPECTED))
async def test_save_answer_is_resolved_but_the_stored_value_stays_raw(api, code):
    """Saving with a language answers resolved texts; the database keeps the multi-language value as sent."""
    answer = await api.save_ok(_session(), headers={"SO-Language": code})
    _assert_language(answer, code)
    _assert_language(await api.get_ok(answer["ChatSessionId"]), None)
    _assert_language(await api.get_ok(answer["ChatSessionId"], headers={"SO-Language": "*"}), None)


async def test_no_language_answers_raw_text_on_every_route(api):
    """Without a language header, Save, Get, the REST resource and the list answer texts exactly as stored."""
    saved = await api.save_ok(_session())
    _assert_language(saved, None)
    _assert_language(await api.get_ok(saved["ChatSessionId"]), None)
    rest = await api.client.get(f"/api/v1/ChatSession/{saved['ChatSessionId']}", headers={"Authorization": AUTH})
    assert rest.status_code == 200, rest.text
    _assert_language(rest.json(), None)
    listed = await api.list({"$select": "customerName,firstMessage"})
    assert listed.status_code == 200, listed.text
    [row] = listed.json()["value"]
    assert (row["customerName"], row["firstMessage"]) == (MULTI_NAME, FIRST_MESSAGE)
    assert all("content-language" not in r.headers for r in (rest, listed))


async def test_language_applies_to_rest_list_and_xml_answers(api):
    """The REST resource, the OData list and XML answers are resolved too."""
    chat_session_id = (await api.save_ok(_session()))["ChatSessionId"]
    rest = await api.client.get(
        f"/api/v1/ChatSession/{chat_session_id}", headers={"Authorization": AUTH, "SO-Language": "de"}
    )
    assert rest.status_code == 200, rest.text
    _assert_language(rest.json(), "de")

    listed = await api.list({"$select": "customerName,firstMessage"}, headers={"Accept-Language": "sv"})
    assert listed.status_code == 200, listed.text
    [row] = listed.json()["value"]
    assert row["customerName"] == "Hallå"
    assert row["firstMessage"] == "Status: Stängd ([SR_SOCHAT_NOT_A_RESOURCE])"

    as_xml = await api.get(chat_session_id, headers={"SO-Language": "nb", "Accept": "application/xml"})
    assert as_xml.status_code == 200, as_xml.text
    root = etree.fromstring(as_xml.content)
    assert root.findtext("CustomerName") == "Hei"
    assert root.findtext("FirstMessage") == "Status: Lukket ([SR_SOCHAT_NOT_A_RESOURCE])"
    assert "Tildeles av serveren" in as_xml.text
    assert "[SR_SOCHAT_SERVER_ASSIGNED]" not in as_xml.text


@pytest.mark.parametrize(
    ("stored", "code", "expected"),
    [
        pytest.param('NO:"Hei";GE:"Hallo"', "sv", "Hei", id="language missing: first entry"),
        pytest.param('GB:"Colour";US:"Color"', "en", "Color", id="en prefers US over GB"),
        pytest.param('GB:"Colour";NO:"Farge"', "en", "Colour", id="en falls back to GB"),
        pytest.param('NO:"Hei" ; US:"Hi" ;', "en", "Hi", id="spaces and a trailing semicolon"),
        pytest.param(r'US:"say \"hi\"";NO:"si \"hei\""', "nb", 'si "hei"', id="escaped quotes"),
        pytest.param('US:"[SR_SOCHAT_YES] sir";NO:"[SR_SOCHAT_YES] herr"', "nb", "Ja herr", id="reference inside"),
        pytest.param('Note: US:"x"', "en", 'Note: US:"x"', id="not entirely a multi-language value"),
        pytest.param("[SR_SOCHAT_UNKNOWN_THING]", "de", "[SR_SOCHAT_UNKNOWN_THING]", id="unknown reference"),
        pytest.param("[sr_sochat_yes]", "de", "[sr_sochat_yes]", id="references are upper-case"),
        pytest.param("[SR_SOCHAT_YES][SR_SOCHAT_NO]", "nl", "JaNee", id="two references"),
    ],
)
async def test_multi_language_and_reference_rules(api, stored, code, expected):
    """Fallbacks, spacing, escapes, references inside values, and unknown references left unchanged."""
    chat_session_id = (await api.save_ok({"ChatSessionId": 0, "CustomerCompanyName": stored}))["ChatSessionId"]
    assert (await api.get_ok(chat_session_id, headers={"SO-Language": code}))["CustomerCompanyName"] == expected
    assert (await api.get_ok(chat_session_id))["CustomerCompanyName"] == stored


def test_every_language_file_translates_every_reference():
    """The six resource files hold the same references, each with a non-empty text."""
    texts = {
        code: json.loads(resources.files("sochat.i18n").joinpath("resources", f"{code}.json").read_text("utf-8"))
        for code in EXPECTED
    }
    english = set(texts["en"])
    assert {"SR_SOCHAT_SERVER_ASSIGNED", "SR_SOCHAT_YES", "SR_SOCHAT_NO", "SR_SOCHAT_STATUS_CLOSED"} <= english
    for code, table in texts.items():
        assert set(table) == english, code
        assert all(isinstance(value, str) and value.strip() for value in table.values()), code
    # Languages differ from English where the words do (not a copy of en.json).
    for code in ("nb", "sv", "da", "de", "nl"):
        assert texts[code]["SR_SOCHAT_SERVER_ASSIGNED"] != texts["en"]["SR_SOCHAT_SERVER_ASSIGNED"], code
