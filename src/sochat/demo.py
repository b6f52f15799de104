"""Demo data: a small company behind a chat service, loaded once into an empty database.

The users include the seed's sample credentials (tje0/Tje0, admin). With ``sessions`` (what
`sochat serve --demo` loads) there are also contacts with persons, a project, sales and tickets, and a
few hundred chat sessions in every status over the last two months. The data is the same on every run.
"""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime, timedelta

from sochat.domain import datetimes
from sochat.domain.chat_session import ChatSession
from sochat.domain.enums import CHAT_SESSION_STATUS
from sochat.domain.principal import Role
from sochat.security.passwords import hash_password
from sochat.store.records import NewAssociate, NewTopic, ReferenceRow, Row
from sochat.store.store import Store

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
_CONTACTS = (
    (101, "Nordlys Energi AS", "Tromsø", (("Ingrid", "Haugen"), ("Ola", "Nordmann"))),
    (102, "Fjordkraft Shipping", "Bergen", (("Kari", "Solberg"), ("Per", "Lie"), ("Siri", "Aas"))),
    (103, "Acme Widgets Ltd", "Leeds", (("John", "Smith"), ("Mary", "Jones"))),
    (104, "Grünwald GmbH", "Hamburg", (("Jonas", "Keller"),)),
    (105, "Van Dijk Logistiek", "Utrecht", (("Sanne", "de Vries"), ("Daan", "Bakker"))),
)
_OPENERS = (
    "Hi, I cannot log in to the portal",
    "Where is my order?",
    "Can I change my subscription?",
    "The invoice amount looks wrong",
    "Do you ship to Iceland?",
    "How do I reset my password?",
    "I want to talk to sales about an upgrade",
    "The app crashes when I upload a file",
)
_CLOSERS = ("Thanks, that solved it!", "Have a great day!", "Ok, I will try that.", "Bye", "Perfect, thank you.")
SESSION_COUNT = 300


def _initials(full_name: str) -> str:
    return "".join(part[0] for part in full_name.split()).upper()


def load_demo(store: Store, *, sessions: bool = False) -> bool:
    """Load the demo data if the database is empty; answer whether anything was loaded."""
    if not store.run_admin(lambda unit: unit.users.nothing_stored(), write=False):
        log.info("demo data not loaded: the database already holds data")
        return False
    users = [
        NewAssociate(
            user_name,
            role,
            hash_password(password),
            name=_initials(full_name),
            full_name=full_name,
            formal_name=full_name,
        )
        for user_name, password, role, full_name in DEMO_USERS
    ]
    store.run_admin(
        lambda unit: [unit.users.add(user) for user in users] + [unit.transfer.add_topic(t) for t in DEMO_TOPICS]
    )
    loaded = ""
    if sessions:
        counts = store.run_admin(lambda unit: unit.transfer.load(_company_rows()))
        loaded = "; " + ", ".join(f"{count} {kind}" for kind, count in counts.items())
    log.info(
        "demo data loaded: users %s; %d chat topics%s", ", ".join(u for u, *_ in DEMO_USERS), len(DEMO_TOPICS), loaded
    )
    return True


def _company_rows() -> list[Row]:
    rng = random.Random(20261125)  # the same demo on every run
    rows: list[Row] = []
    people: list[tuple[int, int, str, str]] = []  # (person id, contact id, full name, company)
    for contact_id, name, city, persons in _CONTACTS:
        rows.append(
            ReferenceRow(
                "Contact",
                contact_id,
                {
                    "ContactId": contact_id,
                    "Name": name,
                    "City": city,
                    "FullName": name,
                    "AssociateId": 1,
                    "AssociateFullName": "Tom Jensen",
                    "CategoryName": "Customer",
                },
            )
        )
        for index, (first, last) in enumerate(persons):
            person_id = contact_id * 10 + index
            email = f"{first.lower()}.{last.lower().replace(' ', '')}@example.com"
            rows.append(
                ReferenceRow(
                    "Person",
                    person_id,
                    {
                        "PersonId": person_id,
                        "Firstname": first,
                        "Lastname": last,
                        "FullName": f"{first} {last}",
                        "Email": email,
                        "ContactId": contact_id,
                        "ContactName": name,
                    },
                )
            )
            people.append((person_id, contact_id, f"{first} {last}", name))
    rows.append(
        ReferenceRow(
            "Project",
            201,
            {
                "ProjectId": 201,
                "Name": "Portal relaunch",
                "Status": "Active",
                "AssociateId": 1,
                "AssociateFullName": "Tom Jensen",
            },
        )
    )
    for sale_id, (title, amount) in enumerate((("Enterprise licence", 120000.0), ("Support upgrade", 18000.0)), 301):
        rows.append(
            ReferenceRow(
                "Sale",
                sale_id,
                {
                    "SaleId": sale_id,
                    "Title": title,
                    "Amount": amount,
                    "Currency": "NOK",
                    "Status": "Open",
                    "ContactId": 102,
                },
            )
        )
    for ticket_id, title in enumerate(("Login fails after update", "Wrong VAT on invoice"), 401):
        rows.append(
            ReferenceRow(
                "Ticket",
                ticket_id,
                {"TicketId": ticket_id, "Title": title, "Priority": 2, "BaseStatus": "Active", "ContactId": 101},
            )
        )
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    statuses = [value for _, value in CHAT_SESSION_STATUS.members]
    for number in range(SESSION_COUNT):
        person_id, contact_id, full_name, company = rng.choice(people)
        status = statuses[number % len(statuses)]  # every status, evenly
        requested = now - timedelta(minutes=rng.randint(5, 60 * 24 * 60))
        started = requested + timedelta(seconds=rng.randint(10, 600)) if status >= 5 else None
        ended = started + timedelta(minutes=rng.randint(2, 40)) if started and status in (7, 8, 9, 11) else None
        user_id = None if status in (1, 2, 3, 4, 10) else rng.choice((2, 3, 2, 3, 1))
        first = rng.choice(_OPENERS)
        rows.append(
            ChatSession(
                topic_id=rng.randint(1, 3),
                user_id=user_id,
                person_id=person_id if rng.random() < 0.7 else None,
                customer_alias=full_name.split()[0].lower(),
                customer_host=f"10.0.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                customer_name=full_name,
                customer_email=f"{full_name.lower().replace(' ', '.')}@example.com",
                customer_phone=f"+47 9{rng.randint(1000000, 9999999)}",
                customer_consented=rng.random() < 0.8,
                customer_company_name=company,
                status=status,
                first_message=first,
                last_message=rng.choice(_CLOSERS) if ended else first,
                when_requested=datetimes.from_datetime(requested),
                when_started=datetimes.from_datetime(started) if started else None,
                when_ended=datetimes.from_datetime(ended) if ended else None,
                when_idle=datetimes.from_datetime(ended or started or requested),
                when_fetched=datetimes.from_datetime(ended or started or requested),
                session_key=f"demo-{number:04d}-{rng.getrandbits(32):08x}",
                initial_queue_pos=rng.randint(1, 6),
                alert_level=rng.choice((0, 0, 0, 1, 2)),
                rank=rng.randint(1, 4) if user_id else 0,
                flags=1 if status in (5, 6) and rng.random() < 0.3 else 0,
                contact_id=contact_id if rng.random() < 0.6 else None,
                ticket_id=rng.choice((401, 402)) if rng.random() < 0.1 else None,
                sale_id=rng.choice((301, 302)) if rng.random() < 0.05 else None,
                chatbot_is_active=status in (1, 2) and rng.random() < 0.5,
                rating=rng.randint(1, 5) if ended and rng.random() < 0.6 else 0,
            )
        )
    return rows
