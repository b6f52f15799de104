"""What the commands share: the store they open, the user they name, what may be printed of a database URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import click

from sochat.store.records import UserRecord
from sochat.store.store import Store
from sochat.store.url import DatabaseUrlError, open_store


def shown_url(url: str) -> str:
    """A database URL as it may be printed: a password in it is masked."""
    parts = urlsplit(url) if "://" in url else None
    if parts is None or parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)))


def now_ticks() -> int:
    from datetime import UTC, datetime

    from sochat.domain import datetimes

    return datetimes.from_datetime(datetime.now(UTC))


def live_user(store: Store, name: str) -> UserRecord:
    """The user NAME names (ignoring case), or a one-line error when there is no such live user."""
    named = [
        u for u in store.run_admin(lambda unit: unit.users.list(), write=False) if u.user_name.lower() == name.lower()
    ]
    record = next((u for u in named if not u.deleted), None)
    if record is None:
        if named:  # the CLI is the operator's tool: saying so enumerates nothing a caller of the API could reach
            raise click.ClickException(f"user {named[0].user_name!r} is deleted; `sochat user list` marks it")
        raise click.ClickException(f"no user named {name!r}; `sochat user list` shows them")
    return record


def check_password(password: str) -> None:
    if not password:
        raise click.ClickException("the password must not be empty")


@contextmanager
def opened_store(database_url: str) -> Iterator[Store]:
    try:
        store = open_store(database_url)
    except DatabaseUrlError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        yield store
    finally:
        store.close()
