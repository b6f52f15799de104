"""Entities from decoded request bodies, as SuperOffice's Newtonsoft-based Web API reads them, for any Struct.

Member names match in any case and unknown names are ignored (decision 7); missing members take the Struct's
defaults. Scalars are lenient the way Newtonsoft is (a number into a string property is its text, "1" into an int
is 1), strings are limited in UTF-16 units (decision 9), enums travel as names (decision 8), links keep only their
id (decision 4), dates become ticks (decision 10). Nested Structs, arrays and dictionaries are read recursively; an
error names the property's path (``OpeningHours.TzLocation.TZLocationID``, ``Items[2].Name``).

XML and form bodies arrive as text: every scalar reader takes text too. A form writes an array as indexed keys
(``Items[0].Name``), which arrive as an object keyed by the indexes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import tzinfo
from typing import TypeVar

import msgspec

from sochat.domain import datetimes
from sochat.domain.errors import InvalidInput, describe_value
from sochat.domain.fields import (
    INT16_MAX,
    INT16_MIN,
    INT32_MAX,
    INT32_MIN,
    Field,
    Kind,
    field_by_lower_name,
    wire_name,
)

S = TypeVar("S", bound=msgspec.Struct)

# Characters XML 1.0 cannot carry and UTF-8 cannot encode; refused so every answer format can show every value.
_UNSENDABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TIME_SPAN = re.compile(r"(?:(\d{1,7})\.)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?")
_ISO_DURATION = re.compile(r"P(?:(\d{1,7})D)?(?:T(?:(\d{1,9})H)?(?:(\d{1,9})M)?(?:(\d{1,9})(?:\.(\d{1,7}))?S)?)?")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T([0-9:.]+)(?:Z|[+-]\d{2}:?\d{2})?")
TICKS_PER_SECOND = datetimes.TICKS_PER_SECOND
MAX_TIME_SPAN = 10_675_199 * 86_400 * TICKS_PER_SECOND


def from_wire(shape: type[S], data: Mapping[str, object], zone: tzinfo, *, strict: bool = False, path: str = "") -> S:
    """Build a ``shape`` from a decoded body object.

    ``zone`` reads date-times that carry no offset. ``strict`` refuses null for non-nullable value types instead of
    reading it as the default. ``path`` prefixes the property names in errors (``OpeningHours.``). Raises
    InvalidInput naming the first bad property.
    """
    lookup = field_by_lower_name(shape)
    values: dict[str, object] = {}
    for key, value in data.items():
        field = lookup.get(key.lower()) if isinstance(key, str) else None
        if field is not None:
            values[field.attr] = convert(field, value, zone, strict, path + field.name)
    return shape(**values)


def convert(field: Field, value: object, zone: tzinfo, strict: bool, where: str) -> object:
    """One value of ``field`` read from the wire; ``where`` is its path for errors."""
    kind = field.kind
    if kind is Kind.STRING:
        return _string(where, field.length, value)
    if kind is Kind.LINK:
        return _link(where, field, value)
    if value is None:
        if kind is Kind.DATETIME:
            return None  # null is "no date" in both modes (the unset DateTime.MinValue)
        if field.nullable:
            return None
        if strict and kind not in (Kind.OBJECT, Kind.ARRAY, Kind.DICTIONARY):
            raise InvalidInput(
                f"{where}: null is not allowed for a {kind.value} value in strict mode", property_name=where
            )
        return field.default_value()
    if kind is Kind.INT32:
        number = _integer(where, value, INT32_MIN, INT32_MAX, "int32")
        if field.carrier is not None and number < 0:
            return 0  # -1 means "no topic", as for the other links
        return number
    if kind is Kind.BOOL:
        return _bool(where, value)
    if kind is Kind.DATETIME:
        if not isinstance(value, str):
            raise _wrong_type(where, value, "an ISO 8601 date-time string")
        try:
            return datetimes.parse(value, zone)
        except datetimes.DateTimeFormatError as exc:
            raise InvalidInput(f"{where}: {exc}", property_name=where) from None
    if kind is Kind.ENUM and field.enum is not None:
        return field.enum.parse(value, where)
    return _nested_or_other(field, value, zone, strict, where)


def _nested_or_other(field: Field, value: object, zone: tzinfo, strict: bool, where: str) -> object:
    kind = field.kind
    if kind is Kind.OBJECT and field.shape is not None:
        if not isinstance(value, Mapping):
            raise _wrong_type(where, value, f"a {wire_name(field.shape)} object or null")
        return from_wire(field.shape, value, zone, strict=strict, path=f"{where}.")
    if kind is Kind.ARRAY and field.item is not None:
        items = _array_items(where, value)
        return [_item(field.item, item, zone, strict, f"{where}[{index}]") for index, item in items]
    if kind is Kind.DICTIONARY and field.item is not None:
        if not isinstance(value, Mapping):
            raise _wrong_type(where, value, "an object")
        return {str(key): _item(field.item, item, zone, strict, f"{where}.{key}") for key, item in value.items()}
    if kind is Kind.INT16:
        return _integer(where, value, INT16_MIN, INT16_MAX, "int16")
    if kind is Kind.DOUBLE:
        return _double(where, value)
    if kind is Kind.TIMESPAN:
        return time_span(where, value)
    if kind is Kind.OPAQUE:
        return value
    raise AssertionError(f"no conversion for {where}")  # pragma: no cover - the kinds are closed


def _item(item: Field, value: object, zone: tzinfo, strict: bool, where: str) -> object:
    if item.kind is Kind.OBJECT and item.shape is not None and value is not None:
        if not isinstance(value, Mapping):
            raise _wrong_type(where, value, f"a {wire_name(item.shape)} object")
        return from_wire(item.shape, value, zone, strict=strict, path=f"{where}.")
    return convert(item, value, zone, strict, where)


def _array_items(where: str, value: object) -> list[tuple[int | str, object]]:
    """(index, item) pairs: a list, or a form's indexed keys (``Items[2].Name`` arrives as {"2": {...}})."""
    if isinstance(value, list):
        return list(enumerate(value))
    if isinstance(value, Mapping) and all(isinstance(key, str) and key.isdigit() for key in value):
        return sorted(((key, item) for key, item in value.items()), key=lambda pair: int(str(pair[0])))
    raise _wrong_type(where, value, "an array or null")


def _string(where: str, length: int, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float):
        if isinstance(value, int) and value.bit_length() > 64:
            raise _wrong_type(where, value, "a string")
        text = str(value)  # Newtonsoft reads a JSON number into a string property as its text.
    elif isinstance(value, str):
        text = value
    else:
        raise _wrong_type(where, value, "a string")
    bad = _UNSENDABLE.search(text)
    if bad is not None:
        raise InvalidInput(
            f"{where}: the character U+{ord(bad.group()):04X} at position {bad.start()} is not allowed"
            " (control characters and lone surrogates cannot be answered in XML or UTF-8)",
            property_name=where,
        )
    if not length:
        return text
    # The limits are SQL Server nvarchar sizes in SuperOffice, which count UTF-16 code units: an emoji is two.
    units = len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2
    if units > length:
        raise InvalidInput(
            f"{where}: {units} characters (UTF-16 units) is longer than the limit of {length}", property_name=where
        )
    return text


def _integer(where: str, value: object, low: int, high: int, name: str) -> int:
    if isinstance(value, bool):
        raise _wrong_type(where, value, f"an {name} number")
    if isinstance(value, float):
        if not value.is_integer():
            raise _wrong_type(where, value, f"an {name} number (no fraction)")
        value = int(value)
    elif isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if not (digits.isascii() and digits.isdigit() and len(digits) <= 11):
            raise _wrong_type(where, value, f"an {name} number")
        value = int(text)
    if not isinstance(value, int):
        raise _wrong_type(where, value, f"an {name} number")
    if not low <= value <= high:
        raise InvalidInput(
            f"{where}: {describe_value(value)} is outside the {name} range {low}..{high}", property_name=where
        )
    return value


def int32(where: str, value: object) -> int:
    """An int32 read leniently (numbers, integral floats, digit strings); InvalidInput naming ``where``."""
    return _integer(where, value, INT32_MIN, INT32_MAX, "int32")


def _double(where: str, value: object) -> float:
    if isinstance(value, bool):
        raise _wrong_type(where, value, "a number")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise _wrong_type(where, value, "a number") from None
        if number == number and abs(number) != float("inf"):
            return number
    raise _wrong_type(where, value, "a number")


def _bool(where: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    raise _wrong_type(where, value, "true or false")


def time_span(where: str, value: object) -> int:
    """A .NET TimeSpan as ticks: ``HH:MM``, ``HH:MM:SS[.f]``, ``d.HH:MM:SS``, an ISO duration (``PT8H``, XML's
    form) or a date-time of which the time of day counts (SuperOffice 8 sent those)."""
    if not isinstance(value, str):
        raise _wrong_type(where, value, "a time such as 08:30:00")
    text = value.strip()
    match = _TIME_SPAN.fullmatch(text)
    if match is not None:
        days, hours, minutes, seconds, fraction = match.groups()
        if int(hours) > 23 or int(minutes) > 59 or int(seconds or 0) > 59:
            raise _wrong_type(where, value, "a time such as 08:30:00")
        return _ticks(days, hours, minutes, seconds, fraction)
    match = _ISO_DURATION.fullmatch(text)
    if match is not None and text not in ("P", "PT"):
        ticks = _ticks(*match.groups())
        if ticks <= MAX_TIME_SPAN:
            return ticks
    date_time = _DATE_TIME.fullmatch(text)
    if date_time is not None:
        return time_span(where, date_time.group(1))
    raise _wrong_type(where, value, "a time such as 08:30:00")


def _ticks(days: str | None, hours: str | None, minutes: str | None, seconds: str | None, fraction: str | None) -> int:
    total = ((int(days or 0) * 24 + int(hours or 0)) * 60 + int(minutes or 0)) * 60 + int(seconds or 0)
    return total * TICKS_PER_SECOND + int((fraction or "").ljust(7, "0")[:7] or 0)


def format_time_span(ticks: int, *, iso: bool = False) -> str:
    """``08:30:00`` (.NET's TimeSpan text, with ``d.`` for days and 7 fractional digits when there are any), or
    ``PT8H30M`` (xs:duration, what SuperOffice's XML carries) when ``iso``."""
    seconds, fraction = divmod(ticks, TICKS_PER_SECOND)
    minutes, second = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    days, hour = divmod(hours, 24)
    if iso:
        text = "P" + (f"{days}D" if days else "") + "T"
        text += (f"{hour}H" if hour else "") + (f"{minute}M" if minute else "")
        if second or fraction or text.endswith("T"):
            text += f"{second}" + (f".{fraction:07d}".rstrip("0") if fraction else "") + "S"
        return text
    text = (f"{days}." if days else "") + f"{hour:02d}:{minute:02d}:{second:02d}"
    return text + (f".{fraction:07d}" if fraction else "")


def _link(where: str, field: Field, value: object) -> int | None:
    """Only the id inside a nested carrier counts; 0, -1 and null mean no link."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise _wrong_type(where, value, f"a {field.carrier} object or null")
    id_name = field.id_property
    raw = next((v for k, v in value.items() if isinstance(k, str) and k.lower() == id_name.lower()), None)
    if raw is None:
        return None
    number = int32(f"{where}.{id_name}", raw)
    return number if number > 0 else None


def _wrong_type(where: str, value: object, expected: str) -> InvalidInput:
    return InvalidInput(f"{where}: expected {expected}, got {describe_value(value)}", property_name=where)
