"""SO-TimeZone values: SuperOffice's zone codes and numeric ids, or IANA names, to tz database zones.

SuperOffice names zones by country (``NO``) or country-region (``US-NY``) and by numeric id (261 is NO);
the ids below are the ones its documentation shows. IANA names (``Europe/Oslo``) are accepted as well, but
only names the tz database lists: a header value never reaches the file system as a path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, tzinfo
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# SuperOffice code -> IANA zone.
CODES: dict[str, str] = {
    "UTC": "UTC",
    "NO": "Europe/Oslo",
    "SE": "Europe/Stockholm",
    "DK": "Europe/Copenhagen",
    "FI": "Europe/Helsinki",
    "DE": "Europe/Berlin",
    "NL": "Europe/Amsterdam",
    "BE": "Europe/Brussels",
    "FR": "Europe/Paris",
    "GB": "Europe/London",
    "IE": "Europe/Dublin",
    "ES": "Europe/Madrid",
    "IT": "Europe/Rome",
    "PL": "Europe/Warsaw",
    "CH": "Europe/Zurich",
    "AT": "Europe/Vienna",
    "BD": "Asia/Dhaka",
    "IN": "Asia/Kolkata",
    "JP": "Asia/Tokyo",
    "US-NY": "America/New_York",
    "US-CA": "America/Los_Angeles",
    "US-HI": "Pacific/Honolulu",
    "US-IL": "America/Chicago",
    "US-CO": "America/Denver",
    "US-AZ": "America/Phoenix",
    "CA-QC": "America/Toronto",
    "CA-ON": "America/Toronto",
    "CA-BC": "America/Vancouver",
    "AU-ACT": "Australia/Sydney",
    "AU-NSW": "Australia/Sydney",
    "AU-VIC": "Australia/Melbourne",
    "AU-QLD": "Australia/Brisbane",
    "AU-WA": "Australia/Perth",
    "NZ": "Pacific/Auckland",
}
# SuperOffice's numeric ids (from its time-zone list) -> code.
NUMERIC_IDS: dict[int, str] = {
    1: "UTC",
    36: "AU-ACT",
    50: "BD",
    114: "CA-QC",
    140: "DK",
    156: "FR",
    261: "NO",
    425: "US-CA",
    433: "US-HI",
    460: "US-NY",
}


# Longer than any IANA name (the longest is 32 characters) or SuperOffice code, with the option.
_MAX_VALUE_LENGTH = 100


class UnknownTimeZone(ValueError):
    """The SO-TimeZone value names no zone we know."""


@dataclass(frozen=True, slots=True)
class TimeZoneChoice:
    zone: tzinfo
    name: str  # as echoed back: the SuperOffice code or IANA name the client used
    include_offset: bool  # ", includeTZOffset" was given


@lru_cache(maxsize=512)
def parse_time_zone(value: str) -> TimeZoneChoice:
    """Read an SO-TimeZone header: ``NO``, ``261``, ``US-NY, includeTZOffset`` or ``Europe/Oslo``."""
    if len(value) > _MAX_VALUE_LENGTH:
        raise UnknownTimeZone(f"the value is {len(value)} characters; a time zone is at most {_MAX_VALUE_LENGTH}")
    name, _, option = value.partition(",")
    name = name.strip()
    include_offset = option.strip().lower() == "includetzoffset"
    if option.strip() and not include_offset:
        raise UnknownTimeZone(f"unknown SO-TimeZone option '{option.strip()[:40]}' (only includeTZOffset)")
    code = NUMERIC_IDS.get(int(name)) if name.isascii() and name.isdigit() and len(name) < 6 else name.upper()
    if code is None:
        raise UnknownTimeZone(f"unknown time zone id '{name[:40]}'")
    if code in ("UTC", "Z", "GMT"):
        return TimeZoneChoice(UTC, "UTC", include_offset)
    iana = CODES.get(code)
    if iana is None and name not in known_zone_names():
        raise UnknownTimeZone(
            f"unknown time zone '{name[:64]}' (use a SuperOffice code like NO or US-NY, "
            "a numeric id like 261, or an IANA name like Europe/Oslo)"
        )
    try:
        return TimeZoneChoice(ZoneInfo(iana or name), code if iana else name, include_offset)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # a listed zone whose file is missing or broken
        raise UnknownTimeZone(f"the time zone '{name[:64]}' cannot be loaded on this server") from None


@cache
def known_zone_names() -> frozenset[str]:
    """Every IANA zone name of the tz database here (the system's and the tzdata package's), read once.

    SO-TimeZone is looked up in this set, never opened as a file: ZoneInfo would treat an unknown name as a
    path below its folders (a folder name, a name too long for the file system are OSErrors there)."""
    return frozenset(available_timezones())
