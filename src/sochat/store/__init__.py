"""Persistence: schema, migrations and repositories behind one protocol (sochat.store.protocol)."""
