"""The databases the storage tests run on: now shared with the rest of the suite in tests/database_backends.py."""

from __future__ import annotations

from database_backends import (
    BACKENDS,
    POSTGRES_URL,
    REQUIRE_POSTGRES,
    Backend,
    Rows,
    postgres_backend,
    postgres_missing,
    sqlite_backend,
    unique_name,
    with_query,
)

__all__ = [
    "BACKENDS",
    "POSTGRES_URL",
    "REQUIRE_POSTGRES",
    "Backend",
    "Rows",
    "postgres_backend",
    "postgres_missing",
    "sqlite_backend",
    "unique_name",
    "with_query",
]
