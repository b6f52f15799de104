"""Migrations through Alembic, run from code (no alembic.ini): ``upgrade`` brings a database to the newest
revision in versions/ and answers the names of what it applied.

The baseline revision is the schema of migrations 0001..0004 (sochat.store.migrations): it applies the SQL files
that the legacy table schema_migration does not record yet, so that a new database, one made by a release
before Alembic, and an older one all arrive at the same schema. Later revisions are Alembic operations,
checked against sochat.store.schema by tests/storage/test_store_alembic.py."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from sochat.store.schema import metadata

FOLDER = Path(__file__).parent


def upgrade(connection: sqlalchemy.Connection) -> list[str]:
    """Apply every pending revision on ``connection`` inside its transaction; answer what was applied."""
    script = ScriptDirectory(str(FOLDER))
    applied: list[str] = []
    context = MigrationContext.configure(
        connection,
        opts={"fn": lambda revision, _: script._upgrade_revs("head", revision), "target_metadata": metadata},
    )
    with Operations.context(context):
        context.run_migrations(applied=applied)
    return applied
