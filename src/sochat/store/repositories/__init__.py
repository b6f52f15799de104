"""One repository per kind of record, written once for both databases, and the unit of work that bundles them
over one connection inside one transaction."""

from __future__ import annotations

from functools import cached_property

from sochat.store.repositories.accounts import Applications, Lockout, Tokens, Users
from sochat.store.repositories.references import References
from sochat.store.repositories.sessions import Idempotency, Sessions
from sochat.store.repositories.topics import Topics
from sochat.store.repositories.transfer import Transfer
from sochat.store.sql import Connection


class Unit(Connection):
    """A unit of work: the repositories over one connection, inside one transaction (on SQLite the writer's
    savepoint or a reader's snapshot, on PostgreSQL a pooled connection's transaction). A job is a function of
    a Unit (sochat.store.store.Store.write, read and run_admin)."""

    sessions = cached_property(Sessions)
    idempotency = cached_property(Idempotency)
    users = cached_property(Users)
    tokens = cached_property(Tokens)
    lockout = cached_property(Lockout)
    applications = cached_property(Applications)
    references = cached_property(References)
    transfer = cached_property(Transfer)
    topics = cached_property(Topics)
