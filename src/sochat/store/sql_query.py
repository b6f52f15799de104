"""Compile a ListQuery into one SELECT from the schema, with bound parameters, for either dialect.

Sorting is keyset-friendly: every sort key is a non-null expression (nulls folded into a value that
sorts first), the id breaks ties, and the page after a cursor is "rows whose sort keys come after
the cursor's" -- an index range, so page 10,000 costs what page 1 costs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, literal, literal_column, or_, select, true

from sochat.domain.chat_session import FIELDS
from sochat.domain.fields import Kind
from sochat.domain.query import And, Compare, Expr, InList, ListQuery, Or
from sochat.store.schema import chat_session
from sochat.store.sql import DIALECTS

_KIND = {field.attr: field.kind for field in FIELDS}
_NULL_SORTS_AS = {Kind.STRING: "''", Kind.DATETIME: "-1", Kind.LINK: "0"}
Clause = ColumnElement[Any]


def sort_key(column: str) -> Clause:
    folded = _NULL_SORTS_AS.get(_KIND[column])
    return func.coalesce(chat_session.c[column], literal_column(folded)) if folded else chat_session.c[column]


def list_statement(query: ListQuery, columns: Sequence[Clause], dialect: str) -> tuple[str, dict[str, object]]:
    """SELECT <columns>, <sort keys...> FROM chat_session WHERE ... ORDER BY ... LIMIT/OFFSET."""
    order = [*query.order, ("chat_session_id", False)]
    keys = [sort_key(column) for column, _ in order]
    statement = select(*columns, *keys)
    if query.where is not None:
        statement = statement.where(_expr(query.where))
    if query.after is not None:
        statement = statement.where(_after(keys, [desc for _, desc in order], query.after))
    statement = statement.order_by(*(key.desc() if desc else key.asc() for key, (_, desc) in zip(keys, order)))  # noqa: B905
    statement = statement.limit(literal_column(str(int(query.limit)))).offset(literal_column(str(int(query.offset))))
    compiled = statement.compile(dialect=DIALECTS[dialect])
    return str(compiled), dict(compiled.params)


def _expr(expr: Expr) -> Clause:
    if isinstance(expr, And):
        return and_(*(_expr(part) for part in expr.parts))
    if isinstance(expr, Or):
        return or_(*(_expr(part) for part in expr.parts))
    if isinstance(expr, Compare):
        column = chat_session.c[expr.column]
        if _KIND[expr.column] is Kind.STRING and expr.value in (None, "") and expr.op in ("=", "!="):
            # No text is answered as "" whether the row holds "" or NULL (rows stored before decision 18).
            if expr.op == "=":
                return or_(column.is_(None), column == literal_column("''"))
            return and_(column.is_not(None), column != literal_column("''"))
        if expr.value is None:
            return column.is_not(None) if expr.op == "!=" else column.is_(None)
        value = (true() if expr.value else false()) if isinstance(expr.value, bool) else literal(expr.value)
        if expr.op == "!=" and _KIND[expr.column] is not Kind.INT32:
            # "not equal" includes rows where the column is null, as a user reading the filter expects.
            return or_(column.is_(None), column != value)
        return column.op("<>" if expr.op == "!=" else expr.op)(value)
    if isinstance(expr, InList):
        column = chat_session.c[expr.column]
        if not expr.values:
            return true() if expr.negate else false()
        values = [literal(value) for value in expr.values]
        if _KIND[expr.column] is Kind.STRING and "" in expr.values:
            # '' in the list matches rows that hold NULL too: both answer "".
            folded = func.coalesce(column, literal_column("''"))
            return folded.not_in(values) if expr.negate else folded.in_(values)
        return or_(column.is_(None), column.not_in(values)) if expr.negate else column.in_(values)
    column = chat_session.c[expr.column]
    escaped = expr.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = {"contains": f"%{escaped}%", "begins": f"{escaped}%", "ends": f"%{escaped}"}[expr.match]
    test = column.ilike(literal(pattern), escape="\\")
    return or_(column.is_(None), ~test) if expr.negate else test


def _after(keys: list[Clause], descending: list[bool], values: tuple[object, ...]) -> Clause:
    """Rows strictly after the cursor in the sort order: (k1 > v1) OR (k1 = v1 AND k2 > v2) OR ..."""
    alternatives = []
    for position, key in enumerate(keys):
        parts = [keys[earlier] == literal(values[earlier]) for earlier in range(position)]
        value = literal(values[position])
        parts.append(key < value if descending[position] else key > value)
        alternatives.append(and_(*parts))
    return or_(*alternatives)
