"""ChatTopicEntity and the types nested in it, as SuperOffice's Swagger (Swagger-v1-ChatTopic.json) declares them.

Properties in SuperOffice's order; string lengths are the chat_topic table's column sizes
(superoffice-conversations.md section 1). The linked records (Language, AlertTemplate, TicketCategory,
TicketPriority, OpeningHours.TzLocation, Widget.AutoFaqCategory) keep only their id, as ChatSessionEntity's
links do (decision 4); their carriers are declared below for answers and the OpenAPI document.
Opening hours are .NET TimeSpans, answered ``08:00:00`` (``PT8H`` in XML).
"""

from __future__ import annotations

from typing import Annotated, ClassVar

import msgspec

from sochat.domain.enums import EnumType
from sochat.domain.fields import READ_ONLY, EnumOf, Link, Text, Ticks, TimeSpan

WIDGET_REQUIRED_FIELDS = EnumType(
    "WidgetRequiredFields",
    (("None", 0), ("Email", 1), ("Name", 2), ("Company", 4), ("Phone", 8), ("Country", 16)),
    is_flags=True,
)
CHAT_WIDGET_SIZE = EnumType("ChatWidgetSize", (("Normal", 0), ("Large", 1)))
CHAT_WIDGET_THEME = EnumType("ChatWidgetTheme", (("Classic", 0), ("Modern", 1)))

Color = Annotated[str, Text(16)]


# -- carriers a topic links to (only their ids are stored) -------------------------------------------


class CustomerLanguage(msgspec.Struct, rename="pascal"):
    CARRIER: ClassVar[bool] = True

    id: int = 0
    value: str = ""
    tooltip: str = ""


class TicketCategory(msgspec.Struct, rename="pascal"):
    CARRIER: ClassVar[bool] = True

    id: int = 0
    value: str = ""
    tooltip: str = ""


class TicketPriority(msgspec.Struct, rename="pascal"):
    CARRIER: ClassVar[bool] = True

    id: int = 0
    value: str = ""
    tooltip: str = ""


class ReplyTemplate(msgspec.Struct, rename="pascal"):
    reply_template_id: int = 0
    name: str = ""
    description: str = ""
    folder_id: int = 0  # 0 or -1: a top-level template


class KbCategory(msgspec.Struct, rename="pascal"):
    kb_category_id: int = 0
    name: str = ""
    description: str = ""
    fullname: str = ""  # Foo/bar/test
    parent_id: int = 0
    sort_order: int = 0


class TimeZoneRule(msgspec.Struct, rename="pascal"):
    start_day: int = 0
    start_month: int = 0
    end_day: int = 0
    end_month: int = 0
    tz_offset: int = msgspec.field(default=0, name="TZOffset")
    start_rule_pattern: str = ""
    end_rule_pattern: str = ""


class TimeZoneData(msgspec.Struct, rename="pascal"):
    tz_location_id: int = msgspec.field(default=0, name="TZLocationID")
    name: str = ""
    tz_location_code: str = msgspec.field(default="", name="TZLocationCode")
    tz_location_cities: str = msgspec.field(default="", name="TZLocationCities")
    iso_number: int = 0
    # Keyed by a date-time in SuperOffice's XSD; sochat answers them empty (conversations section 1.2).
    time_zone_std_rules: dict[str, TimeZoneRule] = msgspec.field(default_factory=dict, name="TimeZoneSTDRules")
    time_zone_dst_rules: dict[str, TimeZoneRule] = msgspec.field(default_factory=dict, name="TimeZoneDSTRules")


# -- the nested settings, stored with the topic --------------------------------------------------------


class ChatOpeningHours(msgspec.Struct, rename="pascal"):
    tz_location: Annotated[int | None, Link("TimeZoneData", "TZLocationID", TimeZoneData)] = None
    mon_enabled: bool = False
    mon_start: TimeSpan = 0
    mon_stop: TimeSpan = 0
    tue_enabled: bool = False
    tue_start: TimeSpan = 0
    tue_stop: TimeSpan = 0
    wed_enabled: bool = False
    wed_start: TimeSpan = 0
    wed_stop: TimeSpan = 0
    thu_enabled: bool = False
    thu_start: TimeSpan = 0
    thu_stop: TimeSpan = 0
    fri_enabled: bool = False
    fri_start: TimeSpan = 0
    fri_stop: TimeSpan = 0
    sat_enabled: bool = False
    sat_start: TimeSpan = 0
    sat_stop: TimeSpan = 0
    sun_enabled: bool = False
    sun_start: TimeSpan = 0
    sun_stop: TimeSpan = 0
    use_lunch_hours: bool = False
    lunch_start: TimeSpan = 0
    lunch_stop: TimeSpan = 0


class ChatWidgetSettings(msgspec.Struct, rename="pascal"):
    auto_faq_enabled: bool = False
    auto_faq_category: Annotated[int | None, Link("KbCategory", "KbCategoryId", KbCategory)] = None
    pre_form_enabled: bool = False
    pre_form_message: Annotated[str, Text(1024)] = ""
    required_fields: Annotated[int, EnumOf(WIDGET_REQUIRED_FIELDS)] = 0
    post_form_enabled: bool = False
    post_form_header: Annotated[str, Text(255)] = ""
    post_form_message: Annotated[str, Text(1024)] = ""
    post_transcript_enabled: bool = False
    language_iso_code: Annotated[str, Text(63)] = ""
    size: Annotated[int, EnumOf(CHAT_WIDGET_SIZE)] = 0
    theme: Annotated[int, EnumOf(CHAT_WIDGET_THEME)] = 0
    color: Color = ""
    badge_color: Color = ""
    badge_text_color: Color = ""
    cust_msg_color: Color = ""
    cust_msg_text_color: Color = ""
    agent_msg_color: Color = ""
    agent_msg_text_color: Color = ""
    button_color: Color = ""
    button_text_color: Color = ""
    font: Annotated[str, Text(64)] = ""
    font_size: Color = ""
    logo_enabled: bool = False
    logo_blob_id: int = 0
    logo_name: Annotated[str, Text(255)] = ""
    show_agent_photo: bool = False
    welcome_title: Annotated[str, Text(255)] = ""
    welcome_message: Annotated[str, Text(255)] = ""
    offline_header: Annotated[str, Text(255)] = ""
    offline_message: Annotated[str, Text(1024)] = ""
    offline_fields: Annotated[int, EnumOf(WIDGET_REQUIRED_FIELDS)] = 0
    use_agent_firstname: bool = False


class ChatBotSettings(msgspec.Struct, rename="pascal"):
    bot_name: Annotated[str, Text(80)] = ""
    bot_register_script_id: int = 0  # 0: no bot
    bot_session_created_script_id: int = 0
    bot_session_changed_script_id: int = 0
    bot_message_received_script_id: int = 0


class ChatTopicEntity(msgspec.Struct, rename="pascal"):
    """A chat topic ("channel" in SuperOffice's UI): who answers, when it is open, how its widget looks."""

    CARRIER: ClassVar[bool] = True

    chat_topic_id: Annotated[int, READ_ONLY] = 0
    name: Annotated[str, Text(255)] = ""
    description: Annotated[str, Text(255)] = ""
    welcome_message: Annotated[str, Text()] = ""
    language: Annotated[int | None, Link("CustomerLanguage", "Id", CustomerLanguage)] = None
    last_accept: Ticks = None
    seconds_pr_accept: int = 0
    alert_recipient: Annotated[str, Text(255)] = ""
    alert_template: Annotated[int | None, Link("ReplyTemplate", "ReplyTemplateId", ReplyTemplate)] = None
    collect_consent: bool = False
    badge_header: Annotated[str, Text(255)] = ""
    custom_queue_text_enabled: bool = False
    custom_queue_text: Annotated[str, Text(255)] = ""
    warn_new_chat_minutes: int = 0
    warn_manager_new_chat_minutes: int = 0
    ticket_enabled: bool = False
    ticket_category: Annotated[int | None, Link("TicketCategory", "Id", TicketCategory)] = None
    ticket_priority: Annotated[int | None, Link("TicketPriority", "Id", TicketPriority)] = None
    opening_hours_enabled: bool = False
    opening_hours: ChatOpeningHours = msgspec.field(default_factory=ChatOpeningHours)
    widget: ChatWidgetSettings = msgspec.field(default_factory=ChatWidgetSettings)
    bot_enabled: bool = False
    bot_settings: ChatBotSettings = msgspec.field(default_factory=ChatBotSettings)
    offline_collect_consent: bool = False
    warn_chat_message_minutes: int = 0
    warn_manager_chat_message_minutes: int = 0
    use_queue_offline_form: bool = False
    offline_form_time_limit: int = 0
    offline_form_queue_length: int = 0
    widget_enable_rating: bool = False
    widget_rating_text: Annotated[str, Text(1024)] = ""
