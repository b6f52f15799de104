"""Compile a ListQuery into one SELECT with bound parameters, for SQLite and PostgreSQL alike.

Sorting is keyset-friendly: every sort key is a non-null expression (nulls folded into a value that
sorts first), the id breaks ties, and the page after a cursor is "rows whose sort keys come after
the cursor's" -- an index range, so page 10,000 costs what page 1 costs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sochat.domain.chat_session import FIELDS
from sochat.domain.fields import Kind
from sochat.domain.query import And, Compare, Expr, InList, ListQuery, Or

_KIND = {field.attr: field.kind for field in FIELDS}
_NULL_SORTS_AS = {Kind.STRING: "''", Kind.DATETIME: "-1", Kind.LINK: "0"}


@dataclass(frozen=True)
class Dialect:
    placeholder: str  # "?" for sqlite3, "%s" for psycopg
    like: str  # the case-insensitive LIKE operator: LIKE on SQLite (ASCII), ILIKE on PostgreSQL
    adapt_bool: Callable[[bool], object]


SQLITE = Dialect("?", "LIKE", lambda value: 1 if value else 0)
POSTGRESQL = Dialect("%s", "ILIKE", lambda value: value)


def sort_key(column: str) -> str:
    folded = _NULL_SORTS_AS.get(_KIND[column])
    return f"COALESCE({column}, {folded})" if folded else column


def compile_list(query: ListQuery, select_columns: str, dialect: Dialect) -> tuple[str, list[object]]:
    """SELECT <select_columns>, <sort keys...> FROM chat_session WHERE ... ORDER BY ... LIMIT/OFFSET."""
    params: list[object] = []
    order = [*query.order, ("chat_session_id", False)]
    keys = [sort_key(column) for column, _ in order]
    conditions: list[str] = []
    if query.where is not None:
        conditions.append(_expr(query.where, params, dialect))
    if query.after is not None:
        conditions.append(_after(keys, [desc for _, desc in order], query.after, params, dialect))
    sql = f"SELECT {select_columns}, {', '.join(keys)} FROM chat_session"
    if conditions:
        sql += " WHERE " + " AND ".join(f"({c})" for c in conditions)
    sql += " ORDER BY " + ", ".join(
        f"{key} {'DESC' if desc else 'ASC'}" for key, (_, desc) in zip(keys, order, strict=True)
    )
    sql += f" LIMIT {int(query.limit)} OFFSET {int(query.offset)}"
    return sql, params


def _expr(expr: Expr, params: list[object], dialect: Dialect) -> str:
    p = dialect.placeholder
    if isinstance(expr, And | Or):
        joiner = " AND " if isinstance(expr, And) else " OR "
        return joiner.join(f"({_expr(part, params, dialect)})" for part in expr.parts)
    if isinstance(expr, Compare):
        if _KIND[expr.column] is Kind.STRING and expr.value in (None, "") and expr.op in ("=", "!="):
            # No text is answered as "" whether the row holds "" or NULL (rows stored before decision 18).
            if expr.op == "=":
                return f"({expr.column} IS NULL OR {expr.column} = '')"
            return f"({expr.column} IS NOT NULL AND {expr.column} <> '')"
        if expr.value is None:
            return f"{expr.column} IS {'NOT ' if expr.op == '!=' else ''}NULL"
        value = dialect.adapt_bool(expr.value) if isinstance(expr.value, bool) else expr.value
        params.append(value)
        if expr.op == "!=" and _KIND[expr.column] is not Kind.INT32:
            # "not equal" includes rows where the column is null, as a user reading the filter expects.
            return f"({expr.column} IS NULL OR {expr.column} <> {p})"
        return f"{expr.column} {'<>' if expr.op == '!=' else expr.op} {p}"
    if isinstance(expr, InList):
        if not expr.values:
            return "1 = 1" if expr.negate else "1 = 0"
        params.extend(expr.values)
        marks = ", ".join(p for _ in expr.values)
        if _KIND[expr.column] is Kind.STRING and "" in expr.values:
            # '' in the list matches rows that hold NULL too: both answer "".
            return f"COALESCE({expr.column}, '') {'NOT ' if expr.negate else ''}IN ({marks})"
        if expr.negate:
            return f"({expr.column} IS NULL OR {expr.column} NOT IN ({marks}))"
        return f"{expr.column} IN ({marks})"
    escaped = expr.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = {"contains": f"%{escaped}%", "begins": f"{escaped}%", "ends": f"%{escaped}"}[expr.match]
    params.append(pattern)
    test = f"{expr.column} {dialect.like} {p} ESCAPE '\\'"
    return f"({expr.column} IS NULL OR NOT {test})" if expr.negate else test


def _after(
    keys: list[str], descending: list[bool], values: tuple[object, ...], params: list[object], dialect: Dialect
) -> str:
    """Rows strictly after the cursor in the sort order: (k1 > v1) OR (k1 = v1 AND k2 > v2) OR ..."""
    p = dialect.placeholder
    alternatives: list[str] = []
    for position in range(len(keys)):
        parts = []
        for earlier in range(position):
            parts.append(f"{keys[earlier]} = {p}")
            params.append(values[earlier])
        parts.append(f"{keys[position]} {'<' if descending[position] else '>'} {p}")
        params.append(values[position])
        alternatives.append("(" + " AND ".join(parts) + ")")
    return " OR ".join(alternatives)
