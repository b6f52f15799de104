"""The request's time zone (and later language and culture) from SuperOffice's headers.

SO-TimeZone takes IANA names here (``Europe/Oslo``) and ``UTC``; SuperOffice's own zone codes come
with the locale issue. Without the header, dates are answered in the server's base zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sochat.domain.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class RequestLocale:
    zone: tzinfo


@lru_cache(maxsize=256)
def zone_named(name: str) -> tzinfo:
    """A time zone by IANA name or UTC; InvalidInput naming it when unknown."""
    clean = name.split(",", 1)[0].strip()  # SuperOffice allows a ", includeTZOffset" suffix
    if clean.upper() in ("UTC", "Z", "GMT"):
        return UTC
    try:
        return ZoneInfo(clean)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"SO-TimeZone: unknown time zone '{clean[:64]}'", property_name="SO-TimeZone") from None


def request_locale(headers: dict[str, str], base_zone: tzinfo) -> RequestLocale:
    name = headers.get("so-timezone")
    return RequestLocale(zone_named(name) if name and name.strip() else base_zone)
