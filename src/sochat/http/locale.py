"""The request's language, culture and time zone, from SuperOffice's headers, for every route.

- Language: SO-Language, else Accept-Language (q-values); ``*`` or ``x`` turns resolution off; a header
  naming only unknown languages falls back to the configured default (none: texts stay as stored).
- Culture: SO-Culture, else the language; used where sochat writes numbers or dates as text. Ignored
  when no language is chosen, as SuperOffice does.
- Time zone: SO-TimeZone (SuperOffice code, numeric id or IANA name); else the base zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, tzinfo

from sochat.domain.errors import InvalidInput
from sochat.i18n.cultures import UnknownCulture, parse_culture
from sochat.i18n.languages import NO_LANGUAGE, Language, choose
from sochat.i18n.zones import TimeZoneChoice, UnknownTimeZone, parse_time_zone


@dataclass(frozen=True, slots=True)
class RequestLocale:
    zone: tzinfo
    language: Language = NO_LANGUAGE
    culture: str | None = None  # Babel code, only when a language is chosen
    zone_name: str = "UTC"

    def response_headers(self) -> list[tuple[str, str]]:
        """What was chosen, echoed so a client can see how its headers were read."""
        headers = [("so-timezone", self.zone_name)]
        if self.language.code is not None:
            headers.append(("content-language", self.language.code))
        if self.culture is not None:
            headers.append(("so-culture", self.culture.replace("_", "-")))
        return headers


def zone_named(name: str) -> TimeZoneChoice:
    """A time zone by SuperOffice code, numeric id or IANA name; InvalidInput naming it when unknown."""
    try:
        return parse_time_zone(name)
    except UnknownTimeZone as exc:
        raise InvalidInput(f"SO-TimeZone: {exc}", property_name="SO-TimeZone") from None


def request_locale(headers: dict[str, str], base: TimeZoneChoice, default_language: str | None = None) -> RequestLocale:
    zone_header = headers.get("so-timezone")
    zone = zone_named(zone_header) if zone_header and zone_header.strip() else base
    language = choose(headers.get("so-language"), headers.get("accept-language"), default_language)
    culture = None
    if language.code is not None:
        culture_header = headers.get("so-culture")
        try:
            culture = (
                parse_culture(culture_header)
                if culture_header and culture_header.strip()
                else parse_culture(language.code)
            )
        except UnknownCulture as exc:
            raise InvalidInput(f"SO-Culture: {exc}", property_name="SO-Culture") from None
    return RequestLocale(zone.zone, language, culture, zone.name)


UTC_CHOICE = TimeZoneChoice(UTC, "UTC", include_offset=False)
