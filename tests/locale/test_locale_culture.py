"""Issue 6: SO-Culture formats numbers and dates where sochat writes them as text (the list's $output=Display),
defaults to the language, is ignored without a language, and never changes JSON numbers or ISO dates."""

from __future__ import annotations

import pytest
from locale_support import error_message

pytestmark = pytest.mark.anyio

SESSION = {
    "ChatSessionId": 0,
    "Rank": 1234567,
    "AlertLevel": -9876543,
    "WhenRequested": "2026-03-29T01:30:00Z",
    "CustomerConsented": True,
    "ChatbotIsActive": False,
    "CustomerName": 'US:"Hello";GE:"Hallo"',
}
SELECT = "rank,alertLevel,whenRequested,customerConsented,chatbotIsActive,customerName"
DISPLAY = {"$select": SELECT, "$output": "Display"}


def _spaces(text: str) -> str:
    """CLDR groups some numbers with no-break spaces; compare them as plain spaces."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


async def _display_row(api, headers):
    await api.save_ok(SESSION)
    response = await api.list(DISPLAY, headers=headers)
    assert response.status_code == 200, response.text
    [row] = response.json()["value"]
    return response, {name: _spaces(value) if isinstance(value, str) else value for name, value in row.items()}


@pytest.mark.parametrize(
    ("headers", "culture", "expected"),
    [
        pytest.param(
            {"SO-Language": "de"},
            "de",
            ("1.234.567", "-9.876.543", "29.03.26, 01:30", "Ja", "Nein", "Hallo"),
            id="de",
        ),
        pytest.param(
            {"SO-Language": "en"},
            "en",
            ("1,234,567", "-9,876,543", "3/29/26, 1:30 AM", "Yes", "No", "Hello"),
            id="en",
        ),
        pytest.param(
            {"SO-Language": "nb"},
            "nb",
            ("1 234 567", "-9 876 543", "29.03.2026, 01:30", "Ja", "Nei", "Hello"),
            id="nb",
        ),
        pytest.param(
            {"Accept-Language": "nl"},
            "nl",
            ("1.234.567", "-9.876.543", "29-03-2026, 01:30", "Ja", "Nee", "Hello"),
            id="nl from Accept-Language",
        ),
        pytest.param(
            {"SO-Language": "en", "SO-Culture": "de"},
            "de",
            ("1.234.567", "-9.876.543", "29.03.26, 01:30", "Yes", "No", "Hello"),
            id="culture de, language en",
        ),
        pytest.param(
            {"SO-Language": "nb", "SO-Culture": "en-US"},
            "en-US",
            ("1,234,567", "-9,876,543", "3/29/26, 1:30 AM", "Ja", "Nei", "Hello"),
            id="culture en-US, language nb",
        ),
        pytest.param(
            {"SO-Language": "de", "SO-Culture": "en_GB"},
            "en-GB",
            ("1,234,567", "-9,876,543", "29/03/2026, 01:30", "Ja", "Nein", "Hallo"),
            id="culture en_GB",
        ),
        pytest.param(
            {"SO-Language": "de", "SO-TimeZone": "NO"},
            "de",
            ("1.234.567", "-9.876.543", "29.03.26, 03:30", "Ja", "Nein", "Hallo"),
            id="de in Oslo time",
        ),
        pytest.param(
            {"SO-Language": "en", "SO-Culture": "en-US", "SO-TimeZone": "460"},
            "en-US",
            ("1,234,567", "-9,876,543", "3/28/26, 9:30 PM", "Yes", "No", "Hello"),
            id="en-US in New York time",
        ),
    ],
)
async def test_display_output_follows_the_culture(api, headers, culture, expected):
    """Numbers, dates and yes/no in $output=Display are written in the culture and language asked for."""
    response, row = await _display_row(api, headers)
    rank, alert, when, consented, chatbot, name = expected
    assert row["rank"] == rank
    assert row["alertLevel"] == alert
    assert row["whenRequested"] == when
    assert (row["customerConsented"], row["chatbotIsActive"]) == (consented, chatbot)
    assert row["customerName"] == name
    assert response.headers["so-culture"] == culture


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"SO-Culture": "de"}, id="culture only"),
        pytest.param({"SO-Culture": "de", "SO-Language": "*"}, id="language off"),
        pytest.param({"SO-Culture": "de", "Accept-Language": "x"}, id="Accept-Language x"),
        pytest.param({"SO-Culture": "xx-NOPE"}, id="unknown culture without language"),
    ],
)
async def test_culture_is_ignored_without_a_language(api, headers):
    """Without a language, display values are culture-neutral, references stay raw and no culture is echoed."""
    response, row = await _display_row(api, headers)
    assert row["rank"] == "1234567"
    assert row["alertLevel"] == "-9876543"
    assert row["whenRequested"] == "2026-03-29T01:30:00.0000000+00:00"
    assert (row["customerConsented"], row["chatbotIsActive"]) == ("[SR_SOCHAT_YES]", "[SR_SOCHAT_NO]")
    assert row["customerName"] == SESSION["CustomerName"]
    assert "so-culture" not in response.headers
    assert "content-language" not in response.headers


async def test_culture_never_changes_json_numbers_or_iso_dates(api):
    """Outside display text, numbers stay JSON numbers and dates stay ISO 8601 whatever the culture."""
    headers = {"SO-Language": "de", "SO-Culture": "de"}
    saved = await api.save_ok(SESSION, headers=headers)
    got = await api.get_ok(saved["ChatSessionId"], headers=headers)
    for answer in (saved, got):
        assert answer["Rank"] == 1234567
        assert answer["AlertLevel"] == -9876543
        assert answer["WhenRequested"] == "2026-03-29T01:30:00.0000000+00:00"
        assert answer["CustomerConsented"] is True
    for output in (None, "Logical"):
        params = {"$select": SELECT} if output is None else {"$select": SELECT, "$output": output}
        listed = await api.list(params, headers=headers)
        assert listed.status_code == 200, listed.text
        [row] = listed.json()["value"]
        assert row["rank"] == 1234567
        assert row["alertLevel"] == -9876543
        assert row["whenRequested"] == "2026-03-29T01:30:00.0000000+00:00"
        assert row["customerConsented"] is True


@pytest.mark.parametrize("culture", ["xx-NOPE", "klingon", "de-!!"])
async def test_unknown_culture_with_a_language_is_400(api, culture):
    """An SO-Culture CLDR does not know is a 400 naming it, on the list and on a save (nothing stored)."""
    listed = await api.list(DISPLAY, headers={"SO-Language": "en", "SO-Culture": culture})
    message = error_message(listed, 400)
    assert culture in message
    assert "SO-Culture" in message
    before = api.row_count()
    saved = await api.save(SESSION, headers={"Accept-Language": "de", "SO-Culture": culture})
    assert culture in error_message(saved, 400)
    assert api.row_count() == before
