"""The contract between the agents and storage: the records, and Store, the one store over either database."""

from sochat.domain.writes import IdempotencyKey, Precondition
from sochat.store.records import (
    AppRecord,
    ListPage,
    NewAssociate,
    NewToken,
    NewTopic,
    SaveOutcome,
    StoredChatSession,
    TokenRecord,
    UserRecord,
)
from sochat.store.store import SqlStore as Store

__all__ = [
    "AppRecord",
    "IdempotencyKey",
    "ListPage",
    "NewAssociate",
    "NewToken",
    "NewTopic",
    "Precondition",
    "SaveOutcome",
    "Store",
    "StoredChatSession",
    "TokenRecord",
    "UserRecord",
]
