"""The one entry to the agents. The HTTP edge reaches every use case through Agents, never the store.

Each subject is a module of its own behind it: chat sessions (sessions.py), chat topics (topics.py),
authentication, health. The rest of SuperOffice's Chat agent (messages, presence) joins as further modules and
members here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sochat.agents.authentication import AuthenticationAgent
from sochat.agents.health import HealthAgent
from sochat.agents.sessions import ChatSessionAgent
from sochat.agents.topics import ChatTopicAgent
from sochat.observability import Observability
from sochat.security.passwords import VerifiedCredentials
from sochat.settings import Settings
from sochat.store.store import Store


@dataclass(frozen=True, slots=True)
class Agents:
    sessions: ChatSessionAgent  # SuperOffice's Chat agent: its chat session methods
    topics: ChatTopicAgent  # SuperOffice's Chat agent: its chat topic methods
    authentication: AuthenticationAgent
    health: HealthAgent


def open_agents(store: Store, settings: Settings, cache: VerifiedCredentials, observability: Observability) -> Agents:
    """The agents over one store, with the policy the settings choose (strict mode, lifetimes, lockout)."""
    return Agents(
        sessions=ChatSessionAgent(
            store, strict=settings.strict, idempotency_ttl_seconds=settings.idempotency_ttl_seconds
        ),
        topics=ChatTopicAgent(store, strict=settings.strict),
        authentication=AuthenticationAgent(store, cache, settings, observability.unregistered_app_tokens.inc),
        health=HealthAgent(store, observability),
    )
