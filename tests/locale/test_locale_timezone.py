"""Issue 6: SO-TimeZone converts every date-time in answers, with the right offset on both sides of the 2026
daylight-saving changes in Europe/Oslo and America/New_York, and reads offset-less input in that zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from locale_support import AUTH, error_message

pytestmark = pytest.mark.anyio

OSLO = ("NO", "261", "Europe/Oslo")
NEW_YORK = ("US-NY", "460", "America/New_York")

# UTC instants on each side of a change, and how each zone writes them.
# Oslo: 2026-03-29 01:00Z clocks go 02:00 -> 03:00 (+01 -> +02); 2026-10-25 01:00Z 03:00 -> 02:00 (+02 -> +01).
# New York: 2026-03-08 07:00Z 02:00 -> 03:00 (-05 -> -04); 2026-11-01 06:00Z 02:00 -> 01:00 (-04 -> -05).
AROUND_OSLO = {
    "WhenRequested": ("2026-03-29T00:59:59.9999999Z", "2026-03-29T01:59:59.9999999+01:00"),
    "WhenStarted": ("2026-03-29T01:00:00Z", "2026-03-29T03:00:00.0000000+02:00"),
    "WhenEnded": ("2026-10-25T00:59:59Z", "2026-10-25T02:59:59.0000000+02:00"),
    "WhenIdle": ("2026-10-25T01:00:00Z", "2026-10-25T02:00:00.0000000+01:00"),
    "WhenFetched": ("2026-07-01T12:00:00Z", "2026-07-01T14:00:00.0000000+02:00"),
}
AROUND_NEW_YORK = {
    "WhenRequested": ("2026-03-08T06:59:59Z", "2026-03-08T01:59:59.0000000-05:00"),
    "WhenStarted": ("2026-03-08T07:00:00.0000001Z", "2026-03-08T03:00:00.0000001-04:00"),
    "WhenEnded": ("2026-11-01T05:59:59Z", "2026-11-01T01:59:59.0000000-04:00"),
    "WhenIdle": ("2026-11-01T06:00:00Z", "2026-11-01T01:00:00.0000000-05:00"),
    "WhenFetched": ("2026-01-15T12:00:00Z", "2026-01-15T07:00:00.0000000-05:00"),
}


def _utc_text(iso_z: str) -> str:
    """``2026-03-29T01:00:00Z`` as sochat writes it in UTC (7 fractional digits, +00:00)."""
    stamp = iso_z.removesuffix("Z")
    whole, _, fraction = stamp.partition(".")
    return f"{whole}.{fraction.ljust(7, '0')}+00:00"


@pytest.mark.parametrize(
    ("spellings", "around"),
    [pytest.param(OSLO, AROUND_OSLO, id="Europe/Oslo"), pytest.param(NEW_YORK, AROUND_NEW_YORK, id="New_York")],
)
async def test_answers_carry_the_offset_on_each_side_of_both_changes(api, spellings, around):
    """Code, numeric id and IANA name each answer every date in the zone's offset at that instant."""
    saved = await api.save_ok({"ChatSessionId": 0, **{name: utc for name, (utc, _) in around.items()}})
    chat_session_id = saved["ChatSessionId"]
    for name, (utc, _) in around.items():
        assert saved[name] == _utc_text(utc), name  # no SO-TimeZone: the base zone, UTC
    for spelling in spellings:
        for response in (
            await api.get(chat_session_id, headers={"SO-TimeZone": spelling}),
            await api.client.get(
                f"/api/v1/ChatSession/{chat_session_id}", headers={"Authorization": AUTH, "SO-TimeZone": spelling}
            ),
        ):
            assert response.status_code == 200, response.text
            answer = response.json()
            assert {name: answer[name] for name in around} == {name: local for name, (_, local) in around.items()}
            assert response.headers["so-timezone"] == {"261": "NO", "460": "US-NY"}.get(spelling, spelling)
        listed = await api.list(
            {"$select": ",".join(name[0].lower() + name[1:] for name in around)}, headers={"SO-TimeZone": spelling}
        )
        assert listed.status_code == 200, listed.text
        [row] = listed.json()["value"]
        assert {name: row[name[0].lower() + name[1:]] for name in around} == {
            name: local for name, (_, local) in around.items()
        }


@pytest.mark.parametrize(
    ("header", "echo"),
    [
        ("NO", "NO"),
        ("no", "NO"),
        ("261", "NO"),
        ("Europe/Oslo", "Europe/Oslo"),
        ("US-NY", "US-NY"),
        ("460", "US-NY"),
        ("America/New_York", "America/New_York"),
        ("NO, includeTZOffset", "NO"),
        ("460,includeTZOffset", "US-NY"),
        ("UTC", "UTC"),
        ("1", "UTC"),
    ],
)
async def test_zone_spellings_are_echoed(api, header, echo):
    """SuperOffice codes, numeric ids, IANA names and ', includeTZOffset' are accepted and echoed."""
    response = await api.save(
        {"ChatSessionId": 0, "WhenRequested": "2026-06-01T12:00:00Z"}, headers={"SO-TimeZone": header}
    )
    assert response.status_code == 200, response.text
    assert response.headers["so-timezone"] == echo
    expected = {"NO": "14:00:00.0000000+02:00", "US-NY": "08:00:00.0000000-04:00", "UTC": "12:00:00.0000000+00:00"}
    echo_code = {"Europe/Oslo": "NO", "America/New_York": "US-NY"}.get(echo, echo)
    assert response.json()["WhenRequested"] == "2026-06-01T" + expected[echo_code]


@pytest.mark.parametrize(
    ("zone", "local", "answered", "utc"),
    [
        # Oslo, spring: 02:00-03:00 does not exist on 2026-03-29.
        pytest.param("NO", "2026-03-29T01:59:59", "2026-03-29T01:59:59.0000000+01:00", "2026-03-29T00:59:59", id="O1"),
        pytest.param("NO", "2026-03-29T03:00:00", "2026-03-29T03:00:00.0000000+02:00", "2026-03-29T01:00:00", id="O2"),
        # In the skipped hour the pre-change offset (+01:00) is used: 02:30 is 01:30Z, written 03:30+02:00.
        pytest.param("NO", "2026-03-29T02:30:00", "2026-03-29T03:30:00.0000000+02:00", "2026-03-29T01:30:00", id="O3"),
        # Oslo, autumn: 02:00-03:00 happens twice on 2026-10-25; the first (+02:00) is used.
        pytest.param("NO", "2026-10-25T01:59:59", "2026-10-25T01:59:59.0000000+02:00", "2026-10-24T23:59:59", id="O4"),
        pytest.param(
            "261", "2026-10-25T02:30:00.1234567", "2026-10-25T02:30:00.1234567+02:00", "2026-10-25T00:30:00", id="O5"
        ),
        pytest.param("NO", "2026-10-25T03:00:00", "2026-10-25T03:00:00.0000000+01:00", "2026-10-25T02:00:00", id="O6"),
        # New York, spring: 02:00-03:00 does not exist on 2026-03-08; pre-change -05:00 is used.
        pytest.param(
            "US-NY", "2026-03-08T01:59:59", "2026-03-08T01:59:59.0000000-05:00", "2026-03-08T06:59:59", id="N1"
        ),
        pytest.param(
            "US-NY", "2026-03-08T02:30:00", "2026-03-08T03:30:00.0000000-04:00", "2026-03-08T07:30:00", id="N2"
        ),
        pytest.param("460", "2026-03-08T03:00:00", "2026-03-08T03:00:00.0000000-04:00", "2026-03-08T07:00:00", id="N3"),
        # New York, autumn: 01:00-02:00 happens twice on 2026-11-01; the first (-04:00) is used.
        pytest.param(
            "America/New_York",
            "2026-11-01T01:30:00",
            "2026-11-01T01:30:00.0000000-04:00",
            "2026-11-01T05:30:00",
            id="N4",
        ),
        pytest.param(
            "US-NY", "2026-11-01T02:00:00", "2026-11-01T02:00:00.0000000-05:00", "2026-11-01T07:00:00", id="N5"
        ),
    ],
)
async def test_offsetless_input_is_read_in_the_request_zone(api, zone, local, answered, utc):
    """A date-time without offset is local time in SO-TimeZone, including the skipped and repeated hours."""
    saved = await api.save_ok({"ChatSessionId": 0, "WhenRequested": local}, headers={"SO-TimeZone": zone})
    assert saved["WhenRequested"] == answered
    in_utc = await api.get_ok(saved["ChatSessionId"], headers={"SO-TimeZone": "UTC"})
    assert in_utc["WhenRequested"].startswith(utc + ".")
    assert in_utc["WhenRequested"].endswith("+00:00")


@pytest.mark.parametrize(
    ("sent", "answered"),
    [
        ("2026-10-25T02:30:00+01:00", "2026-10-25T02:30:00.0000000+01:00"),  # the repeated hour's second pass
        ("2026-10-25T02:30:00+0200", "2026-10-25T02:30:00.0000000+02:00"),
        ("2026-10-25T01:30:00Z", "2026-10-25T02:30:00.0000000+01:00"),
        ("2026-03-29T01:30:00Z", "2026-03-29T03:30:00.0000000+02:00"),
    ],
)
async def test_input_with_offset_ignores_the_request_zone_for_reading(api, sent, answered):
    """An explicit offset or Z names the instant; the zone only changes how the answer writes it."""
    saved = await api.save_ok({"ChatSessionId": 0, "WhenRequested": sent}, headers={"SO-TimeZone": "Europe/Oslo"})
    assert saved["WhenRequested"] == answered


async def test_base_zone_setting_applies_without_the_header(open_api):
    """With --timezone US-NY, answers and offset-less input use New York; SO-TimeZone still overrides it."""
    async with open_api(base_timezone="US-NY") as api:
        saved = await api.save({"ChatSessionId": 0, "WhenRequested": "2026-03-08T02:30:00"})
        assert saved.status_code == 200, saved.text
        assert saved.headers["so-timezone"] == "US-NY"
        assert saved.json()["WhenRequested"] == "2026-03-08T03:30:00.0000000-04:00"
        in_oslo = await api.get(saved.json()["ChatSessionId"], headers={"SO-TimeZone": "NO"})
        assert in_oslo.headers["so-timezone"] == "NO"
        assert in_oslo.json()["WhenRequested"] == "2026-03-08T08:30:00.0000000+01:00"


@pytest.mark.parametrize(
    ("header", "named"),
    [
        ("Mars/Olympus_Mons", "Mars/Olympus_Mons"),
        ("XX-YY", "XX-YY"),
        ("999", "999"),
        ("NO, includeEverything", "includeEverything"),
        ("Europe/Osloo", "Europe/Osloo"),
    ],
)
async def test_unknown_zone_is_400_naming_it(api, header, named):
    """An unknown SO-TimeZone is a 400 with SuperOffice's error body naming the value; nothing is stored."""
    before = api.row_count()
    saved = await api.save({"ChatSessionId": 0, "CustomerName": "never stored"}, headers={"SO-TimeZone": header})
    message = error_message(saved, 400)
    assert named in message
    assert "SO-TimeZone" in message
    assert api.row_count() == before
    listed = await api.list({}, headers={"SO-TimeZone": header})
    assert named in error_message(listed, 400)


async def test_echo_headers_on_every_route(api):
    """SO-TimeZone, Content-Language and SO-Culture are echoed on agent, REST and list answers."""
    headers = {"SO-TimeZone": "US-NY", "SO-Language": "nb", "SO-Culture": "de-DE"}
    saved = await api.save({"ChatSessionId": 0}, headers=headers)
    chat_session_id = saved.json()["ChatSessionId"]
    answers = [
        saved,
        await api.get(chat_session_id, headers=headers),
        await api.list({}, headers=headers),
        await api.client.get(f"/api/v1/ChatSession/{chat_session_id}", headers={"Authorization": AUTH, **headers}),
        await api.client.get("/api/v1/ChatSession/default", headers={"Authorization": AUTH, **headers}),
        await api.client.post(
            "/api/v1/Agents/Chat/CreateDefaultChatSessionEntity", headers={"Authorization": AUTH, **headers}
        ),
    ]
    for response in answers:
        assert response.status_code == 200, (response.request.url, response.text)
        assert response.headers["so-timezone"] == "US-NY"
        assert response.headers["content-language"] == "nb"
        assert response.headers["so-culture"] == "de-DE"
        vary = {part.strip().lower() for part in response.headers["vary"].split(",")}
        assert {"accept-language", "so-language", "so-culture", "so-timezone"} <= vary
    plain = await api.get(chat_session_id)
    assert plain.headers["so-timezone"] == "UTC"
    assert "content-language" not in plain.headers
    assert "so-culture" not in plain.headers


def _day_sessions(iana: str, day: date) -> dict[str, str]:
    """Four instants by local wall time: late the day before, early and late on ``day``, early the day after."""
    zone = ZoneInfo(iana)
    before, after = day - timedelta(days=1), day + timedelta(days=1)
    wall = {
        "late-before": datetime.combine(before, time(23, 30), zone),
        "early": datetime.combine(day, time(0, 30), zone),
        "late": datetime.combine(day, time(23, 30), zone),
        "early-after": datetime.combine(after, time(0, 30), zone),
    }
    return {name: moment.isoformat() for name, moment in wall.items()}


@pytest.mark.parametrize(
    ("header", "iana", "day"),
    [
        pytest.param("NO", "Europe/Oslo", date(2026, 7, 1), id="Oslo ordinary day"),
        pytest.param("NO", "Europe/Oslo", date(2026, 3, 29), id="Oslo spring 23 h"),
        pytest.param("NO", "Europe/Oslo", date(2026, 10, 25), id="Oslo autumn 25 h"),
        pytest.param("US-NY", "America/New_York", date(2026, 1, 15), id="New York ordinary day"),
        pytest.param("US-NY", "America/New_York", date(2026, 3, 8), id="New York spring 23 h"),
        pytest.param("US-NY", "America/New_York", date(2026, 11, 1), id="New York autumn 25 h"),
    ],
)
async def test_date_only_filter_means_the_whole_local_day(api, header, iana, day):
    """$filter whenRequested eq 'YYYY-MM-DD' in SO-TimeZone selects that local day, also on DST change days."""
    for name, moment in _day_sessions(iana, day).items():
        await api.save_ok({"ChatSessionId": 0, "CustomerName": name, "WhenRequested": moment})
    for expression in (f"whenRequested eq '{day}'", f"whenRequested dateBetween ('{day}', '{day}')"):
        listed = await api.list(
            {"$select": "customerName", "$filter": expression, "$orderby": "customerName"},
            headers={"SO-TimeZone": header},
        )
        assert listed.status_code == 200, listed.text
        assert [row["customerName"] for row in listed.json()["value"]] == ["early", "late"], expression
