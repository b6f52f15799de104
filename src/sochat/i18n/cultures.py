"""SO-Culture: how numbers and dates look when sochat writes them as text (Babel's CLDR data)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime
from babel.numbers import format_decimal


class UnknownCulture(ValueError):
    """The SO-Culture value is not a culture CLDR knows."""


@lru_cache(maxsize=128)
def parse_culture(value: str) -> str:
    """A culture code such as ``nb``, ``en-US`` or ``de_DE`` in Babel's form (``nb``, ``en_US``)."""
    tag = value.strip().replace("-", "_")
    try:
        return str(Locale.parse(tag))
    except (UnknownLocaleError, ValueError):
        raise UnknownCulture(f"unknown culture '{value.strip()[:40]}'") from None


def format_number(value: int | float, culture: str) -> str:
    return str(format_decimal(value, locale=culture))


def format_moment(value: datetime, culture: str) -> str:
    return str(format_datetime(value, format="short", locale=culture))
