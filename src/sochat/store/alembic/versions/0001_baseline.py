"""Baseline: the schema of the legacy SQL migrations 0001..0004, applying those not yet recorded.

Revision ID: 0001_baseline
Revises:
"""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import op
from sqlalchemy import insert, select

from sochat.domain import datetimes
from sochat.store import migrations
from sochat.store.schema import schema_migration

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None


def upgrade(applied: list[str] | None = None) -> None:
    connection = op.get_bind()
    schema_migration.create(connection, checkfirst=True)
    done = set(connection.scalars(select(schema_migration.c.version)))
    for migration in migrations.load(connection.dialect.name):
        if migration.version in done:
            continue
        for statement in migrations.statements(migration.sql):
            connection.exec_driver_sql(statement)
        connection.execute(
            insert(schema_migration).values(
                version=migration.version,
                name=migration.name,
                applied_ticks=datetimes.from_datetime(datetime.now(UTC)),
            )
        )
        if applied is not None:
            applied.append(f"{migration.version:04d}_{migration.name}")


def downgrade() -> None:
    raise NotImplementedError("sochat migrates forward only")
