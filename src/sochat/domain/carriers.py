"""The nested carriers a ChatSessionEntity links to, declared as Structs with their properties in SuperOffice's
order, and the CarrierType view of each (name, id property, (property, kind) pairs, enums) derived from them.

Only a carrier's id is stored on a chat session; the rest comes from sochat's reference data when
it knows the record, or from .NET's defaults when it does not. Their strings have no limit here: sochat never
reads them from a save (decision 4), only from import files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

import msgspec

from sochat.domain.enums import (
    ACTIVITY_STATUS,
    SALE_STATUS,
    TICKET_BASE_STATUS,
    TICKET_ORIGIN,
    TICKET_READ_STATUS,
    TICKET_SECURITY_LEVEL,
    USER_TYPE,
    EnumType,
)
from sochat.domain.fields import OPAQUE, SHORT, EnumOf, Kind, Ticks, fields_of, wire_name

Short = Annotated[int, SHORT]
# Passed through as stored (ExtraFields, CustomFields: string dictionaries; Contact.Address: a structure).
Opaque = Annotated[Any, OPAQUE]


class Associate(msgspec.Struct, rename="pascal"):
    CARRIER: ClassVar[bool] = True
    ID_PROPERTY: ClassVar[str] = "AssociateId"

    associate_id: int = 0
    name: str = ""
    person_id: int = 0
    rank: Short = 0
    tooltip: str = ""
    type: Annotated[int, EnumOf(USER_TYPE)] = 0
    group_idx: int = 0
    full_name: str = ""
    formal_name: str = ""
    deleted: bool = False
    ej_user_id: int = 0
    user_name: str = ""
    extra_fields: Opaque = None
    custom_fields: Opaque = None


class Person(msgspec.Struct, rename="pascal"):
    CARRIER: ClassVar[bool] = True
    ID_PROPERTY: ClassVar[str] = "PersonId"

    position: str = ""
    person_id: int = 0
    mrmrs: str = ""
    firstname: str = ""
    lastname: str = ""
    middle_name: str = ""
    title: str = ""
    description: str = ""
    email: str = ""
    full_name: str = ""
    direct_phone: str = ""
    formal_name: str = ""
    country_id: int = 0
    contact_id: int = 0
    contact_name: str = ""
    retired: Short = 0
    rank: Short = 0
    active_interests: Short = 0
    contact_department: str = ""
    contact_country_id: int = 0
    contact_org_nr: str = ""
    fax_phone: str = ""
    mobile_phone: str = ""
    contact_phone: str = ""
    associate_name: str = ""
    associate_id: int = 0
    use_person_address: bool = False
    contact_fax: str = ""
    kanafname: str = ""
    kanalname: str = ""
    post1: str = ""
    post2: str = ""
    post3: str = ""
    email_name: str = ""
    contact_full_name: str = ""
    active_erp_links: int = 0
    ticket_priority_id: int = 0
    support_language_id: int = 0
    support_associate_id: int = 0
    category_name: str = ""
    person_number: str = ""


class Contact(msgspec.Struct, rename="pascal"):
    CARRIER: ClassVar[bool] = True
    ID_PROPERTY: ClassVar[str] = "ContactId"

    contact_id: int = 0
    name: str = ""
    org_nr: str = ""
    department: str = ""
    url: str = msgspec.field(default="", name="URL")
    city: str = ""
    direct_phone: str = ""
    associate_id: int = 0
    country_id: int = 0
    email_address: str = ""
    kananame: str = ""
    email_address_name: str = ""
    url_name: str = msgspec.field(default="", name="URLName")
    associate_full_name: str = ""
    business_name: str = ""
    category_name: str = ""
    country_name: str = ""
    address: Opaque = None
    formatted_address: str = ""
    full_name: str = ""
    is_owner_contact: bool = False
    active_erp_links: int = 0
    number1: str = ""
    number2: str = ""


class Project(msgspec.Struct, rename="pascal"):
    CARRIER: ClassVar[bool] = True
    ID_PROPERTY: ClassVar[str] = "ProjectId"

    project_id: int = 0
    name: str = ""
    description: str = ""
    url: str = msgspec.field(default="", name="URL")
    type: str = ""
    associate_id: int = 0
    associate_full_name: str = ""
    type_id: int = 0
    updated: Ticks = None
    status_id: int = 0
    status: str = ""
    text_id: int = 0
    publish_to: Ticks = None
    publish_from: Ticks = None
    is_published: bool = False
    url_name: str = msgspec.field(default="", name="URLName")
    project_number: str = ""
    active_erp_links: int = 0
    event_id: int = 0
    start_date: Ticks = None


class Sale(msgspec.Struct, rename="pascal"):
    CARRIER: ClassVar[bool] = True
    ID_PROPERTY: ClassVar[str] = "SaleId"

    contact_name: str = ""
    sale_date: Ticks = None
    sale_id: int = 0
    probability: Short = 0
    title: str = ""
    amount: float = 0.0
    currency: str = ""
    project_name: str = ""
    associate_full_name: str = ""
    description: str = ""
    status: Annotated[int, EnumOf(SALE_STATUS)] = 0
    weighted_amount: float = 0.0
    project_id: int = 0
    earning_percent: float = 0.0
    earning: float = 0.0
    contact_id: int = 0
    associate_id: int = 0
    person_id: int = 0
    sale_type_id: int = 0
    sale_type_name: str = ""
    person_full_name: str = ""
    completed: Annotated[int, EnumOf(ACTIVITY_STATUS)] = 0
    active_erp_links: int = 0
    next_due_date: Ticks = None
    number: str = ""


class Ticket(msgspec.Struct, rename="pascal"):
    CARRIER: ClassVar[bool] = True
    ID_PROPERTY: ClassVar[str] = "TicketId"

    ticket_id: int = 0
    title: str = ""
    created_at: Ticks = None
    last_changed: Ticks = None
    read_by_owner: Ticks = None
    read_by_customer: Ticks = None
    first_read_by_user: Ticks = None
    activate: Ticks = None
    closed_at: Ticks = None
    replied_at: Ticks = None
    alert_timeout: Ticks = None
    deadline: Ticks = None
    created_by: int = 0
    created_by_name: str = ""
    author: str = ""
    owned_by: int = 0
    owned_by_name: str = ""
    category: int = 0
    category_name: str = ""
    category_fullname: str = ""
    slevel: Annotated[int, EnumOf(TICKET_SECURITY_LEVEL)] = 0
    priority: int = 0
    priority_name: str = ""
    base_status: Annotated[int, EnumOf(TICKET_BASE_STATUS)] = 0
    ticket_status: int = 0
    ticket_status_display_value: str = ""
    origin: Annotated[int, EnumOf(TICKET_ORIGIN)] = 0
    cust_id: int = 0
    person_firstname: str = ""
    person_middle_name: str = ""
    person_lastname: str = ""
    person_fullname: str = ""
    alert_level: Short = 0
    connect_id: int = 0
    read_status: Annotated[int, EnumOf(TICKET_READ_STATUS)] = 0
    time_to_reply: int = 0
    real_time_to_reply: int = 0
    time_to_close: int = 0
    real_time_to_close: int = 0
    time_spent_internally: int = 0
    time_spent_externally: int = 0
    time_spent_queue: int = 0
    real_time_spent_internally: int = 0
    real_time_spent_externally: int = 0
    real_time_spent_queue: int = 0
    time_spent: int = 0
    has_attachment: bool = False
    num_replies: int = 0
    num_messages: int = 0
    from_address: str = ""
    contact_id: int = 0
    contact_name: str = ""
    owned_by_associate_id: int = 0
    language: str = ""
    sentiment: int = 0
    sentiment_confidence: int = 0
    sale_id: int = 0
    project_id: int = 0
    sale_heading: str = ""
    project_name: str = ""
    form_submission_id: int = 0
    ticket_type_id: int = 0
    ticket_type_name: str = ""


@dataclass(frozen=True)
class CarrierType:
    """A nested carrier: its name, the property holding its id, and every property with its kind."""

    name: str
    id_property: str
    properties: tuple[tuple[str, Kind], ...]
    enums: tuple[tuple[str, EnumType], ...] = ()

    def enum_of(self, property_name: str) -> EnumType | None:
        return dict(self.enums).get(property_name)

    @classmethod
    def of(cls, shape: type[msgspec.Struct]) -> CarrierType:
        fields = fields_of(shape)
        enums = tuple((field.name, field.enum) for field in fields if field.enum is not None)
        id_property = getattr(shape, "ID_PROPERTY", f"{wire_name(shape)}Id")
        return cls(wire_name(shape), id_property, tuple((field.name, field.kind) for field in fields), enums)


ASSOCIATE, PERSON, CONTACT, PROJECT, SALE, TICKET = (
    CarrierType.of(shape) for shape in (Associate, Person, Contact, Project, Sale, Ticket)
)
CARRIERS = {carrier.name: carrier for carrier in (ASSOCIATE, PERSON, CONTACT, PROJECT, SALE, TICKET)}
