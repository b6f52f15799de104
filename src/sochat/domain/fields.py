"""Field metadata: one description per property, shared by validation, storage, rendering and rights."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from sochat.domain.enums import EnumType


class Kind(Enum):
    """The wire type of a property."""

    INT32 = "int32"
    INT16 = "int16"
    DOUBLE = "double"
    BOOL = "bool"
    STRING = "string"
    DATETIME = "date-time"
    ENUM = "enum"
    LINK = "link"  # a nested carrier of which only the id is stored
    OPAQUE = "opaque"  # a nested structure sochat passes through without interpreting


# .NET type names as SuperOffice reports them in FieldProperties.FieldType.
DOTNET_TYPES = {
    Kind.INT32: "System.Int32",
    Kind.INT16: "System.Int16",
    Kind.DOUBLE: "System.Double",
    Kind.BOOL: "System.Boolean",
    Kind.STRING: "System.String",
    Kind.DATETIME: "System.DateTime",
}

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT16_MIN, INT16_MAX = -(2**15), 2**15 - 1


@dataclass(frozen=True)
class Field:
    """One property: wire name, storage attribute, kind and limits."""

    name: str
    attr: str
    kind: Kind
    length: int = 0  # maximum string length (the database column's), 0 for non-strings
    enum: EnumType | None = None
    carrier: str | None = None  # carrier type name for LINK fields, e.g. "Associate"
    read_only: bool = False

    @property
    def dotnet_type(self) -> str:
        if self.enum is not None:
            return f"SuperOffice.WebApi.Data.{self.enum.name}"
        if self.carrier is not None and self.kind is Kind.LINK:
            return f"SuperOffice.WebApi.Data.{self.carrier}"
        return DOTNET_TYPES.get(self.kind, "System.Object")
