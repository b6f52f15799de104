"""ChatMessage and ChatPresence as SuperOffice's Swagger (Swagger-v1-ChatAgent.json) declares them.

Declared ahead of their agent methods (the messages and presence issues) so that arrays of Structs
(``ArrayOfChatMessage``) and of scalars (``ChatPresence.ChatTopics``, ``ArrayOfint``) are described, tested and
answered the same way as everything else. Facts: superoffice-conversations.md sections 1.6 and 1.7.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

import msgspec

from sochat.domain.enums import EnumType
from sochat.domain.fields import EnumOf, Text, Ticks

CHAT_MESSAGE_TYPE = EnumType("ChatMessageType", (("Invalid", 0), ("ToCustomer", 1), ("ToUser", 2), ("Special", 3)))
CHAT_MESSAGE_SPECIAL_TYPE = EnumType(
    "ChatMessageSpecialType",
    (
        ("None", 0),
        ("Welcome", 1),
        ("Url", 2),
        ("Block", 3),
        ("NewSession", 5),
        ("TransferedSession", 6),
        ("Error", 7),
        ("SessionDeleted", 8),
        ("FaqSuccessQuestion", 9),
        ("ClosedByUser", 10),
        ("ClosedByCustomer", 11),
        ("ClosedByIdle", 12),
        ("TransferRejected", 13),
        ("ReopenedByCustomer", 14),
        ("ClickedOption", 15),
        ("BotMessage", 16),
        ("Options", 17),
        ("IllegalFileType", 18),  # value unpublished, newer than Services88; 18 is the next free number
    ),
)


class ChatMessage(msgspec.Struct, rename="pascal"):
    chat_message_id: int = 0
    chat_session_id: int = 0
    type: Annotated[int, EnumOf(CHAT_MESSAGE_TYPE)] = 0
    message: Annotated[str, Text()] = ""  # HTML text; a Clob
    author: Annotated[str, Text(255)] = ""
    read_by_customer: int = 0
    special_type: Annotated[int, EnumOf(CHAT_MESSAGE_SPECIAL_TYPE)] = 0
    special_param: Annotated[str, Text(255)] = ""
    when_posted: Ticks = None


class ChatPresence(msgspec.Struct, rename="pascal"):
    CARRIER: ClassVar[bool] = True

    user_id: int = 0
    display_name: Annotated[str, Text(255)] = ""
    ongoing_chats: int = 0
    present: bool = False
    chat_topics: list[int] = msgspec.field(default_factory=list)
