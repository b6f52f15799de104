"""What the backends share about connecting, beneath both them and the URL that chooses one (sochat.store.url):
with it here, a backend never imports the module that imports it."""

from __future__ import annotations

# Connections a PostgreSQL store keeps open for requests. PostgreSQL allows 100 by default, for every client.
DEFAULT_POOL_SIZE = 10


class DatabaseUrlError(ValueError):
    """The database URL names no backend sochat can open; the message says what is supported."""
