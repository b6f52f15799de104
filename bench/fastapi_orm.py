"""Reference point (c): the typical alternative, SaveChatSessionEntity written the straightforward way with
FastAPI, Pydantic and the SQLAlchemy ORM, storing into the same chat_session table (made by `sochat migrate`).
A synchronous endpoint (FastAPI runs it on its thread pool, 40 threads), one ORM session per request.

What it does per request: HTTP Basic checked against one fixed user (cheaper than sochat, which looks the
user up and checks lockout in the database), the body validated by a Pydantic model, one ORM object added
and committed in its own transaction (no group commit), refreshed, and answered through a response model
with TableRight and FieldProperties as sochat answers them. SQLite gets sochat's durability settings (WAL,
synchronous=FULL). Served by uvicorn with `sochat serve`'s arguments.

    python bench/fastapi_orm.py --port 8002 --database sqlite:////tmp/orm.db
    python bench/fastapi_orm.py --port 8002 --database 'postgresql://postgres@127.0.0.1:5432/test?schema=orm'
"""

import argparse
import secrets
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

import uvicorn
from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, Field
from sqlalchemy import BigInteger, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

USER, PASSWORD = "tje0", "Tje0"
EPOCH = datetime(1, 1, 1, tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class ChatSessionRow(Base):
    __tablename__ = "chat_session"

    chat_session_id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(default=0)
    user_id: Mapped[int | None]
    person_id: Mapped[int | None]
    customer_alias: Mapped[str | None]
    customer_host: Mapped[str | None]
    customer_name: Mapped[str | None]
    customer_email: Mapped[str | None]
    customer_phone: Mapped[str | None]
    customer_consented: Mapped[bool] = mapped_column(default=False)
    customer_company_name: Mapped[str | None]
    status: Mapped[int] = mapped_column(default=0)
    first_message: Mapped[str | None]
    last_message: Mapped[str | None]
    when_requested: Mapped[int | None] = mapped_column(BigInteger)
    when_started: Mapped[int | None] = mapped_column(BigInteger)
    when_ended: Mapped[int | None] = mapped_column(BigInteger)
    when_idle: Mapped[int | None] = mapped_column(BigInteger)
    when_fetched: Mapped[int | None] = mapped_column(BigInteger)
    session_key: Mapped[str | None]
    initial_queue_pos: Mapped[int] = mapped_column(default=0)
    alert_level: Mapped[int] = mapped_column(default=0)
    rank: Mapped[int] = mapped_column(default=0)
    flags: Mapped[int] = mapped_column(default=0)
    contact_id: Mapped[int | None]
    project_id: Mapped[int | None]
    sale_id: Mapped[int | None]
    ticket_id: Mapped[int | None]
    transfer_to_id: Mapped[int | None]
    chatbot_is_active: Mapped[bool] = mapped_column(default=False)
    rating: Mapped[int] = mapped_column(default=0)
    row_version: Mapped[int] = mapped_column(default=1)
    updated_ticks: Mapped[int] = mapped_column(BigInteger)


class ChatSessionStatus(StrEnum):
    Invalid = "Invalid"
    PreChatForm = "PreChatForm"
    Faq = "Faq"
    OfflineForm = "OfflineForm"
    InQueue = "InQueue"
    CustomerLast = "CustomerLast"
    UserLast = "UserLast"
    Finished = "Finished"
    Deleted = "Deleted"
    Closed = "Closed"
    RequestPosted = "RequestPosted"
    ClosedFromQueue = "ClosedFromQueue"


STATUS_NUMBER = {member: number for number, member in enumerate(ChatSessionStatus)}
STATUS_NAME = {number: member for member, number in STATUS_NUMBER.items()}
FLAGS = {"CustomerIsTyping": 0, "None": 0, "UserIsTyping": 1}


class ChatSessionIn(BaseModel):
    ChatSessionId: int = 0
    TopicId: int = 0
    User: dict[str, Any] | None = None
    Person: dict[str, Any] | None = None
    CustomerAlias: str | None = Field(None, max_length=64)
    CustomerHost: str | None = Field(None, max_length=255)
    CustomerName: str | None = Field(None, max_length=255)
    CustomerEmail: str | None = Field(None, max_length=255)
    CustomerPhone: str | None = Field(None, max_length=32)
    CustomerConsented: bool = False
    CustomerCompanyName: str | None = Field(None, max_length=255)
    Status: ChatSessionStatus = ChatSessionStatus.Invalid
    FirstMessage: str | None = Field(None, max_length=1024)
    LastMessage: str | None = Field(None, max_length=1024)
    WhenRequested: datetime | None = None
    WhenStarted: datetime | None = None
    WhenEnded: datetime | None = None
    WhenIdle: datetime | None = None
    WhenFetched: datetime | None = None
    SessionKey: str | None = Field(None, max_length=255)
    InitialQueuePos: int = 0
    AlertLevel: int = 0
    Rank: int = 0
    Flags: str = "CustomerIsTyping"
    Contact: dict[str, Any] | None = None
    Project: dict[str, Any] | None = None
    Sale: dict[str, Any] | None = None
    Ticket: dict[str, Any] | None = None
    TransferTo: dict[str, Any] | None = None
    ChatbotIsActive: bool = False
    Rating: int = 0


class ChatSessionOut(ChatSessionIn):
    TableRight: dict[str, str]
    FieldProperties: dict[str, dict[str, Any]]


def _field_properties() -> dict[str, dict[str, Any]]:
    types = {
        int: "System.Int32",
        str: "System.String",
        bool: "System.Boolean",
        datetime: "System.DateTime",
    }
    properties: dict[str, dict[str, Any]] = {}
    for name, info in ChatSessionIn.model_fields.items():
        kind = next((label for python_type, label in types.items() if python_type in _types_of(info.annotation)), "")
        length = next((m.max_length for m in info.metadata if hasattr(m, "max_length")), 0)
        mask = "Read, UIHintReadOnly" if name == "ChatSessionId" else "Update"
        properties[name] = {
            "FieldRight": {"Mask": mask, "Reason": ""},
            "FieldType": kind or f"SuperOffice.WebApi.Data.{name}",
            "FieldLength": length or 0,
        }
    return properties


def _types_of(annotation: Any) -> tuple[Any, ...]:
    return getattr(annotation, "__args__", (annotation,))


FIELD_PROPERTIES = _field_properties()
TABLE_RIGHT = {"Mask": "FULL", "Reason": ""}
LINKS = {
    "User": ("user_id", "AssociateId"),
    "Person": ("person_id", "PersonId"),
    "Contact": ("contact_id", "ContactId"),
    "Project": ("project_id", "ProjectId"),
    "Sale": ("sale_id", "SaleId"),
    "Ticket": ("ticket_id", "TicketId"),
    "TransferTo": ("transfer_to_id", "AssociateId"),
}
PLAIN = {
    "TopicId": "topic_id",
    "CustomerAlias": "customer_alias",
    "CustomerHost": "customer_host",
    "CustomerName": "customer_name",
    "CustomerEmail": "customer_email",
    "CustomerPhone": "customer_phone",
    "CustomerConsented": "customer_consented",
    "CustomerCompanyName": "customer_company_name",
    "FirstMessage": "first_message",
    "LastMessage": "last_message",
    "SessionKey": "session_key",
    "InitialQueuePos": "initial_queue_pos",
    "AlertLevel": "alert_level",
    "Rank": "rank",
    "ChatbotIsActive": "chatbot_is_active",
    "Rating": "rating",
}
DATES = {
    "WhenRequested": "when_requested",
    "WhenStarted": "when_started",
    "WhenEnded": "when_ended",
    "WhenIdle": "when_idle",
    "WhenFetched": "when_fetched",
}


def to_ticks(value: datetime | None) -> int | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 10_000_000 + delta.microseconds * 10


def from_ticks(ticks: int | None) -> datetime | None:
    return None if ticks is None else EPOCH + timedelta(microseconds=ticks // 10)


def to_row(entity: ChatSessionIn, row: ChatSessionRow) -> None:
    for prop, column in PLAIN.items():
        setattr(row, column, getattr(entity, prop))
    for prop, column in DATES.items():
        setattr(row, column, to_ticks(getattr(entity, prop)))
    for prop, (column, key) in LINKS.items():
        link = getattr(entity, prop)
        setattr(row, column, link.get(key) if link else None)
    row.status = STATUS_NUMBER[entity.Status]
    row.flags = FLAGS.get(entity.Flags, 0)
    row.updated_ticks = to_ticks(datetime.now(UTC)) or 0


def from_row(row: ChatSessionRow) -> ChatSessionOut:
    values: dict[str, Any] = {prop: getattr(row, column) for prop, column in PLAIN.items()}
    values.update({prop: from_ticks(getattr(row, column)) for prop, column in DATES.items()})
    for prop, (column, key) in LINKS.items():
        link_id = getattr(row, column)
        values[prop] = None if link_id is None else {key: link_id}
    return ChatSessionOut(
        ChatSessionId=row.chat_session_id,
        Status=STATUS_NAME[row.status],
        Flags="UserIsTyping" if row.flags else "CustomerIsTyping",
        TableRight=TABLE_RIGHT,
        FieldProperties=FIELD_PROPERTIES,
        **values,
    )


def make_app(database_url: str) -> FastAPI:
    engine = make_engine(database_url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    security = HTTPBasic()
    app = FastAPI()

    def current_user(credentials: Annotated[HTTPBasicCredentials, Depends(security)]) -> str:
        good_user = secrets.compare_digest(credentials.username.encode(), USER.encode())
        good_password = secrets.compare_digest(credentials.password.encode(), PASSWORD.encode())
        if not (good_user and good_password):
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, headers={"WWW-Authenticate": "Basic"})
        return credentials.username

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/v1/Agents/Chat/SaveChatSessionEntity", response_model=ChatSessionOut)
    def save_chat_session_entity(entity: ChatSessionIn, user: Annotated[str, Depends(current_user)]) -> ChatSessionOut:
        # The session is opened here rather than by a `yield` dependency: FastAPI closes those on another
        # thread-pool thread, and under load every pool thread can end up waiting for a database connection
        # that only such a close would give back (QueuePool timeouts after 30 s; seen with PostgreSQL).
        with sessions() as db:
            row = db.get(ChatSessionRow, entity.ChatSessionId) if entity.ChatSessionId > 0 else None
            if row is None:
                row = ChatSessionRow()
                db.add(row)
            else:
                row.row_version += 1
            to_row(entity, row)
            db.commit()
            db.refresh(row)
            return from_row(row)

    return app


def make_engine(database_url: str) -> Any:
    if database_url.startswith("sqlite:"):
        engine = create_engine(
            database_url, pool_size=10, max_overflow=30, connect_args={"check_same_thread": False, "timeout": 30}
        )

        @event.listens_for(engine, "connect")
        def _durable(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA busy_timeout = 30000")
            cursor.close()

        return engine
    base, _, query = database_url.partition("?")
    schema = dict(part.split("=", 1) for part in query.split("&") if part).get("schema")
    url = base.replace("postgresql://", "postgresql+psycopg://", 1)
    options = {"options": f"-csearch_path={schema}"} if schema else {}
    return create_engine(url, pool_size=10, max_overflow=30, connect_args=options)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", required=True)
    args = parser.parse_args()
    uvicorn.run(
        make_app(args.database),
        host="127.0.0.1",
        port=args.port,
        log_config=None,
        access_log=False,
        lifespan="off",
        server_header=False,
    )


if __name__ == "__main__":
    main()
