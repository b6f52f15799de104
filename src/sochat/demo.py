"""Demo data: the seed's sample user and a few associates and chat topics, loaded once into an empty database."""

from __future__ import annotations

import logging

from sochat.domain.principal import Role
from sochat.security.passwords import hash_password
from sochat.store.protocol import NewAssociate, NewTopic, Store

log = logging.getLogger(__name__)

# (user name, password, role, full name). tje0/Tje0 are the credentials of SuperOffice's sample requests.
DEMO_USERS = (
    ("tje0", "Tje0", Role.ADMIN, "Tom Jensen"),
    ("agent1", "Agent1", Role.AGENT, "Anna Berg"),
    ("agent2", "Agent2", Role.AGENT, "Lars Nilsen"),
    ("viewer", "Viewer1", Role.READONLY, "Vera Dahl"),
)
DEMO_TOPICS = (
    NewTopic("Sales", "Questions before buying", "Welcome! A sales agent will be with you shortly."),
    NewTopic("Support", "Help with products you own", "Welcome to support. Please describe your problem."),
    NewTopic("Billing", "Invoices and payments", "Hello! How can we help with your invoice?"),
)


def load_demo(store: Store) -> bool:
    """Load the demo data if the database is empty; answer whether anything was loaded."""
    if not store.is_empty():
        log.info("demo data not loaded: the database already holds data")
        return False
    for user_name, password, role, full_name in DEMO_USERS:
        initials = "".join(part[0] for part in full_name.split()).upper()
        store.add_associate(
            NewAssociate(
                user_name, role, hash_password(password), name=initials, full_name=full_name, formal_name=full_name
            )
        )
    for topic in DEMO_TOPICS:
        store.add_topic(topic)
    log.info("demo data loaded: users %s; %d chat topics", ", ".join(user for user, *_ in DEMO_USERS), len(DEMO_TOPICS))
    return True
