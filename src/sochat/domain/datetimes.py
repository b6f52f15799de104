"""Date-times as SuperOffice carries them: .NET ticks (100 ns units since 0001-01-01 UTC).

Python's datetime stops at microseconds, but SuperOffice writes seven fractional digits, so a
value that travels through sochat is kept as an integer tick count. ``None`` is the unset date,
which .NET carriers show as ``DateTime.MinValue`` (``0001-01-01T00:00:00``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo

TICKS_PER_SECOND = 10_000_000
TICKS_PER_DAY = 86_400 * TICKS_PER_SECOND
TICKS_PER_MICROSECOND = 10
# 9999-12-31T23:59:59.9999999, .NET's DateTime.MaxValue.
MAX_TICKS = 3_652_059 * TICKS_PER_DAY - 1
UNSET_TEXT = "0001-01-01T00:00:00"

_ISO = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})"
    r"(?:[Tt ](?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d{1,7}))?)?)?"
    r"(?P<z>[Zz]|[+-]\d{2}(?::?\d{2})?)?",
    re.ASCII,  # only 0-9 are digits here, not full-width or Arabic-Indic ones
)
_EPOCH = datetime(1, 1, 1, tzinfo=UTC)


class DateTimeFormatError(ValueError):
    """A text is not an ISO 8601 date-time sochat accepts; the message says why."""


def parse(text: str, zone: tzinfo) -> int | None:
    """Read an ISO 8601 date-time into ticks; a value without offset is read in ``zone``.

    Empty text and .NET's minimum date mean "unset" and give ``None``.
    """
    text = text.strip()
    if not text:
        return None
    match = _ISO.fullmatch(text)
    if match is None:
        raise DateTimeFormatError(
            f"'{_clip(text)}' is not an ISO 8601 date-time (expected e.g. 2024-12-15T09:22:45.1234567+01:00)"
        )
    fraction = match["f"] or ""
    try:
        local = datetime(
            int(match["y"]),
            int(match["mo"]),
            int(match["d"]),
            int(match["h"] or 0),
            int(match["mi"] or 0),
            int(match["s"] or 0),
        )
    except ValueError as exc:
        raise DateTimeFormatError(f"'{_clip(text)}' is not a valid date-time: {exc}") from None
    sub_second = int(fraction.ljust(7, "0")) if fraction else 0
    designator = match["z"]
    if designator is None:
        offset = _offset_in_zone(local, zone)
    elif designator in ("Z", "z"):
        offset = timedelta(0)
    else:
        offset = _parse_offset(designator, text)
    days = local.toordinal() - 1
    ticks = (
        days * TICKS_PER_DAY
        + (local.hour * 3600 + local.minute * 60 + local.second) * TICKS_PER_SECOND
        + sub_second
        - _timedelta_ticks(offset)
    )
    if ticks == 0 or (designator is None and local == datetime(1, 1, 1) and sub_second == 0):
        return None
    if ticks < 0 or ticks > MAX_TICKS:
        raise DateTimeFormatError(f"'{_clip(text)}' is outside the range 0001-01-01 to 9999-12-31 (UTC)")
    return ticks


def format_ticks(ticks: int | None, zone: tzinfo) -> str:
    """Write ticks as SuperOffice does: seven fractional digits and the offset of ``zone``."""
    if ticks is None or ticks == 0:
        return UNSET_TEXT
    utc = _EPOCH + timedelta(microseconds=ticks // TICKS_PER_MICROSECOND)
    try:
        offset = utc.astimezone(zone).utcoffset() or timedelta(0)
    except OverflowError:
        # The zone would move the value past year 1 or 9999; UTC always fits.
        offset = timedelta(0)
    # Historic local mean times have offsets with seconds (Oslo's was +0:43:00 but New York's -4:56:02);
    # the written offset has whole minutes, so the local time is taken at that offset to name the same instant.
    total = int(offset.total_seconds())
    minutes_total = (abs(total) // 60) * (-1 if total < 0 else 1)
    try:
        local = utc + timedelta(minutes=minutes_total)
    except OverflowError:
        local, minutes_total = utc, 0
    sign = "-" if minutes_total < 0 else "+"
    hours, minutes = divmod(abs(minutes_total), 60)
    return (
        f"{local.year:04d}-{local.month:02d}-{local.day:02d}T{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
        f".{local.microsecond:06d}{ticks % TICKS_PER_MICROSECOND}{sign}{hours:02d}:{minutes:02d}"
    )


def from_datetime(value: datetime) -> int:
    """Ticks of an aware datetime (used for server-side timestamps such as "now")."""
    delta = value.astimezone(UTC) - _EPOCH
    return _timedelta_ticks(delta)


def _offset_in_zone(local: datetime, zone: tzinfo) -> timedelta:
    try:
        offset = local.replace(tzinfo=zone).utcoffset()
    except OverflowError:
        offset = None
    return offset or timedelta(0)


def _parse_offset(designator: str, text: str) -> timedelta:
    sign = -1 if designator[0] == "-" else 1
    digits = designator[1:].replace(":", "")
    hours = int(digits[:2])
    minutes = int(digits[2:4] or 0)
    if minutes > 59 or hours * 60 + minutes > 14 * 60:
        raise DateTimeFormatError(f"'{_clip(text)}' has an offset outside -14:00..+14:00")
    return sign * timedelta(hours=hours, minutes=minutes)


def _timedelta_ticks(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * TICKS_PER_SECOND + delta.microseconds * TICKS_PER_MICROSECOND


def _clip(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "..."
