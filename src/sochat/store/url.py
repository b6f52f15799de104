"""Open a Store from a database URL."""

from __future__ import annotations

from pathlib import Path

from sochat.store.protocol import Store


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


def open_store(url: str, *, sqlite_synchronous: str = "FULL") -> Store:
    path = sqlite_path(url)
    if path is not None:
        from sochat.store.sqlite import SqliteStore

        if path.parent and not path.parent.exists():
            raise DatabaseUrlError(f"the folder {path.parent} for the SQLite database does not exist")
        return SqliteStore(path, synchronous=sqlite_synchronous)
    scheme = url.split("://", 1)[0]
    if scheme in ("postgresql", "postgres"):
        raise DatabaseUrlError(
            "PostgreSQL is not supported by this version of sochat yet; use an SQLite URL (sqlite:///sochat.db)"
        )
    raise DatabaseUrlError(f"unsupported database URL scheme {scheme!r}; use sqlite:///file.db")
