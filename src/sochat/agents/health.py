"""Readiness and metrics: what a load balancer or an orchestrator asks of the server."""

from __future__ import annotations

from sochat.observability import Observability
from sochat.store.store import Store


class HealthAgent:
    def __init__(self, store: Store, observability: Observability) -> None:
        self._store = store
        self._observability = observability

    async def ready(self) -> None:
        """Raise Unavailable unless the database can be reached and can take writes."""
        await self._store.ping()

    async def metrics(self) -> bytes:
        """Prometheus text format: requests, latency, slow calls, database time, sessions by status."""
        return self._observability.exposition(
            await self._store.read(lambda unit: unit.sessions.count_by_status(), "count_chat_sessions_by_status")
        )
