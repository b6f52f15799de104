"""Open a Store from a database URL."""

from __future__ import annotations

import os
from pathlib import Path

from sochat.store.store import Store

# Connections a PostgreSQL store keeps open for requests. PostgreSQL allows 100 by default, for every client.
DEFAULT_POOL_SIZE = 10


class DatabaseUrlError(ValueError):
    """The database URL names no backend sochat can open; the message says what is supported."""


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL (``sqlite:///relative.db``, ``sqlite:////abs.db``) or a bare path."""
    if url.startswith("sqlite://"):
        rest = url[len("sqlite://") :]
        if not rest.startswith("/"):
            raise DatabaseUrlError(f"SQLite URLs look like sqlite:///file.db, not {url!r}")
        path = rest[1:]
        if not path:
            raise DatabaseUrlError("the SQLite URL names no file (use sqlite:///sochat.db)")
        return Path(path)
    if "://" not in url:
        return Path(url)
    return None


def open_store(url: str, *, sqlite_synchronous: str = "FULL", pool_size: int = DEFAULT_POOL_SIZE) -> Store:
    """Open the store a database URL names: ``sqlite:///file.db`` (or a bare path) or ``postgresql://...``.

    ``sqlite_synchronous`` is SQLite's PRAGMA synchronous; ``pool_size`` is the number of connections a
    PostgreSQL store keeps for requests.
    """
    path = sqlite_path(url)
    if path is not None:
        from sochat.store.sqlite import SqliteEngine

        _check_sqlite_folder(path)
        return Store(SqliteEngine(path, synchronous=sqlite_synchronous))
    scheme = url.split("://", 1)[0]
    if scheme in ("postgresql", "postgres"):
        try:
            from sochat.store.postgres import PostgresEngine
        except ImportError as exc:
            if exc.name is not None and not exc.name.startswith("psycopg"):
                raise  # a missing module of our own is a bug, not a missing extra
            raise DatabaseUrlError(
                f"PostgreSQL needs the psycopg driver, which cannot be loaded ({exc}); "
                "install it with: pip install 'sochat[postgres]'"
            ) from exc
        return Store(PostgresEngine(url, pool_size=pool_size))
    raise DatabaseUrlError(
        f"unsupported database URL scheme {scheme!r}; use sqlite:///file.db or postgresql://user@host/database"
    )


def _check_sqlite_folder(path: Path) -> None:
    """DatabaseUrlError naming the database, its folder and the reason when SQLite could not work there: the folder
    is missing, or it cannot be written while SQLite still has a file to create in it (the database itself, or
    the -wal and -shm files that WAL mode keeps beside it)."""
    database = path.absolute()
    folder = database.parent
    if not folder.is_dir():
        reason = "is not a folder" if folder.exists() else "does not exist"
        raise DatabaseUrlError(f"cannot open the SQLite database {database}: the folder {folder} {reason}")
    to_create = [name for name in (path.name, f"{path.name}-wal", f"{path.name}-shm") if not (folder / name).exists()]
    if to_create and not os.access(folder, os.W_OK | os.X_OK):
        raise DatabaseUrlError(
            f"cannot open the SQLite database {database}: the folder {folder} is read-only for this user, "
            f"and SQLite must create {', '.join(to_create)} in it"
        )
