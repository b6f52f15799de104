"""How statements built from sochat.store.schema run: each is compiled once per dialect and then executed as
a plain string on the DBAPI connection (sqlite3 or psycopg) with named parameters. A SQLAlchemy Connection
would add its own overhead to every call (measured: 37 us against 25 us for a point read), and the save and
Get paths are the hot ones. What differs between the dialects is chosen here, once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import sqlalchemy
from sqlalchemy import Column, ColumnElement, bindparam, case, false, func, literal_column, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement, TableClause

from sochat.domain.errors import Conflict, IdsExhausted
from sochat.domain.fields import INT32_MAX

if TYPE_CHECKING:
    from sochat.store.repositories import Unit

# named (:name) for sqlite3, pyformat (%(name)s) for psycopg; no casts rendered into the text.
DIALECTS: dict[str, Dialect] = {
    "sqlite": sqlite.dialect(paramstyle="named"),
    "postgresql": postgresql.dialect(),  # type: ignore[no-untyped-call]
}
Row = tuple[Any, ...]
T = TypeVar("T")


class Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Statement:
    """A statement built from the schema by ``build(dialect name)``; its text per dialect compiled on first use.

    ``keys`` are the columns an INSERT or UPDATE sets (each bound by its own name); ``explicit_id`` marks an
    INSERT that gives the identity column's value (PostgreSQL's identity columns refuse one otherwise)."""

    __slots__ = ("_build", "_explicit_id", "_keys", "_texts")

    def __init__(
        self, build: Callable[[str], ClauseElement], keys: Sequence[str] | None = None, explicit_id: bool = False
    ) -> None:
        self._build, self._keys, self._explicit_id = build, keys, explicit_id
        self._texts: dict[str, str] = {}

    def text(self, dialect: str) -> str:
        text = self._texts.get(dialect)
        if text is None:
            compiled: Any = self._build(dialect).compile(dialect=DIALECTS[dialect], column_keys=self._keys)
            constants = [
                b.key for b in compiled.binds.values() if b.value is not None and b.key not in (self._keys or ())
            ]
            assert not constants, f"bind every value by name, or write constants as literal_column: {constants}"
            text = str(compiled)
            if self._explicit_id and dialect == "postgresql":
                text = text.replace(") VALUES (", ") OVERRIDING SYSTEM VALUE VALUES (", 1)
            self._texts[dialect] = text
        return text


def upsert(dialect: str, table: TableClause) -> Any:
    """INSERT ... ON CONFLICT for the dialect (both dialects' inserts have the same on_conflict API)."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def upsert_by(table: Any, keys: Sequence[str], *on: str, **also: Any) -> Callable[[str], Any]:
    """The builder of an upsert by the ``on`` columns that sets ``keys`` from the new row, and ``also``."""

    def build(d: str) -> Any:
        statement = upsert(d, table)
        changes = {key: statement.excluded[key] for key in keys}
        if "password_hash" in table.c:  # a row without a hash keeps the stored one
            changes["password_hash"] = func.coalesce(statement.excluded.password_hash, table.c.password_hash)
        return statement.on_conflict_do_update(index_elements=[table.c[name] for name in on], set_=changes | also)

    return build


def same_name(dialect: str, column: Column[str], value: ColumnElement[str]) -> ColumnElement[bool]:
    """A name equal ignoring ASCII case: SQLite's NOCASE column, PostgreSQL's lower() under "C" (its index)."""
    if dialect == "sqlite":
        return column == value
    return func.lower(column.collate("C")) == func.lower(value.collate("C"))


def among(column: Column[Any], prefix: str, count: int) -> ColumnElement[bool]:
    """``column IN (:prefix0, :prefix1, ...)``, each value bound by name (a statement per count)."""
    if not count:
        return false()
    return column.op("IN")(tuple_(*(bindparam(f"{prefix}{i}") for i in range(count))))


def larger(a: ColumnElement[int], b: ColumnElement[int]) -> ColumnElement[int]:
    return case((a > b, a), else_=b)


ZERO: ColumnElement[int] = literal_column("0")
ONE: ColumnElement[int] = literal_column("1")


class Connection:
    """The statements of a unit of work (sochat.store.repositories.Unit) on its DBAPI connection."""

    def __init__(self, connection: Any, dialect: str, integrity_error: type[Exception]) -> None:
        self.connection = connection
        self._execute: Callable[[str, dict[str, object]], Cursor] = connection.execute
        self.dialect = dialect
        self.integrity_error = integrity_error  # the driver's: a write broke a uniqueness or foreign key rule

    def lend(self, url: str, work: Callable[[sqlalchemy.Connection], T], **options: Any) -> T:
        """Run ``work`` (a migration) on this unit's connection through SQLAlchemy, inside this unit's transaction:
        SQLAlchemy's commit, rollback and close do nothing to it."""
        lent = _Lent(self.connection)
        engine = sqlalchemy.create_engine(url, creator=lambda: lent, poolclass=sqlalchemy.StaticPool, **options)
        with engine.connect() as connection:
            return work(connection)

    def run(self, statement: Statement, **params: object) -> Cursor:
        return self._execute(statement.text(self.dialect), params)

    def raw(self, text: str, params: dict[str, object]) -> Cursor:
        """Run SQL text compiled for this unit's dialect (a list query, sochat.store.sql_query)."""
        return self._execute(text, params)

    def one(self, statement: Statement, **params: object) -> Row | None:
        row: Row | None = self._execute(statement.text(self.dialect), params).fetchone()
        return row

    def lock(self, name: str) -> None:
        """Serialise writers that work on ``name`` until the transaction ends: PostgreSQL's advisory lock;
        nothing on SQLite, whose one writer runs one job at a time anyway."""
        if self.dialect == "postgresql":
            self._execute("SELECT pg_advisory_xact_lock(hashtextextended(%(name)s, 0))", {"name": name})

    def ids_given(self, table: str, column: str, highest: int) -> None:
        """Move an id sequence past explicitly given ids, never back, so that they are not handed out again
        (SQLite's AUTOINCREMENT does so itself). The last value is read, not drawn: a sequence at int32's end
        has no next value, and an import into such a table must still work."""
        if self.dialect == "postgresql":
            self._execute(
                "SELECT setval(seq, GREATEST(%(given)s, pg_sequence_last_value(seq::regclass)))"
                " FROM (SELECT pg_get_serial_sequence(%(table)s, %(column)s) AS seq) AS s",
                {"given": highest, "table": table, "column": column},
            )


class _Lent:
    """A DBAPI connection as SQLAlchemy sees it while it is lent (Connection.lend)."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def close(self) -> None: ...


def new_id(given: int, kind: str) -> int:
    """Refuse an id above int32: SQLite's rowid goes on to 2**63, SuperOffice's ids and our PostgreSQL columns
    stop at 2**31 - 1 (PostgreSQL's sequences refuse by themselves). Raised inside the transaction, it undoes the
    row."""
    if given > INT32_MAX:
        raise IdsExhausted(kind)
    return given


class Repository:
    """The statements on one kind of record, over a unit of work."""

    def __init__(self, unit: Unit) -> None:
        self.unit = unit

    def insert(self, statement: Statement, kind: str, taken: str = "", /, **params: object) -> int:
        """Run an INSERT ... RETURNING the new id of a ``kind`` record; with ``taken``, a broken uniqueness rule
        is a Conflict saying so."""
        try:
            row = self.unit.one(statement, **params)
        except self.unit.integrity_error:
            if not taken:
                raise
            raise Conflict(taken) from None
        assert row is not None
        return new_id(row[0], kind)
