"""Any Struct as SuperOffice answers it: properties in order, enum names, dates with their offset, time spans,
links expanded into their carriers, nested Structs, arrays and dictionaries recursively.

The plan for each Struct (one writer per property, None for values that travel as they are) is built once, so
the hot path (every ChatSessionEntity answer) is a loop over a tuple.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from functools import cache
from typing import Any

import msgspec

from sochat.domain import datetimes
from sochat.domain.carriers import CARRIERS, CarrierType
from sochat.domain.convert import format_time_span
from sochat.domain.fields import Field, Kind, fields_of, is_carrier

# Known linked records by (carrier name, id): their stored properties by wire name.
Links = dict[tuple[str, int], dict[str, object]]
_EMPTY_LINKS: Links = {}
# .NET's default of each value type; strings answer "" (SuperOffice's carriers hold "" for no text).
DEFAULTS: dict[Kind, object] = {Kind.INT32: 0, Kind.INT16: 0, Kind.DOUBLE: 0.0, Kind.BOOL: False, Kind.STRING: ""}


class _Answer:
    """What a writer needs besides the value: the zone for dates, XML's token lists, known links."""

    __slots__ = ("links", "tokens", "zone")

    def __init__(self, zone: tzinfo, tokens: bool, links: Links) -> None:
        self.zone = zone
        self.tokens = tokens
        self.links = links


Writer = Callable[[Any, _Answer], object]


def struct_properties(
    value: msgspec.Struct, zone: tzinfo, *, tokens: bool = False, links: Links | None = None
) -> dict[str, object]:
    """The Struct's properties in order as they travel. ``tokens`` writes flag enums and time spans as XML does
    (space-separated names, xs:duration); ``links`` holds the linked records sochat knows."""
    return _properties(value, _Answer(zone, tokens, links or _EMPTY_LINKS), nested=False)


def _properties(value: msgspec.Struct, answer: _Answer, *, nested: bool = True) -> dict[str, object]:
    """A nested carrier answers TableRight and FieldProperties as null; the caller adds the entity's own."""
    out: dict[str, object] = {}
    for name, attr, writer in _plan(type(value)):
        item = getattr(value, attr)
        out[name] = item if writer is None else writer(item, answer)
    if nested and is_carrier(type(value)):
        out["TableRight"] = None
        out["FieldProperties"] = None
    return out


@cache
def _plan(shape: type[msgspec.Struct]) -> tuple[tuple[str, str, Writer | None], ...]:
    return tuple((field.name, field.attr, writer_for(field)) for field in fields_of(shape))


def writer_for(field: Field) -> Writer | None:
    """How one property's stored value becomes its wire value (None: as it is)."""
    kind = field.kind
    if kind is Kind.DATETIME:
        return lambda value, answer: datetimes.format_ticks(value, answer.zone)
    if kind is Kind.ENUM and field.enum is not None:
        enum = field.enum
        if enum.is_flags:
            return lambda value, answer: enum.format_tokens(value) if answer.tokens else enum.format(value)
        return lambda value, answer: enum.format(value)
    if kind is Kind.TIMESPAN:
        return lambda value, answer: format_time_span(value, iso=answer.tokens)
    if kind is Kind.LINK:
        return _link_writer(field)
    if kind is Kind.STRING and field.nullable:
        return lambda value, answer: "" if value is None else value  # rows stored before decision 18 may hold NULL
    if kind is Kind.OBJECT:
        return lambda value, answer: None if value is None else _properties(value, answer)
    if kind in (Kind.ARRAY, Kind.DICTIONARY) and field.item is not None:
        item = writer_for(field.item) or _as_is
        if kind is Kind.ARRAY:
            return lambda value, answer: None if value is None else [item(one, answer) for one in value]
        return lambda value, answer: None if value is None else {key: item(one, answer) for key, one in value.items()}
    return None


def _as_is(value: object, answer: _Answer) -> object:
    return value


def _link_writer(field: Field) -> Writer:
    name = field.carrier or ""
    shape = field.shape
    if shape is None:
        carrier = CARRIERS[name]
        return lambda value, answer: None if value is None else _carrier(carrier, value, answer)

    def write(value: object, answer: _Answer) -> object:
        if value is None:
            return None
        known = answer.links.get((name, value), {}) if isinstance(value, int) else {}
        out = _properties(shape(), answer)
        for key in out:
            if key in known:
                out[key] = known[key]
        out[field.id_property] = value
        return out

    return write


def _carrier(carrier: CarrierType, link_id: int, answer: _Answer) -> dict[str, object]:
    """A linked record in full when sochat knows it, otherwise the carrier's defaults holding just the id."""
    known = answer.links.get((carrier.name, link_id), {})
    out: dict[str, object] = {}
    for name, kind in carrier.properties:
        value = known.get(name)
        if name == carrier.id_property:
            value = link_id
        if kind is Kind.DATETIME:
            out[name] = datetimes.format_ticks(value if isinstance(value, int) else None, answer.zone)
        elif value is None:
            enum = carrier.enum_of(name)
            out[name] = enum.format(0) if enum is not None else DEFAULTS.get(kind)
        else:
            out[name] = value
    out["TableRight"] = None
    out["FieldProperties"] = None
    return out
