"""ChatSessionEntity as the tests see it: its property list, read from the code's field metadata, SuperOffice's
sample request, and a body with every property set.

PROPERTIES (and properties_of_kind) is the one list for tests whose point is "every property": adding a
property to the ChatSession Struct adds it here, so those tests cover it without an edit. Tests that hold the
code to SuperOffice's documentation (the CRM oracle in tests/crm/crm_support.py, the unit tests of tests/unit, the
FieldType table of tests/api) keep their own literal lists on purpose.
"""

from __future__ import annotations

import json

from sochat.domain.chat_session import ChatSession
from sochat.domain.fields import Kind, fields_of

# The wire kinds tests tell apart, as the Struct's annotations declare them.
_KIND_NAMES = {
    Kind.INT32: "int",
    Kind.BOOL: "bool",
    Kind.STRING: "string",
    Kind.DATETIME: "date",
    Kind.ENUM: "enum",
    Kind.LINK: "link",
    Kind.TIMESPAN: "time",
    Kind.OBJECT: "object",
    Kind.ARRAY: "array",
}
FIELDS = fields_of(ChatSession)


def _declared_properties() -> tuple[tuple[str, str], ...]:
    """(wire name, kind) of ChatSessionEntity's properties, in the order the Struct declares (and answers) them;
    kind is one of int, bool, string, date, enum, link (time, object, array for the kinds it does not have yet)."""
    return tuple((field.name, _KIND_NAMES[field.kind]) for field in FIELDS)


# ChatSessionEntity's properties in SuperOffice's order.
PROPERTIES: tuple[str, ...] = tuple(name for name, _ in _declared_properties())


def link_carriers() -> dict[str, str]:
    """Each link property with the carrier type it holds (User: Associate, ...), in order."""
    return {field.name: field.carrier for field in FIELDS if field.kind is Kind.LINK and field.carrier is not None}


def properties_of_kind(kind: str) -> tuple[str, ...]:
    """The properties of one kind (int, bool, string, date, enum, link), in order."""
    found = tuple(name for name, declared in _declared_properties() if declared == kind)
    assert found, f"no property of kind {kind!r}"
    return found


# The sample request of the founding document (seed 000), headers and body copied verbatim.
SEED_HEADERS = {
    "Authorization": "Basic dGplMDpUamUw",
    "Accept": "application/json; charset=utf-8",
    "Accept-Language": "fr,de,ru,zh",
    "Content-Type": "application/json; charset=utf-8",
}
SEED_BODY = """{
"ChatSessionId": 352,
"TopicId": 588,
"User": null,
"Person": null,
"CustomerAlias": "soluta",
"CustomerHost": "qui",
"CustomerName": "Schiller, Hilpert and Labadie",
"CustomerEmail": "mckayla@sengeryost.uk",
"CustomerPhone": "546-196-2294",
"CustomerConsented": false,
"CustomerCompanyName": "Williamson, Weber and Grimes",
"Status": "Closed",
"FirstMessage": "rerum",
"LastMessage": "ut",
"WhenRequested": "2002-08-11T10:10:59.0850049+02:00",
"WhenStarted": "2019-06-07T10:10:59.0850049+02:00",
"WhenEnded": "2002-04-04T10:10:59.0850049+02:00",
"WhenIdle": "1999-06-07T10:10:59.0850049+02:00",
"WhenFetched": "2010-04-13T10:10:59.0850049+02:00",
"SessionKey": "est",
"InitialQueuePos": 613,
"AlertLevel": 418,
"Rank": 235,
"Flags": "CustomerIsTyping",
"Contact": null,
"Project": null,
"Sale": null,
"Ticket": null,
"TransferTo": null,
"ChatbotIsActive": false,
"Rating": 957
}"""


def seed_entity() -> dict[str, object]:
    """The seed's sample body as data."""
    body: dict[str, object] = json.loads(SEED_BODY)
    return body


def full_entity(**changes: object) -> dict[str, object]:
    """A save body with every property set to a non-null, non-default value (links by id only), with
    ``changes`` applied."""
    entity: dict[str, object] = {
        "ChatSessionId": 0,
        "TopicId": 2,
        "User": {"AssociateId": 1},
        "Person": {"PersonId": 4711},
        "CustomerAlias": "jsmith",
        "CustomerHost": "195.88.54.16",
        "CustomerName": "John Smith",
        "CustomerEmail": "john.smith@example.com",
        "CustomerPhone": "+1-555-0123",
        "CustomerConsented": True,
        "CustomerCompanyName": "Acme Corporation",
        "Status": "CustomerLast",
        "FirstMessage": "Hi, I need help with my recent order",
        "LastMessage": "Have a great day! \u00e6\u00f8\u00e5 \u2713",
        "WhenRequested": "2024-12-15T09:22:45.1234567+01:00",
        "WhenStarted": "2024-12-15T09:23:15.0000001+01:00",
        "WhenEnded": "2024-12-15T09:25:50.9999999Z",
        "WhenIdle": "2024-12-15T08:25:50.5+00:00",
        "WhenFetched": "2024-12-15T09:23:10.0850049-05:00",
        "SessionKey": "chat-2347-jsmith-20241215",
        "InitialQueuePos": 3,
        "AlertLevel": 2,
        "Rank": 5,
        "Flags": "UserIsTyping",
        "Contact": {"ContactId": 12},
        "Project": {"ProjectId": 13},
        "Sale": {"SaleId": 14},
        "Ticket": {"TicketId": 15},
        "TransferTo": {"AssociateId": 2},
        "ChatbotIsActive": True,
        "Rating": 4,
    }
    entity.update(changes)
    return entity
