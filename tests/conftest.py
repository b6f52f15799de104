"""The suite's shared fixtures live in tests/support (support.fixtures, loaded here as a plugin): a demo
database per test on SQLite and PostgreSQL, SuperOffice's sample request, an entity with every property set.
support.ci makes a skip fail the run when CI=true. Each folder's conftest adds only what is its own."""

from __future__ import annotations

pytest_plugins = ["support.fixtures", "support.ci"]
