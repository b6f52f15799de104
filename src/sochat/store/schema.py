"""The tables, described once (SQLAlchemy Core) as migrations 0001..0004 left them; every statement is built
from them and compiled for SQLite and PostgreSQL (sochat.store.sql). chat_session's columns follow the
entity's FIELDS, so a new property shows up as a difference that the Alembic test asks a revision for."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    false,
    func,
    literal_column,
)
from sqlalchemy.dialects.postgresql import JSON
from sqlalchemy.types import TypeEngine

from sochat.domain.chat_session import FIELDS
from sochat.domain.fields import Kind
from sochat.store.topic_schema import topic_columns

metadata = MetaData()

# SQLite keeps every number and flag in INTEGER; PostgreSQL has BIGINT ticks and BOOLEAN flags.
TICKS = BigInteger().with_variant(Integer(), "sqlite")
FLAG = Boolean().with_variant(Integer(), "sqlite")
C_TEXT = Text().with_variant(Text(collation="C"), "postgresql")  # compares and sorts as SQLite's BINARY
NOCASE_TEXT = Text().with_variant(Text(collation="NOCASE"), "sqlite")  # PostgreSQL: a lower() unique index


def _id(name: str) -> Column[int]:
    """A primary key handed out by the database and never reused (AUTOINCREMENT; identity ALWAYS)."""
    return Column(name, Integer, Identity(always=True), primary_key=True)


def _flag(name: str) -> Column[bool]:
    return Column(name, FLAG, nullable=False, server_default=false())


def _zero(name: str, kind: TypeEngine[int] | type[Integer] = Integer) -> Column[int]:
    return Column(name, kind, nullable=False, server_default=literal_column("0"))


def _text(name: str, default: bool = True) -> Column[str]:
    return Column(name, Text, nullable=False, server_default=literal_column("''") if default else None)


associate = Table(
    "associate",
    metadata,
    _id("associate_id"),
    _text("name", default=False),
    Column("user_name", NOCASE_TEXT, nullable=False),
    _text("full_name"),
    _text("formal_name"),
    _zero("person_id"),
    _zero("rank"),
    _text("tooltip"),
    Column("user_type", Integer, nullable=False, server_default=literal_column("1")),
    _zero("group_idx"),
    _flag("deleted"),
    _zero("ej_user_id"),
    Column("role", Text, CheckConstraint("role IN ('admin', 'agent', 'readonly')"), nullable=False),
    Column("password_hash", Text),
    sqlite_autoincrement=True,
)

chat_topic = Table(
    "chat_topic",
    metadata,
    _id("chat_topic_id"),
    _text("name", default=False),
    _text("description"),
    _text("welcome_message"),
    *topic_columns(),  # ChatTopicEntity's other properties (revision 0002)
    sqlite_autoincrement=True,
)

reference_record = Table(
    "reference_record",
    metadata,
    Column("carrier", Text, nullable=False),
    Column("id", Integer, nullable=False),
    Column("data", Text().with_variant(JSON(), "postgresql"), nullable=False),  # JSON keeps the key order
    PrimaryKeyConstraint("carrier", "id"),
    sqlite_with_rowid=False,
)


def _session_column(attr: str, kind: Kind, length: int) -> Column[Any]:
    if attr == "chat_session_id":
        return _id(attr)
    if kind is Kind.STRING:
        return Column(attr, C_TEXT, CheckConstraint(f"length({attr}) <= {length}"))
    if kind is Kind.BOOL:
        return _flag(attr)
    if kind is Kind.DATETIME:
        return Column(attr, TICKS)
    if kind is Kind.LINK:
        return Column(attr, Integer)
    return _zero(attr)


chat_session = Table(
    "chat_session",
    metadata,
    *(_session_column(field.attr, field.kind, field.length) for field in FIELDS),
    # Bookkeeping that is not part of the entity: a counter for optimistic concurrency and the last write.
    Column("row_version", Integer, nullable=False, server_default=literal_column("1")),
    Column("updated_ticks", TICKS, nullable=False),
    Index("chat_session_topic", "topic_id"),
    Index("chat_session_user", "user_id"),
    Index("chat_session_status_topic", "status", "topic_id", "chat_session_id"),
    sqlite_autoincrement=True,
)

idempotency_key = Table(
    "idempotency_key",
    metadata,
    Column("owner", Integer, nullable=False),
    Column("key", Text, nullable=False),
    Column("fingerprint", Text, nullable=False),
    Column("chat_session_id", Integer, nullable=False),
    Column("expires_ticks", TICKS, nullable=False),
    PrimaryKeyConstraint("owner", "key"),
    Index("idempotency_key_expiry", "expires_ticks"),
    sqlite_with_rowid=False,
)

auth_token = Table(
    "auth_token",
    metadata,
    Column("token_hash", Text, primary_key=True),
    Column("kind", Text, CheckConstraint("kind IN ('ticket', 'access', 'session')"), nullable=False),
    Column("associate_id", Integer, ForeignKey("associate.associate_id", ondelete="CASCADE"), nullable=False),
    Column("xsrf_hash", Text),
    Column("app_id", Integer),
    Column("created_ticks", TICKS, nullable=False),
    Column("expires_ticks", TICKS, nullable=False),
    _zero("idle_ticks", TICKS),
    Column("used_ticks", TICKS, nullable=False),
    _flag("revoked"),
    Index("auth_token_associate", "associate_id"),
    sqlite_with_rowid=False,
)

application = Table(
    "application",
    metadata,
    _id("app_id"),
    Column("name", NOCASE_TEXT, nullable=False),
    Column("token_hash", Text, nullable=False, unique=True),
    Column("owner_id", Integer, ForeignKey("associate.associate_id", ondelete="SET NULL")),
    Column("created_ticks", TICKS, nullable=False),
    _flag("revoked"),
    sqlite_autoincrement=True,
)

auth_failure = Table(
    "auth_failure",
    metadata,
    Column("key", Text, primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_ticks", TICKS, nullable=False),
    _zero("locked_until", TICKS),
    Index("auth_failure_window", "window_ticks"),
    sqlite_with_rowid=False,
)

# The legacy record of the SQL files 0001..0004 applied (sochat.store.alembic's baseline reads it).
schema_migration = Table(
    "schema_migration",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
    Column("applied_ticks", TICKS, nullable=False),
)

# PostgreSQL's stand-in for SQLite's NOCASE unique columns: lower() under "C" folds ASCII letters only.
# SQLite: UNIQUE on the NOCASE column. PostgreSQL: lower() under "C", which folds ASCII letters only.
for _table, _column, _index in (
    (associate, "user_name", "associate_user_name"),
    (application, "name", "application_name"),
):
    _table.append_constraint(UniqueConstraint(_column).ddl_if(dialect="sqlite"))
    Index(_index, func.lower(_table.c[_column].collate("C")), unique=True).ddl_if(dialect="postgresql")
