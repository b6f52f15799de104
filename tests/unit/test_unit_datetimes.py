"""Unit tests for sochat.domain.datetimes: ISO 8601 in, .NET ticks inside, seven-digit ISO 8601 out."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sochat.domain.datetimes import MAX_TICKS, UNSET_TEXT, DateTimeFormatError, format_ticks, parse

OSLO = ZoneInfo("Europe/Oslo")
NEW_YORK = ZoneInfo("America/New_York")
# Whole-hour, half-hour and 45-minute offsets, DST in both hemispheres, +14:00, and a 30-minute DST shift.
ZONES = [
    UTC,
    OSLO,
    NEW_YORK,
    ZoneInfo("Asia/Kolkata"),
    ZoneInfo("America/St_Johns"),
    ZoneInfo("Pacific/Chatham"),
    ZoneInfo("Australia/Lord_Howe"),
    ZoneInfo("Pacific/Kiritimati"),
    ZoneInfo("Europe/Dublin"),
]
EPOCH = datetime(1, 1, 1, tzinfo=UTC)
SEED_DATE = "2002-08-11T10:10:59.0850049+02:00"
FORMATTED = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}[+-]\d{2}:\d{2}")


def ticks_of(value: datetime, extra_ticks: int = 0) -> int:
    """Ticks of an aware datetime, computed independently of the module under test."""
    return (value - EPOCH) // timedelta(microseconds=1) * 10 + extra_ticks


BASE = datetime(2024, 3, 5, 6, 7, 8, tzinfo=UTC)


@pytest.mark.parametrize("digits", range(8))
def test_parse_accepts_zero_to_seven_fraction_digits(digits: int) -> None:
    """0 to 7 fractional digits are read exactly, right-padded to 100 ns ticks."""
    fraction = "9876543"[:digits]
    text = "2024-03-05T06:07:08" + (f".{fraction}" if digits else "") + "Z"
    expected_extra = int(fraction.ljust(7, "0")) if digits else 0
    assert parse(text, UTC) == ticks_of(BASE, expected_extra)


def test_parse_refuses_eight_fraction_digits() -> None:
    """More than seven fractional digits (below .NET's tick) is refused, not rounded."""
    with pytest.raises(DateTimeFormatError):
        parse("2024-03-05T06:07:08.12345678Z", UTC)


def test_parse_keeps_seeds_seventh_digit() -> None:
    """The seed's '2002-08-11T10:10:59.0850049+02:00' keeps its seventh fractional digit."""
    expected = ticks_of(datetime(2002, 8, 11, 8, 10, 59, 85004, tzinfo=UTC), 9)
    parsed = parse(SEED_DATE, UTC)
    assert parsed == expected
    assert parsed % 10 == 9


@pytest.mark.parametrize(
    ("designator", "offset"),
    [
        ("Z", timedelta(0)),
        ("z", timedelta(0)),
        ("+00:00", timedelta(0)),
        ("+02:00", timedelta(hours=2)),
        ("+0200", timedelta(hours=2)),
        ("+02", timedelta(hours=2)),
        ("-05:30", -timedelta(hours=5, minutes=30)),
        ("-0530", -timedelta(hours=5, minutes=30)),
        ("-05", -timedelta(hours=5)),
        ("+14:00", timedelta(hours=14)),
        ("-14:00", -timedelta(hours=14)),
        ("+05:45", timedelta(hours=5, minutes=45)),
    ],
)
def test_parse_reads_offset_designators(designator: str, offset: timedelta) -> None:
    """'Z', '+hh:mm', '+hhmm' and '+hh' give the instant local time minus offset."""
    local = datetime(2024, 3, 5, 6, 7, 8)
    expected = ticks_of(local.replace(tzinfo=UTC) - offset, 1234567)
    assert parse(f"2024-03-05T06:07:08.1234567{designator}", OSLO) == expected


def test_parse_offset_wins_over_zone() -> None:
    """An explicit offset is used as given; the zone only applies to texts without one."""
    assert parse("2024-07-01T12:00:00+00:00", OSLO) == parse("2024-07-01T12:00:00Z", NEW_YORK)


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2024-01-15T12:00:00", datetime(2024, 1, 15, 11, 0, tzinfo=UTC)),  # CET +01:00
        ("2024-07-15T12:00:00", datetime(2024, 7, 15, 10, 0, tzinfo=UTC)),  # CEST +02:00
        ("2024-03-31T01:59:59", datetime(2024, 3, 31, 0, 59, 59, tzinfo=UTC)),  # last second of winter time
        ("2024-03-31T03:00:00", datetime(2024, 3, 31, 1, 0, 0, tzinfo=UTC)),  # first second of summer time
        ("2024-10-27T03:00:00", datetime(2024, 10, 27, 2, 0, 0, tzinfo=UTC)),  # back on winter time
        ("2024-01-15", datetime(2024, 1, 14, 23, 0, tzinfo=UTC)),  # date only: local midnight
        ("2024-01-15T12:00", datetime(2024, 1, 15, 11, 0, tzinfo=UTC)),  # no seconds
    ],
)
def test_parse_without_designator_reads_in_zone(text: str, utc: datetime) -> None:
    """A text without offset is local time in the given zone, with that date's DST offset."""
    assert parse(text, OSLO) == ticks_of(utc)


def test_parse_without_designator_across_spring_dst_change_is_one_second_apart() -> None:
    """Oslo's 01:59:59 and 03:00:00 on 2024-03-31 are one real second apart (02:xx is skipped)."""
    before = parse("2024-03-31T01:59:59", OSLO)
    after = parse("2024-03-31T03:00:00", OSLO)
    assert before is not None
    assert after is not None
    assert after - before == 10_000_000


@settings(max_examples=200, deadline=None)
@given(
    local=st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 12, 31)),
    zone=st.sampled_from(ZONES),
)
def test_parse_without_designator_agrees_with_zoneinfo(local: datetime, zone: ZoneInfo) -> None:
    """For any naive local time, the instant matches Python's zoneinfo reading of it (fold=0)."""
    text = local.isoformat(timespec="microseconds")
    # hypothesis also generates fold=1 datetimes; the text carries no fold, and sochat reads it as fold=0.
    assert parse(text, zone) == ticks_of(local.replace(tzinfo=zone, fold=0))


@pytest.mark.parametrize("text", ["", "   ", UNSET_TEXT, "0001-01-01T00:00:00.000Z", "0001-01-01T00:00:00.0000000"])
@pytest.mark.parametrize("zone", [UTC, OSLO, NEW_YORK])
def test_parse_unset_values_give_none(text: str, zone: ZoneInfo) -> None:
    """Empty text and .NET's DateTime.MinValue spellings mean 'unset' in every zone."""
    assert parse(text, zone) is None


@pytest.mark.parametrize(
    "text",
    [
        "not a date",
        "2024",
        "24-03-05T06:07:08Z",
        "2024-3-5T06:07:08Z",
        "2024-13-01T00:00:00Z",
        "2024-02-30T00:00:00Z",
        "2023-02-29T00:00:00Z",
        "2024-01-01T24:00:00Z",
        "2024-01-01T23:60:00Z",
        "2024-01-01T23:59:60Z",
        "2024-01-01T10Z",
        "2024-01-01T10:00:00.Z",
        "2024-01-01T10:00:00+1:00",
        "2024-01-01T10:00:00+01:0",
        "2024-01-01T10:00:00+15:00",
        "2024-01-01T10:00:00-15:00",
        "2024-01-01T10:00:00+01:60",
        "2024-01-01T10:00:00 UTC",
        "2024-01-01T10:00:00ZZ",
        "0000-12-31T23:59:59Z",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59.9999999-01:00",
    ],
)
def test_parse_refuses_invalid_text(text: str) -> None:
    """Malformed, impossible or out-of-range date-times raise DateTimeFormatError."""
    with pytest.raises(DateTimeFormatError):
        parse(text, UTC)


@pytest.mark.parametrize("designator", ["+14:01", "-14:30", "+14:59", "-1459"])
def test_parse_refuses_offsets_beyond_fourteen_hours(designator: str) -> None:
    """Offsets past +/-14:00 are refused, as the error message's range says (not just hours > 14)."""
    with pytest.raises(DateTimeFormatError):
        parse(f"2024-01-01T10:00:00{designator}", UTC)


@pytest.mark.parametrize(
    "text",
    [
        "\uff12\uff10\uff12\uff14-01-01T00:00:00Z",  # full-width digits
        "2024-01-01T00:00:00.\u0661\u0662\u0663Z",  # Arabic-Indic digits in the fraction
        "2024-01-01T00:00:00+\u0660\u0662:00",  # Arabic-Indic digits in the offset
    ],
)
def test_parse_refuses_non_ascii_digits(text: str) -> None:
    """ISO 8601 digits are ASCII 0-9; other Unicode decimal digits are refused."""
    with pytest.raises(DateTimeFormatError):
        parse(text, UTC)


def test_format_error_is_a_value_error_quoting_the_text() -> None:
    """DateTimeFormatError is a ValueError whose message quotes the offending text."""
    with pytest.raises(ValueError, match="2024-99-01"):
        parse("2024-99-01T00:00:00Z", UTC)


@pytest.mark.parametrize("ticks", [None, 0])
def test_format_unset_is_dotnet_min_value(ticks: int | None) -> None:
    """None and 0 are written as .NET's DateTime.MinValue without fraction or offset."""
    assert format_ticks(ticks, OSLO) == "0001-01-01T00:00:00"


def test_format_seed_date_in_oslo_and_utc() -> None:
    """The seed's date is written back with seven digits and the zone's offset for that date."""
    ticks = parse(SEED_DATE, UTC)
    assert format_ticks(ticks, OSLO) == SEED_DATE
    assert format_ticks(ticks, UTC) == "2002-08-11T08:10:59.0850049+00:00"
    assert format_ticks(ticks, NEW_YORK) == "2002-08-11T04:10:59.0850049-04:00"


def test_format_uses_winter_offset_in_winter() -> None:
    """A January instant is written with Oslo's +01:00 and whole seconds still get 7 zero digits."""
    ticks = ticks_of(datetime(2024, 1, 15, 11, 0, tzinfo=UTC))
    assert format_ticks(ticks, OSLO) == "2024-01-15T12:00:00.0000000+01:00"


def test_format_extremes_fit_the_calendar() -> None:
    """The first and last ticks are written even where the zone would leave years 1..9999."""
    first = format_ticks(1, NEW_YORK)
    last = format_ticks(MAX_TICKS, OSLO)
    assert FORMATTED.fullmatch(first)
    assert FORMATTED.fullmatch(last)
    assert parse(first, NEW_YORK) == 1
    assert parse(last, OSLO) == MAX_TICKS


@settings(max_examples=300, deadline=None)
@given(ticks=st.integers(min_value=1, max_value=MAX_TICKS), zone=st.sampled_from(ZONES))
def test_format_always_has_seven_digits_and_offset(ticks: int, zone: ZoneInfo) -> None:
    """Every set value is written yyyy-MM-ddTHH:mm:ss.fffffff+hh:mm and keeps its last tick digit."""
    text = format_ticks(ticks, zone)
    assert FORMATTED.fullmatch(text), text
    assert text[26] == str(ticks % 10)


@settings(max_examples=500, deadline=None)
@given(ticks=st.integers(min_value=1, max_value=MAX_TICKS), zone=st.sampled_from(ZONES))
@example(ticks=1, zone=UTC)
@example(ticks=MAX_TICKS, zone=UTC)
@example(ticks=1, zone=NEW_YORK)
@example(ticks=MAX_TICKS, zone=OSLO)
@example(ticks=ticks_of(datetime(2024, 3, 31, 1, 0, tzinfo=UTC)), zone=OSLO)
@example(ticks=ticks_of(datetime(2024, 10, 27, 0, 30, tzinfo=UTC)), zone=OSLO)
@example(ticks=ticks_of(datetime(2024, 10, 27, 1, 30, tzinfo=UTC)), zone=OSLO)
@example(ticks=ticks_of(datetime(1800, 6, 1, 12, 0, tzinfo=UTC)), zone=NEW_YORK)
def test_format_then_parse_round_trips(ticks: int, zone: ZoneInfo) -> None:
    """For any instant and zone, parse(format_ticks(t, zone), zone) == t, to the 100 ns tick."""
    assert parse(format_ticks(ticks, zone), zone) == ticks


def test_format_round_trips_local_mean_time_with_seconds_offset() -> None:
    """1800 in New York (LMT -04:56:02, not whole minutes) still round-trips to the same instant."""
    ticks = ticks_of(datetime(1800, 6, 1, 12, 0, tzinfo=UTC))
    assert parse(format_ticks(ticks, NEW_YORK), NEW_YORK) == ticks
