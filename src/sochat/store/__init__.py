"""Persistence: the schema, migrations, repositories and the unit of work, and Store over SQLite or PostgreSQL."""
