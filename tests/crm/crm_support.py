"""Shared pieces of the CRM tests: the demo users by role, a client that speaks as any of them, SuperOffice's
carrier property lists (superoffice-reference.md section 4, copied here as the independent oracle) and the
`sochat import` / `sochat export` commands run through click's test runner."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner, Result

from sochat.cli import main
from sochat.store.store import Store
from support.api import CREATE_DEFAULT as CREATE_DEFAULT  # the paths, re-exported for this folder
from support.api import DELETE as DELETE
from support.api import GET as GET
from support.api import REST as REST
from support.api import SAVE as SAVE

MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}


@dataclass(frozen=True)
class User:
    name: str
    password: str
    associate_id: int

    @property
    def auth(self) -> tuple[str, str]:
        return (self.name, self.password)


# The demo users (sochat.demo), one per role; agent2 is "the other agent".
USERS = {
    "admin": User("tje0", "Tje0", 1),
    "agent": User("agent1", "Agent1", 2),
    "readonly": User("viewer", "Viewer1", 4),
}
OTHER_AGENT = User("agent2", "Agent2", 3)
ROLES = tuple(USERS)

# TableRight per role: ETableRight written as .NET's Enum.ToString() writes it (an exact member name wins).
TABLE_MASK = {"admin": "FULL", "agent": "URI", "readonly": "Select"}

# ChatSessionEntity's 31 properties with their .NET type and string length (superoffice-reference.md section 3).
ENTITY_FIELDS: tuple[tuple[str, str, int], ...] = (
    ("ChatSessionId", "System.Int32", 0),
    ("TopicId", "System.Int32", 0),
    ("User", "SuperOffice.WebApi.Data.Associate", 0),
    ("Person", "SuperOffice.WebApi.Data.Person", 0),
    ("CustomerAlias", "System.String", 64),
    ("CustomerHost", "System.String", 255),
    ("CustomerName", "System.String", 255),
    ("CustomerEmail", "System.String", 255),
    ("CustomerPhone", "System.String", 32),
    ("CustomerConsented", "System.Boolean", 0),
    ("CustomerCompanyName", "System.String", 255),
    ("Status", "SuperOffice.WebApi.Data.ChatSessionStatus", 0),
    ("FirstMessage", "System.String", 1024),
    ("LastMessage", "System.String", 1024),
    ("WhenRequested", "System.DateTime", 0),
    ("WhenStarted", "System.DateTime", 0),
    ("WhenEnded", "System.DateTime", 0),
    ("WhenIdle", "System.DateTime", 0),
    ("WhenFetched", "System.DateTime", 0),
    ("SessionKey", "System.String", 255),
    ("InitialQueuePos", "System.Int32", 0),
    ("AlertLevel", "System.Int32", 0),
    ("Rank", "System.Int32", 0),
    ("Flags", "SuperOffice.WebApi.Data.ChatSessionFlags", 0),
    ("Contact", "SuperOffice.WebApi.Data.Contact", 0),
    ("Project", "SuperOffice.WebApi.Data.Project", 0),
    ("Sale", "SuperOffice.WebApi.Data.Sale", 0),
    ("Ticket", "SuperOffice.WebApi.Data.Ticket", 0),
    ("TransferTo", "SuperOffice.WebApi.Data.Associate", 0),
    ("ChatbotIsActive", "System.Boolean", 0),
    ("Rating", "System.Int32", 0),
)
ENTITY_PROPERTIES = tuple(name for name, _, _ in ENTITY_FIELDS)

# Member kinds of the nested carriers, in SuperOffice's declaration order (section 4). "enum:X" is a .NET enum
# whose default (0) is the member named "Unknown"; "object" is a nested structure whose default is null.
_I, _S, _H, _D, _B, _T, _O = "int", "string", "int16", "double", "bool", "date", "object"


def _members(spec: str, kind: str) -> list[tuple[str, str]]:
    return [(name, kind) for name in spec.split()]


CARRIER_MEMBERS: dict[str, list[tuple[str, str]]] = {
    "Associate": [
        ("AssociateId", _I),
        ("Name", _S),
        ("PersonId", _I),
        ("Rank", _H),
        ("Tooltip", _S),
        ("Type", "enum:UserType"),
        ("GroupIdx", _I),
        ("FullName", _S),
        ("FormalName", _S),
        ("Deleted", _B),
        ("EjUserId", _I),
        ("UserName", _S),
        ("ExtraFields", _O),
        ("CustomFields", _O),
    ],
    "Person": [
        ("Position", _S),
        ("PersonId", _I),
        *_members("Mrmrs Firstname Lastname MiddleName Title Description Email FullName DirectPhone FormalName", _S),
        ("CountryId", _I),
        ("ContactId", _I),
        ("ContactName", _S),
        ("Retired", _H),
        ("Rank", _H),
        ("ActiveInterests", _H),
        ("ContactDepartment", _S),
        ("ContactCountryId", _I),
        *_members("ContactOrgNr FaxPhone MobilePhone ContactPhone AssociateName", _S),
        ("AssociateId", _I),
        ("UsePersonAddress", _B),
        *_members("ContactFax Kanafname Kanalname Post1 Post2 Post3 EmailName ContactFullName", _S),
        *_members("ActiveErpLinks TicketPriorityId SupportLanguageId SupportAssociateId", _I),
        ("CategoryName", _S),
        ("PersonNumber", _S),
    ],
    "Contact": [
        ("ContactId", _I),
        *_members("Name OrgNr Department URL City DirectPhone", _S),
        ("AssociateId", _I),
        ("CountryId", _I),
        *_members("EmailAddress Kananame EmailAddressName URLName AssociateFullName BusinessName CategoryName", _S),
        ("CountryName", _S),
        ("Address", _O),
        ("FormattedAddress", _S),
        ("FullName", _S),
        ("IsOwnerContact", _B),
        ("ActiveErpLinks", _I),
        ("Number1", _S),
        ("Number2", _S),
    ],
    "Project": [
        ("ProjectId", _I),
        *_members("Name Description URL Type", _S),
        ("AssociateId", _I),
        ("AssociateFullName", _S),
        ("TypeId", _I),
        ("Updated", _T),
        ("StatusId", _I),
        ("Status", _S),
        ("TextId", _I),
        ("PublishTo", _T),
        ("PublishFrom", _T),
        ("IsPublished", _B),
        ("URLName", _S),
        ("ProjectNumber", _S),
        ("ActiveErpLinks", _I),
        ("EventId", _I),
        ("StartDate", _T),
    ],
    "Sale": [
        ("ContactName", _S),
        ("SaleDate", _T),
        ("SaleId", _I),
        ("Probability", _H),
        ("Title", _S),
        ("Amount", _D),
        ("Currency", _S),
        ("ProjectName", _S),
        ("AssociateFullName", _S),
        ("Description", _S),
        ("Status", "enum:SaleStatus"),
        ("WeightedAmount", _D),
        ("ProjectId", _I),
        ("EarningPercent", _D),
        ("Earning", _D),
        ("ContactId", _I),
        ("AssociateId", _I),
        ("PersonId", _I),
        ("SaleTypeId", _I),
        ("SaleTypeName", _S),
        ("PersonFullName", _S),
        ("Completed", "enum:ActivityStatus"),
        ("ActiveErpLinks", _I),
        ("NextDueDate", _T),
        ("Number", _S),
    ],
    "Ticket": [
        ("TicketId", _I),
        ("Title", _S),
        *_members(
            "CreatedAt LastChanged ReadByOwner ReadByCustomer FirstReadByUser Activate ClosedAt RepliedAt AlertTimeout"
            " Deadline",
            _T,
        ),
        ("CreatedBy", _I),
        ("CreatedByName", _S),
        ("Author", _S),
        ("OwnedBy", _I),
        ("OwnedByName", _S),
        ("Category", _I),
        ("CategoryName", _S),
        ("CategoryFullname", _S),
        ("Slevel", "enum:TicketSecurityLevel"),
        ("Priority", _I),
        ("PriorityName", _S),
        ("BaseStatus", "enum:TicketBaseStatus"),
        ("TicketStatus", _I),
        ("TicketStatusDisplayValue", _S),
        ("Origin", "enum:TicketOrigin"),
        ("CustId", _I),
        *_members("PersonFirstname PersonMiddleName PersonLastname PersonFullname", _S),
        ("AlertLevel", _H),
        ("ConnectId", _I),
        ("ReadStatus", "enum:TicketReadStatus"),
        *_members(
            "TimeToReply RealTimeToReply TimeToClose RealTimeToClose TimeSpentInternally TimeSpentExternally"
            " TimeSpentQueue RealTimeSpentInternally RealTimeSpentExternally RealTimeSpentQueue TimeSpent",
            _I,
        ),
        ("HasAttachment", _B),
        ("NumReplies", _I),
        ("NumMessages", _I),
        ("FromAddress", _S),
        ("ContactId", _I),
        ("ContactName", _S),
        ("OwnedByAssociateId", _I),
        ("Language", _S),
        ("Sentiment", _I),
        ("SentimentConfidence", _I),
        ("SaleId", _I),
        ("ProjectId", _I),
        ("SaleHeading", _S),
        ("ProjectName", _S),
        ("FormSubmissionId", _I),
        ("TicketTypeId", _I),
        ("TicketTypeName", _S),
    ],
}
ID_MEMBER = {
    "Associate": "AssociateId",
    "Person": "PersonId",
    "Contact": "ContactId",
    "Project": "ProjectId",
    "Sale": "SaleId",
    "Ticket": "TicketId",
}
# Entity property -> carrier type.
LINKS = {
    "User": "Associate",
    "TransferTo": "Associate",
    "Person": "Person",
    "Contact": "Contact",
    "Project": "Project",
    "Sale": "Sale",
    "Ticket": "Ticket",
}
_DEFAULTS: dict[str, object] = {
    _I: 0,
    _H: 0,
    _D: 0.0,
    _B: False,
    _S: "",  # SuperOffice's carriers hold "" for no text (decision 18)
    _T: "0001-01-01T00:00:00",
    _O: None,
}


def dotnet_default(kind: str) -> object:
    """The JSON a .NET carrier shows for a member left at default(T)."""
    return "Unknown" if kind.startswith("enum:") else _DEFAULTS[kind]


def id_only_carrier(carrier: str, record_id: int) -> dict[str, object]:
    """The carrier SuperOffice answers for a record it holds only the id of: every other member at its default."""
    out = {
        name: (record_id if name == ID_MEMBER[carrier] else dotnet_default(kind))
        for name, kind in CARRIER_MEMBERS[carrier]
    }
    out["TableRight"] = None
    out["FieldProperties"] = None
    return out


def carrier_keys(carrier: str) -> list[str]:
    """The carrier's members in SuperOffice's order, then the Carrier base members as JSON writes them last."""
    return [name for name, _ in CARRIER_MEMBERS[carrier]] + ["TableRight", "FieldProperties"]


def enum_members(carrier: str) -> set[str]:
    return {name for name, kind in CARRIER_MEMBERS[carrier] if kind.startswith("enum:")}


class Crm:
    """An httpx client on an in-process app over a private copy of the demo company."""

    def __init__(self, client: httpx.AsyncClient, store: Store) -> None:
        self.client = client
        self.store = store

    async def call(
        self,
        method: str,
        path: str,
        *,
        role: str = "admin",
        user: User | None = None,
        json_body: object = None,
        params: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """One request as the demo user of ``role`` (or ``user``)."""
        caller = user or USERS[role]
        content = None if json_body is None else json.dumps(json_body).encode("utf-8")
        sent = {"Content-Type": "application/json"} if content is not None else {}
        sent.update(headers or {})
        return await self.client.request(
            method,
            path,
            content=content,
            params=params,
            headers=sent,
            auth=caller.auth,  # type: ignore[arg-type]
        )

    async def create(self, **properties: object) -> dict[str, Any]:
        """Save a new session as the admin; answer the stored entity."""
        response = await self.call("POST", SAVE, json_body={"ChatSessionId": 0, **properties})
        assert response.status_code == 200, response.text
        entity: dict[str, Any] = response.json()
        return entity

    async def stored(self, chat_session_id: int) -> dict[str, Any] | None:
        """The session as GetChatSessionEntity answers it to the admin (None when not stored)."""
        response = await self.call("POST", GET, params={"chatSessionEntityId": chat_session_id})
        assert response.status_code == 200, response.text
        entity: dict[str, Any] | None = response.json()
        return entity

    async def count(self) -> int:
        """How many sessions are stored."""
        return sum((await self.store.read(lambda unit: unit.sessions.count_by_status())).values())


# Opens an app on the test's copy of the company with the given Settings fields (conftest.py's crm_factory).
CrmFactory = Callable[..., AbstractAsyncContextManager[Crm]]


def assert_error(response: httpx.Response, status: int, error_type: str) -> str:
    """SuperOffice's error body with this status and ErrorType; answer the ErrorMessage."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"Error", "ErrorType", "ErrorMessage", "ErrorSource"}, body
    assert body["Error"] is True
    assert body["ErrorType"] == error_type, body
    message: str = body["ErrorMessage"]
    assert message
    return message


def owner_of(role: str, ownership: str) -> int | None:
    """The AssociateId a session has in a matrix cell: the caller's own, the other agent's, or none."""
    return {"own": USERS[role].associate_id, "other": OTHER_AGENT.associate_id, "unassigned": None}[ownership]


def user_link(associate_id: int | None) -> dict[str, int] | None:
    return None if associate_id is None else {"AssociateId": associate_id}


# -- the command line ------------------------------------------------------------------------------------------


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"  # path is absolute: sqlite:////abs/file.db


def sochat(*args: str) -> Result:
    """Run the `sochat` command line in-process (click's runner keeps stdout and stderr apart)."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def import_file(database: Path, file: Path, *options: str) -> Result:
    return sochat("import", str(file), *options, "--database", sqlite_url(database))


def export_text(database: Path, *options: str) -> str:
    """`sochat export` to standard output; answer what it wrote."""
    result = sochat("export", *options, "--database", sqlite_url(database))
    assert result.exit_code == 0, result.output
    return result.stdout


def export_file(database: Path, out: Path, *options: str) -> bytes:
    """`sochat export -o FILE`; answer the file's bytes."""
    result = sochat("export", *options, "-o", str(out), "--database", sqlite_url(database))
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def jsonl(text: str) -> list[dict[str, Any]]:
    """Rows of JSON Lines text (split on "\\n" only: str.splitlines would also split inside U+2028)."""
    return [json.loads(line) for line in text.split("\n") if line.strip()]
