"""A list query over chat sessions, independent of any query language or SQL dialect.

The HTTP edge parses SuperOffice's $filter / $orderBy into these values; each store compiles them to
its own SQL with bound parameters. Columns are ChatSession attribute names; dates are ticks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

CompareOp = Literal["=", "!=", "<", "<=", ">", ">="]
TextMatch = Literal["contains", "begins", "ends"]


@dataclass(frozen=True, slots=True)
class Compare:
    column: str
    op: CompareOp
    value: int | str | bool | None


@dataclass(frozen=True, slots=True)
class InList:
    column: str
    values: tuple[int | str, ...]
    negate: bool = False


@dataclass(frozen=True, slots=True)
class Text:
    """A case-insensitive substring match on a string column."""

    column: str
    match: TextMatch
    text: str
    negate: bool = False


@dataclass(frozen=True, slots=True)
class And:
    parts: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    parts: tuple[Expr, ...]


Expr = Compare | InList | Text | And | Or


@dataclass(frozen=True, slots=True)
class ListQuery:
    where: Expr | None = None
    order: tuple[tuple[str, bool], ...] = ()  # (column, descending); the id is always the last tiebreak
    limit: int = 100
    offset: int = 0
    after: tuple[object, ...] | None = None  # keyset: the sort values of the last row of the previous page
    columns: tuple[str, ...] = field(default=())  # the attributes the caller asked for ($select)
