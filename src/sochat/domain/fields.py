"""The wire description of an entity, read from its msgspec Struct.

An entity is declared once, as a msgspec Struct: attribute names, order, Python types and defaults are the Struct's;
wire names are its ``rename``/``name=``; SuperOffice's quirks are markers in the attributes' ``Annotated`` types
(``Text(64)``, ``Link("Associate")``, ``EnumOf(...)``, ``Ticks``, ``READ_ONLY``). ``fields_of(Struct)`` turns that
into the ``Field`` tuple that validation, rendering, rights, OpenAPI, XML names, form keys, import/export and OData
columns read, so nothing else declares a property again. Nested Structs, ``list[...]`` and ``dict[str, ...]`` are
kinds of their own, with the item described by a Field too.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import Annotated, Any, Union

import msgspec

from sochat.domain.enums import EnumType


class Kind(Enum):
    """The wire type of a property."""

    INT32 = "int32"
    INT16 = "int16"
    DOUBLE = "double"
    BOOL = "bool"
    STRING = "string"
    DATETIME = "date-time"
    TIMESPAN = "time-span"  # a .NET TimeSpan: a time of day such as an opening hour
    ENUM = "enum"
    LINK = "link"  # a nested carrier of which only the id is stored
    OBJECT = "object"  # a nested Struct, stored and answered whole
    ARRAY = "array"  # a list of scalars or of Structs (Field.item describes one)
    DICTIONARY = "dictionary"  # string keys to values (Field.item describes one)
    OPAQUE = "opaque"  # a nested structure sochat passes through without interpreting


# .NET type names as SuperOffice reports them in FieldProperties.FieldType.
DOTNET_TYPES = {
    Kind.INT32: "System.Int32",
    Kind.INT16: "System.Int16",
    Kind.DOUBLE: "System.Double",
    Kind.BOOL: "System.Boolean",
    Kind.STRING: "System.String",
    Kind.DATETIME: "System.DateTime",
    Kind.TIMESPAN: "System.TimeSpan",
}
# The XML element of one array item, as .NET's DataContractSerializer names them (ArrayOfint holds <int>).
XML_ITEM_NAMES = {
    Kind.INT32: "int",
    Kind.INT16: "short",
    Kind.DOUBLE: "double",
    Kind.BOOL: "boolean",
    Kind.STRING: "string",
    Kind.DATETIME: "dateTime",
    Kind.TIMESPAN: "duration",
}
NESTED_KINDS = frozenset({Kind.OBJECT, Kind.ARRAY, Kind.DICTIONARY, Kind.OPAQUE})

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT16_MIN, INT16_MAX = -(2**15), 2**15 - 1


# -- markers for Annotated types ---------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A string limited to ``length`` UTF-16 units (SuperOffice's nvarchar size); 0 = no limit (a Clob)."""

    length: int = 0


@dataclass(frozen=True)
class Link:
    """A nested carrier of which only the id counts (decision 4): stored as ``int | None``, answered as the carrier.
    ``id_property`` defaults to ``<carrier>Id``; ``shape`` is the carrier's Struct when sochat declares one."""

    carrier: str
    id_property: str = ""
    shape: type[msgspec.Struct] | None = None


@dataclass(frozen=True)
class IdOf:
    """A plain int32 id of a record (ChatSession.TopicId): a negative number means none and reads as 0."""

    carrier: str


@dataclass(frozen=True)
class EnumOf:
    """An int stored, answered as the enum's names."""

    enum: EnumType


@dataclass(frozen=True)
class _Marker:
    name: str


READ_ONLY = _Marker("read-only")  # assigned by the server; FieldProperties says so
SHORT = _Marker("int16")  # a .NET short
DATE_TIME = _Marker("date-time")
TIME_SPAN = _Marker("time-span")
OPAQUE = _Marker("opaque")  # passed through as it is, not interpreted

# .NET DateTime as ticks (100 ns since 0001-01-01 UTC); None is unset (DateTime.MinValue).
Ticks = Annotated[int | None, DATE_TIME]
# .NET TimeSpan as ticks; answered "08:00:00".
TimeSpan = Annotated[int, TIME_SPAN]


# -- the derived description ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One property: wire name, storage attribute, kind and limits. For ARRAY and DICTIONARY ``item`` describes
    one value (its ``name`` is the XML item element); ``shape`` is the Struct of an OBJECT, of a Struct item, or of
    a LINK's carrier when declared."""

    name: str
    attr: str
    kind: Kind
    length: int = 0  # maximum string length (the database column's), 0 for non-strings
    enum: EnumType | None = None
    carrier: str | None = None  # carrier type name for LINK fields, e.g. "Associate"
    read_only: bool = False
    nullable: bool = False
    id_property: str = ""  # LINK: the carrier member that holds the id
    shape: type[msgspec.Struct] | None = None
    item: Field | None = None
    default: Callable[[], object] | None = field(default=None, compare=False, repr=False)

    @property
    def dotnet_type(self) -> str:
        if self.enum is not None:
            return f"SuperOffice.WebApi.Data.{self.enum.name}"
        if self.carrier is not None and self.kind is Kind.LINK:
            return f"SuperOffice.WebApi.Data.{self.carrier}"
        if self.kind is Kind.OBJECT and self.shape is not None:
            return f"SuperOffice.WebApi.Data.{wire_name(self.shape)}"
        if self.kind is Kind.ARRAY and self.item is not None:
            return f"{self.item.dotnet_type}[]"
        return DOTNET_TYPES.get(self.kind, "System.Object")

    def default_value(self) -> object:
        return None if self.default is None else self.default()


def wire_name(shape: type[msgspec.Struct]) -> str:
    """The type's name on the wire and in OpenAPI (``WIRE_NAME`` when it differs from the class name)."""
    name = getattr(shape, "WIRE_NAME", None)
    return name if isinstance(name, str) else shape.__name__


def is_carrier(shape: type[msgspec.Struct]) -> bool:
    """SuperOffice's Carrier types end with TableRight and FieldProperties (``CARRIER: ClassVar[bool] = True``)."""
    return bool(getattr(shape, "CARRIER", False))


@cache
def fields_of(shape: type[msgspec.Struct]) -> tuple[Field, ...]:
    """The Fields of a Struct in declaration order (computed once per type)."""
    return tuple(_field(info) for info in msgspec.structs.fields(shape))


@cache
def field_by_lower_name(shape: type[msgspec.Struct]) -> dict[str, Field]:
    """Wire names lower-cased: input matches member names in any case (decision 7)."""
    return {item.name.lower(): item for item in fields_of(shape)}


def _field(info: msgspec.structs.FieldInfo) -> Field:
    default: Callable[[], object] | None
    if info.default_factory is not msgspec.NODEFAULT:
        default = info.default_factory
    elif info.default is not msgspec.NODEFAULT:
        constant = info.default
        default = lambda: constant  # noqa: E731 - a constant default, called like a factory
    else:
        default = None
    return _describe(info.encode_name, info.name, info.type, default)


def _describe(name: str, attr: str, annotation: Any, default: Callable[[], object] | None) -> Field:
    base, markers = _unwrap(annotation)
    base, nullable = _without_none(base)
    read_only = READ_ONLY in markers
    common: dict[str, Any] = {"read_only": read_only, "nullable": nullable, "default": default}
    for marker in markers:
        if isinstance(marker, Text):
            return Field(name, attr, Kind.STRING, length=marker.length, **common)
        if isinstance(marker, Link):
            id_property = marker.id_property or f"{marker.carrier}Id"
            return Field(
                name, attr, Kind.LINK, carrier=marker.carrier, id_property=id_property, shape=marker.shape, **common
            )
        if isinstance(marker, IdOf):
            return Field(name, attr, Kind.INT32, carrier=marker.carrier, **common)
        if isinstance(marker, EnumOf):
            return Field(name, attr, Kind.ENUM, enum=marker.enum, **common)
    if OPAQUE in markers:
        return Field(name, attr, Kind.OPAQUE, **common)
    if DATE_TIME in markers:
        return Field(name, attr, Kind.DATETIME, **common)
    if TIME_SPAN in markers:
        return Field(name, attr, Kind.TIMESPAN, **common)
    if SHORT in markers:
        return Field(name, attr, Kind.INT16, **common)
    origin = typing.get_origin(base)
    if origin is list:
        (item_type,) = typing.get_args(base)
        return Field(name, attr, Kind.ARRAY, item=_item(item_type), **common)
    if origin is dict:
        _, item_type = typing.get_args(base)
        item = _item(item_type)
        return Field(name, attr, Kind.DICTIONARY, item=item, shape=item.shape, **common)
    if isinstance(base, type) and issubclass(base, msgspec.Struct):
        return Field(name, attr, Kind.OBJECT, shape=base, **common)
    scalar = {bool: Kind.BOOL, int: Kind.INT32, float: Kind.DOUBLE, str: Kind.STRING}.get(base)
    if scalar is None:
        raise TypeError(f"{attr}: no wire kind for {annotation!r}")
    return Field(name, attr, scalar, **common)


def _item(annotation: Any) -> Field:
    """An array or dictionary item, named as its XML element."""
    described = _describe("", "", annotation, None)
    if described.kind is Kind.OBJECT and described.shape is not None:
        element = wire_name(described.shape)
    elif described.enum is not None:
        element = described.enum.name
    else:
        element = XML_ITEM_NAMES.get(described.kind, "anyType")
    return Field(
        element,
        "",
        described.kind,
        length=described.length,
        enum=described.enum,
        nullable=described.nullable,
        shape=described.shape,
        item=described.item,
    )


def _unwrap(annotation: Any) -> tuple[Any, tuple[object, ...]]:
    markers: tuple[object, ...] = ()
    while typing.get_origin(annotation) is Annotated:
        markers += tuple(annotation.__metadata__)
        annotation = annotation.__origin__
    return annotation, markers


def _without_none(annotation: Any) -> tuple[Any, bool]:
    if typing.get_origin(annotation) in (Union, types.UnionType):
        options = [option for option in typing.get_args(annotation) if option is not type(None)]
        if len(options) == 1:
            return options[0], True
    return annotation, False


@cache
def field_by_name(shape: type[msgspec.Struct]) -> dict[str, Field]:
    """Wire names as answers write them."""
    return {item.name: item for item in fields_of(shape)}


def keep_dataclass_protocol(shape: type[msgspec.Struct]) -> None:
    """Let ``dataclasses.replace``/``fields``/``astuple`` keep working on a Struct that used to be a dataclass.

    ChatSession was a dataclass, and the store and its tests (rewritten on another branch) copy sessions with
    ``dataclasses.replace``; this describes the Struct's attributes and defaults in the dataclass protocol so that
    code keeps working until it moves to ``msgspec.structs.replace``. Nothing of ours relies on it.
    """
    specs: list[tuple[str, Any, Any]] = []
    for info in msgspec.structs.fields(shape):
        if info.default_factory is not msgspec.NODEFAULT:
            spec = dataclasses.field(default_factory=info.default_factory)
        else:
            spec = dataclasses.field(default=None if info.default is msgspec.NODEFAULT else info.default)
        specs.append((info.name, info.type, spec))
    described = dataclasses.make_dataclass(f"{shape.__name__}Fields", specs)
    setattr(shape, "__dataclass_fields__", getattr(described, "__dataclass_fields__"))  # noqa: B009, B010


def array_item(shape: type[msgspec.Struct]) -> Field:
    """The item Field of an answer that is an array of ``shape`` (GetChatTopics: ``ArrayOfChatTopicEntity``)."""
    return Field(wire_name(shape), "", Kind.OBJECT, shape=shape)
