"""The nested carriers a ChatSessionEntity links to, with their properties in SuperOffice's order.

Only a carrier's id is stored on a chat session; the rest comes from sochat's reference data when
it knows the record, or from .NET's defaults when it does not.
"""

from __future__ import annotations

from dataclasses import dataclass

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
from sochat.domain.fields import Kind

INT, SHORT, DOUBLE, BOOL, STR, DATE, ENUM, OPAQUE = (
    Kind.INT32,
    Kind.INT16,
    Kind.DOUBLE,
    Kind.BOOL,
    Kind.STRING,
    Kind.DATETIME,
    Kind.ENUM,
    Kind.OPAQUE,
)


@dataclass(frozen=True)
class CarrierType:
    """A nested carrier: its name, the property holding its id, and every property with its kind."""

    name: str
    id_property: str
    properties: tuple[tuple[str, Kind], ...]
    enums: tuple[tuple[str, EnumType], ...] = ()

    def enum_of(self, property_name: str) -> EnumType | None:
        return dict(self.enums).get(property_name)


def _props(spec: str, kind: Kind) -> tuple[tuple[str, Kind], ...]:
    return tuple((name, kind) for name in spec.split())


ASSOCIATE = CarrierType(
    "Associate",
    "AssociateId",
    (
        ("AssociateId", INT),
        ("Name", STR),
        ("PersonId", INT),
        ("Rank", SHORT),
        ("Tooltip", STR),
        ("Type", ENUM),
        ("GroupIdx", INT),
        ("FullName", STR),
        ("FormalName", STR),
        ("Deleted", BOOL),
        ("EjUserId", INT),
        ("UserName", STR),
        ("ExtraFields", OPAQUE),
        ("CustomFields", OPAQUE),
    ),
    enums=(("Type", USER_TYPE),),
)

PERSON = CarrierType(
    "Person",
    "PersonId",
    (
        ("Position", STR),
        ("PersonId", INT),
        *_props("Mrmrs Firstname Lastname MiddleName Title Description Email FullName DirectPhone FormalName", STR),
        ("CountryId", INT),
        ("ContactId", INT),
        ("ContactName", STR),
        ("Retired", SHORT),
        ("Rank", SHORT),
        ("ActiveInterests", SHORT),
        ("ContactDepartment", STR),
        ("ContactCountryId", INT),
        *_props("ContactOrgNr FaxPhone MobilePhone ContactPhone AssociateName", STR),
        ("AssociateId", INT),
        ("UsePersonAddress", BOOL),
        *_props("ContactFax Kanafname Kanalname Post1 Post2 Post3 EmailName ContactFullName", STR),
        *_props("ActiveErpLinks TicketPriorityId SupportLanguageId SupportAssociateId", INT),
        ("CategoryName", STR),
        ("PersonNumber", STR),
    ),
)

CONTACT = CarrierType(
    "Contact",
    "ContactId",
    (
        ("ContactId", INT),
        *_props("Name OrgNr Department URL City DirectPhone", STR),
        ("AssociateId", INT),
        ("CountryId", INT),
        *_props("EmailAddress Kananame EmailAddressName URLName AssociateFullName BusinessName CategoryName", STR),
        ("CountryName", STR),
        ("Address", OPAQUE),
        ("FormattedAddress", STR),
        ("FullName", STR),
        ("IsOwnerContact", BOOL),
        ("ActiveErpLinks", INT),
        ("Number1", STR),
        ("Number2", STR),
    ),
)

PROJECT = CarrierType(
    "Project",
    "ProjectId",
    (
        ("ProjectId", INT),
        *_props("Name Description URL Type", STR),
        ("AssociateId", INT),
        ("AssociateFullName", STR),
        ("TypeId", INT),
        ("Updated", DATE),
        ("StatusId", INT),
        ("Status", STR),
        ("TextId", INT),
        ("PublishTo", DATE),
        ("PublishFrom", DATE),
        ("IsPublished", BOOL),
        ("URLName", STR),
        ("ProjectNumber", STR),
        ("ActiveErpLinks", INT),
        ("EventId", INT),
        ("StartDate", DATE),
    ),
)

SALE = CarrierType(
    "Sale",
    "SaleId",
    (
        ("ContactName", STR),
        ("SaleDate", DATE),
        ("SaleId", INT),
        ("Probability", SHORT),
        ("Title", STR),
        ("Amount", DOUBLE),
        ("Currency", STR),
        ("ProjectName", STR),
        ("AssociateFullName", STR),
        ("Description", STR),
        ("Status", ENUM),
        ("WeightedAmount", DOUBLE),
        ("ProjectId", INT),
        ("EarningPercent", DOUBLE),
        ("Earning", DOUBLE),
        ("ContactId", INT),
        ("AssociateId", INT),
        ("PersonId", INT),
        ("SaleTypeId", INT),
        ("SaleTypeName", STR),
        ("PersonFullName", STR),
        ("Completed", ENUM),
        ("ActiveErpLinks", INT),
        ("NextDueDate", DATE),
        ("Number", STR),
    ),
    enums=(("Status", SALE_STATUS), ("Completed", ACTIVITY_STATUS)),
)

TICKET = CarrierType(
    "Ticket",
    "TicketId",
    (
        ("TicketId", INT),
        ("Title", STR),
        *_props("CreatedAt LastChanged ReadByOwner ReadByCustomer FirstReadByUser Activate ClosedAt RepliedAt", DATE),
        ("AlertTimeout", DATE),
        ("Deadline", DATE),
        ("CreatedBy", INT),
        ("CreatedByName", STR),
        ("Author", STR),
        ("OwnedBy", INT),
        ("OwnedByName", STR),
        ("Category", INT),
        ("CategoryName", STR),
        ("CategoryFullname", STR),
        ("Slevel", ENUM),
        ("Priority", INT),
        ("PriorityName", STR),
        ("BaseStatus", ENUM),
        ("TicketStatus", INT),
        ("TicketStatusDisplayValue", STR),
        ("Origin", ENUM),
        ("CustId", INT),
        *_props("PersonFirstname PersonMiddleName PersonLastname PersonFullname", STR),
        ("AlertLevel", SHORT),
        ("ConnectId", INT),
        ("ReadStatus", ENUM),
        *_props(
            "TimeToReply RealTimeToReply TimeToClose RealTimeToClose TimeSpentInternally TimeSpentExternally "
            "TimeSpentQueue RealTimeSpentInternally RealTimeSpentExternally RealTimeSpentQueue TimeSpent",
            INT,
        ),
        ("HasAttachment", BOOL),
        ("NumReplies", INT),
        ("NumMessages", INT),
        ("FromAddress", STR),
        ("ContactId", INT),
        ("ContactName", STR),
        ("OwnedByAssociateId", INT),
        ("Language", STR),
        ("Sentiment", INT),
        ("SentimentConfidence", INT),
        ("SaleId", INT),
        ("ProjectId", INT),
        ("SaleHeading", STR),
        ("ProjectName", STR),
        ("FormSubmissionId", INT),
        ("TicketTypeId", INT),
        ("TicketTypeName", STR),
    ),
    enums=(
        ("Slevel", TICKET_SECURITY_LEVEL),
        ("BaseStatus", TICKET_BASE_STATUS),
        ("Origin", TICKET_ORIGIN),
        ("ReadStatus", TICKET_READ_STATUS),
    ),
)

CARRIERS = {carrier.name: carrier for carrier in (ASSOCIATE, PERSON, CONTACT, PROJECT, SALE, TICKET)}
