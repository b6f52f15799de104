"""ChatTopicEntity's agent methods (CreateDefault, Save, Get, Delete) against a real `sochat serve` over HTTP, on
SQLite and on PostgreSQL: every nested type in every request format, a restart, rights, bad input that stores
nothing, unknown ids, and the 409 for a topic that sessions still name (docs/api.md, "Chat topics")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from support.api import AGENT, AGENT1, SAVE, TJE0, VIEWER, error_message
from support.bodies import FORM, JSON_PATCH, JSON_TYPES, MERGE_PATCH, REQUEST_TYPES, XML_TYPES, body
from support.databases import BACKENDS, Backend, check_postgres, postgres_backend, prepare_demo, sqlite_backend
from support.servers import Server, Servers

CREATE_DEFAULT = AGENT + "CreateDefaultChatTopicEntity"
SAVE_TOPIC = AGENT + "SaveChatTopicEntity"
GET_TOPIC = AGENT + "GetChatTopicEntity"
DELETE_TOPIC = AGENT + "DeleteChatTopicEntity"
DEMO_TOPICS = 3  # sochat.demo's Sales, Support and Billing

# Every property of ChatTopicEntity and of each nested type set to a value other than its default. Links carry
# only their id; dates with an offset (answered in UTC); time spans as .NET writes them in JSON.
OPENING_HOURS: dict[str, Any] = {
    "TzLocation": {"TZLocationID": 7},
    **{f"{day}Enabled": True for day in ("Mon", "Tue", "Wed", "Thu", "Fri")},
    **{f"{day}Start": "08:30:00" for day in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")},
    **{f"{day}Stop": "17:15:00" for day in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")},
    "SatEnabled": False,
    "SunEnabled": True,
    "UseLunchHours": True,
    "LunchStart": "12:00:00",
    "LunchStop": "12:45:00",
}
WIDGET: dict[str, Any] = {
    "AutoFaqEnabled": True,
    "AutoFaqCategory": {"KbCategoryId": 4},
    "PreFormEnabled": True,
    "PreFormMessage": "Who are you?",
    "RequiredFields": "Email, Name",
    "PostFormEnabled": True,
    "PostFormHeader": "Thanks",
    "PostFormMessage": "Rate us",
    "PostTranscriptEnabled": True,
    "LanguageIsoCode": "nb",
    "Size": "Large",
    "Theme": "Modern",
    "Color": "#112233",
    "BadgeColor": "#223344",
    "BadgeTextColor": "#334455",
    "CustMsgColor": "#445566",
    "CustMsgTextColor": "#556677",
    "AgentMsgColor": "#667788",
    "AgentMsgTextColor": "#778899",
    "ButtonColor": "#8899aa",
    "ButtonTextColor": "#99aabb",
    "Font": "Arial",
    "FontSize": "12px",
    "LogoEnabled": True,
    "LogoBlobId": 9,
    "LogoName": "logo.png",
    "ShowAgentPhoto": True,
    "WelcomeTitle": "Hello",
    "WelcomeMessage": "How can we help?",
    "OfflineHeader": "Closed",
    "OfflineMessage": "Leave a message",
    "OfflineFields": "Phone",
    "UseAgentFirstname": True,
}
BOT_SETTINGS: dict[str, Any] = {
    "BotName": "Robo",
    "BotRegisterScriptId": 11,
    "BotSessionCreatedScriptId": 12,
    "BotSessionChangedScriptId": 13,
    "BotMessageReceivedScriptId": 14,
}
FULL_TOPIC: dict[str, Any] = {
    "ChatTopicId": 0,
    "Name": "Returns",
    "Description": "Sending things back",
    "WelcomeMessage": "Welcome to returns",
    "Language": {"Id": 3},
    "LastAccept": "2024-05-01T10:00:00+00:00",
    "SecondsPrAccept": 42,
    "AlertRecipient": "lead@example.com",
    "AlertTemplate": {"ReplyTemplateId": 2},
    "CollectConsent": True,
    "BadgeHeader": "Chat with us",
    "CustomQueueTextEnabled": True,
    "CustomQueueText": "You are number {0}",
    "WarnNewChatMinutes": 3,
    "WarnManagerNewChatMinutes": 5,
    "TicketEnabled": True,
    "TicketCategory": {"Id": 5},
    "TicketPriority": {"Id": 6},
    "OpeningHoursEnabled": True,
    "OpeningHours": OPENING_HOURS,
    "Widget": WIDGET,
    "BotEnabled": True,
    "BotSettings": BOT_SETTINGS,
    "OfflineCollectConsent": True,
    "WarnChatMessageMinutes": 7,
    "WarnManagerChatMessageMinutes": 8,
    "UseQueueOfflineForm": True,
    "OfflineFormTimeLimit": 30,
    "OfflineFormQueueLength": 4,
    "WidgetEnableRating": True,
    "WidgetRatingText": "How did we do?",
}
# XML writes time spans as xs:duration and flag enums as space-separated names (DataContractSerializer).
XML_SPANS = {"08:30:00": "PT8H30M", "17:15:00": "PT17H15M", "12:00:00": "PT12H", "12:45:00": "PT12H45M"}


def as_xml(value: Any) -> Any:
    if isinstance(value, dict):
        return {name: as_xml(member) for name, member in value.items()}
    if isinstance(value, str) and value in XML_SPANS:
        return XML_SPANS[value]
    if value in ("Email, Name",):
        return "Email Name"
    return value


def assert_holds(answer: Any, sent: Any, where: str = "") -> None:
    """Every property sent is answered as sent: links by their id, dates as the same moment in UTC."""
    if isinstance(sent, dict):
        for name, member in sent.items():
            if isinstance(member, dict) and len(member) == 1:  # a link: the carrier answers more than its id
                [(key, link_id)] = member.items()
                assert answer[name][key] == link_id, f"{where}{name}"
            else:
                assert_holds(answer[name], member, f"{where}{name}.")
    elif where.endswith("LastAccept."):
        assert answer.startswith("2024-05-01T10:00:00"), answer
    else:
        assert answer == sent, where


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    """One demo database of each kind for the module's servers."""
    folder = tmp_path_factory.mktemp(f"topics-{request.param}")
    if request.param == "sqlite":
        yield prepare_demo(sqlite_backend(folder / "sochat.db"))
        return
    with postgres_backend(check_postgres()) as opened:
        yield prepare_demo(opened)


@pytest.fixture(scope="module")
def server(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with Servers([Server(backend.url, tmp_path_factory.mktemp("server"))]) as (started,):
        yield started


def admin(server: Server) -> httpx.Client:
    """A client of ``server`` signed in as the demo admin."""
    return httpx.Client(base_url=server.base_url, auth=TJE0, trust_env=False, timeout=20.0)


@pytest.fixture
def client(server: Server) -> Iterator[httpx.Client]:
    with admin(server) as opened:
        yield opened


def save(client: httpx.Client, topic: dict[str, Any], content_type: str = "application/json", **kw: Any) -> Any:
    sent = as_xml(topic) if content_type in XML_TYPES else topic
    content = body(sent, content_type, root="ChatTopicEntity")
    return client.post(SAVE_TOPIC, content=content, headers={"Content-Type": content_type}, **kw)


def saved(client: httpx.Client, topic: dict[str, Any], content_type: str = "application/json") -> dict[str, Any]:
    response = save(client, topic, content_type)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def get(client: httpx.Client, topic_id: int, **kw: Any) -> Any:
    kw.setdefault("params", {"chatTopicEntityId": topic_id})
    response = client.post(GET_TOPIC, **kw)
    assert response.status_code == 200, response.text
    return response.json()


def topic_count(backend: Backend) -> int:
    [(count,)] = backend.sql("SELECT count(*) FROM chat_topic")
    return int(count)


def test_create_default_answers_superoffice_defaults_and_stores_nothing(client: httpx.Client, backend: Backend) -> None:
    before = topic_count(backend)
    response = client.post(CREATE_DEFAULT)
    assert response.status_code == 200, response.text
    topic = response.json()
    assert (topic["ChatTopicId"], topic["Name"], topic["SecondsPrAccept"], topic["BotEnabled"]) == (0, "", 0, False)
    assert topic["LastAccept"] == "0001-01-01T00:00:00"
    assert topic["Widget"]["Size"] == "Normal" and topic["Widget"]["Theme"] == "Classic"
    assert topic["Widget"]["RequiredFields"] == "None"
    assert topic["OpeningHours"]["MonEnabled"] is False and topic["OpeningHours"]["MonStart"] == "00:00:00"
    assert topic["BotSettings"]["BotRegisterScriptId"] == 0
    assert topic["TableRight"] == {"Mask": "FULL", "Reason": ""}
    assert set(topic["FieldProperties"]) == {name for name in FULL_TOPIC}
    assert list(topic)[-2:] == ["TableRight", "FieldProperties"]
    assert topic_count(backend) == before


@pytest.mark.parametrize("content_type", [*JSON_TYPES, *XML_TYPES, FORM, JSON_PATCH, MERGE_PATCH])
def test_a_full_topic_saves_and_reads_back_in_every_request_format(client: httpx.Client, content_type: str) -> None:
    """Every property of every nested type, in each request format the codecs read, is stored as sent."""
    answer = saved(client, FULL_TOPIC, content_type)
    topic_id = answer["ChatTopicId"]
    assert topic_id > DEMO_TOPICS
    assert_holds(answer, {**FULL_TOPIC, "ChatTopicId": topic_id})
    assert get(client, topic_id) == answer
    xml = client.post(GET_TOPIC, params={"chatTopicEntityId": topic_id}, headers={"Accept": "application/xml"})
    assert xml.status_code == 200 and b"<MonStart>PT8H30M</MonStart>" in xml.content, xml.text
    assert b"<RequiredFields>Email Name</RequiredFields>" in xml.content


def test_update_replaces_the_whole_topic_and_survives_a_restart(
    client: httpx.Client, backend: Backend, tmp_path: Path
) -> None:
    created = saved(client, FULL_TOPIC)
    topic_id = created["ChatTopicId"]
    changed = {**FULL_TOPIC, "ChatTopicId": topic_id, "Name": "Returns and refunds", "Widget": {"Size": "Normal"}}
    updated = saved(client, changed)
    assert updated["ChatTopicId"] == topic_id
    assert updated["Name"] == "Returns and refunds"
    assert updated["Widget"]["Size"] == "Normal"
    assert updated["Widget"]["Color"] == ""  # a save replaces the whole topic: left out is the default
    assert updated["OpeningHours"] == created["OpeningHours"]
    # A server of its own saves a topic, stops, and reads it back equal when started again.
    with Servers([Server(backend.url, tmp_path, name="first")]) as (first,), admin(first) as other:
        kept = saved(other, FULL_TOPIC)
    with Servers([Server(backend.url, tmp_path, name="again")]) as (again,), admin(again) as other:
        assert get(other, kept["ChatTopicId"]) == kept
        assert get(other, topic_id) == updated


def test_demo_topics_made_before_the_entity_read_as_topics_with_defaults(client: httpx.Client) -> None:
    support = get(client, 2)
    assert (support["ChatTopicId"], support["Name"]) == (2, "Support")
    assert support["Widget"]["Size"] == "Normal" and support["BotSettings"]["BotName"] == ""


def test_get_takes_select_and_its_id_from_a_body_object(client: httpx.Client) -> None:
    topic_id = saved(client, FULL_TOPIC)["ChatTopicId"]
    chosen = get(client, topic_id, params={"chatTopicEntityId": topic_id, "$select": "Name,Widget/Size"})
    assert (chosen["Name"], chosen["Description"], chosen["SecondsPrAccept"]) == ("Returns", None, 0)
    assert (chosen["Widget"]["Size"], chosen["Widget"]["Color"], chosen["OpeningHours"]) == ("Large", None, None)
    assert chosen["TableRight"] == {"Mask": "FULL", "Reason": ""}
    refused = client.post(GET_TOPIC, params={"chatTopicEntityId": topic_id, "$select": "CustomerName"})
    assert "not a ChatTopicEntity property" in error_message(refused, 400)
    by_body = client.post(GET_TOPIC, json={"ChatTopicEntityId": topic_id})
    assert by_body.status_code == 200 and by_body.json()["Name"] == "Returns", by_body.text


def test_get_of_an_unknown_id_answers_null(client: httpx.Client) -> None:
    assert get(client, 999_999) is None
    assert client.post(GET_TOPIC, params={"chatTopicEntityId": 0}).json() is None


def test_save_of_an_unknown_id_creates_a_new_topic(client: httpx.Client) -> None:
    answer = saved(client, {"ChatTopicId": 888_888, "Name": "Fresh"})
    assert answer["ChatTopicId"] not in (0, 888_888)
    assert get(client, 888_888) is None


def test_delete_removes_the_topic_and_answers_204_for_unknown_ids(client: httpx.Client, backend: Backend) -> None:
    topic_id = saved(client, {"Name": "Short-lived"})["ChatTopicId"]
    deleted = client.post(DELETE_TOPIC, params={"chatTopicEntityId": topic_id})
    assert deleted.status_code == 204 and deleted.content == b""
    assert get(client, topic_id) is None
    assert backend.sql(f"SELECT count(*) FROM chat_topic WHERE chat_topic_id = {int(topic_id)}") == [(0,)]
    again = client.post(DELETE_TOPIC, params={"chatTopicEntityId": topic_id})
    assert again.status_code == 204


def test_delete_of_a_topic_with_sessions_is_409_naming_the_count(client: httpx.Client) -> None:
    topic_id = saved(client, {"Name": "Busy"})["ChatTopicId"]
    for name in ("Ada", "Bob"):
        session = client.post(SAVE, json={"TopicId": topic_id, "CustomerName": name})
        assert session.status_code == 200, session.text
    refused = client.post(DELETE_TOPIC, params={"chatTopicEntityId": topic_id})
    message = error_message(refused, 409)
    assert "2 chat sessions" in message and str(topic_id) in message
    assert get(client, topic_id)["Name"] == "Busy"
    # Sessions may name a topic that is not stored (ids are kept as given): deleting that id is still a 204.
    assert client.post(SAVE, json={"TopicId": 666_666}).status_code == 200
    assert client.post(DELETE_TOPIC, params={"chatTopicEntityId": 666_666}).status_code == 204


@pytest.mark.parametrize("user", [AGENT1, VIEWER], ids=["agent", "readonly"])
def test_only_admins_save_and_delete_topics_other_roles_read(client: httpx.Client, user: tuple[str, str]) -> None:
    topic_id = saved(client, {"Name": "Admins only"})["ChatTopicId"]
    create = save(client, {"Name": "Not mine"}, auth=user)
    assert "may not create chat topics" in error_message(create, 403)
    update = save(client, {"ChatTopicId": topic_id, "Name": "Changed"}, auth=user)
    assert "may not update chat topics" in error_message(update, 403)
    delete = client.post(DELETE_TOPIC, params={"chatTopicEntityId": topic_id}, auth=user)
    assert "may not delete chat topics" in error_message(delete, 403)
    read = get(client, topic_id, auth=user)
    assert read["Name"] == "Admins only"
    reason = "[SR_SOCHAT_ADMINS_MANAGE_TOPICS]"  # a string reference, resolved when a language is asked for
    assert read["TableRight"] == {"Mask": "Select", "Reason": reason}
    assert read["FieldProperties"]["Name"]["FieldRight"] == {"Mask": "Read", "Reason": reason}
    swedish = get(client, topic_id, auth=user, headers={"SO-Language": "sv"})
    assert swedish["TableRight"]["Reason"] == "Endast administratörer får ändra chattämnen"


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"Name": "x" * 256}, "Name"),
        ({"Widget": {"Size": "Huge"}}, "Widget.Size"),
        ({"Widget": "large"}, "Widget"),
        ({"OpeningHours": {"MonStart": "soon"}}, "OpeningHours.MonStart"),
        ({"OpeningHours": {"TzLocation": {"TZLocationID": "seven"}}}, "OpeningHours.TzLocation"),
        ({"BotSettings": [1, 2]}, "BotSettings"),
        ({"Widget": {"PreFormMessage": "y" * 1025}}, "Widget.PreFormMessage"),
    ],
)
def test_bad_input_is_400_naming_the_property_path_and_stores_nothing(
    client: httpx.Client, backend: Backend, change: dict[str, Any], path: str
) -> None:
    before = topic_count(backend)
    response = save(client, {**FULL_TOPIC, **change})
    message = error_message(response, 400)
    assert path in message, message
    assert topic_count(backend) == before


def test_strict_mode_refuses_unknown_ids_and_deleting_a_topic_with_sessions(
    client: httpx.Client, backend: Backend, tmp_path: Path
) -> None:
    busy = saved(client, {"Name": "Busy in strict"})["ChatTopicId"]
    assert client.post(SAVE, json={"TopicId": busy}).status_code == 200
    with Servers([Server(backend.url, tmp_path, args=["--strict"])]) as (strict,), admin(strict) as other:
        before = topic_count(backend)
        unknown = save(other, {"ChatTopicId": 777_777, "Name": "Nowhere"})
        assert "ChatTopicId 777777 is not stored" in error_message(unknown, 404)
        assert topic_count(backend) == before
        gone = other.post(DELETE_TOPIC, params={"chatTopicEntityId": 777_777})
        assert "777777" in error_message(gone, 404)
        assert "1 chat session;" in error_message(other.post(DELETE_TOPIC, params={"chatTopicEntityId": busy}), 409)
        assert "Widget.Size" in error_message(save(other, {"Widget": {"Size": None}}), 400)
        assert get(other, 777_777) is None
        assert saved(other, {"ChatTopicId": busy, "Name": "Still busy"})["Name"] == "Still busy"


def test_the_four_methods_are_described_and_no_longer_planned(client: httpx.Client) -> None:
    for path in (CREATE_DEFAULT, SAVE_TOPIC, GET_TOPIC, DELETE_TOPIC):
        described = client.get(path)
        assert described.status_code == 200 and path in described.text
    document = client.get("/api/openapi.json").json()
    operation = document["paths"][SAVE_TOPIC]["post"]
    assert operation["operationId"] == "v1ChatAgent_SaveChatTopicEntity"
    assert {"ChatTopicEntity", "ChatOpeningHours", "ChatWidgetSettings", "ChatBotSettings"} <= set(
        document["components"]["schemas"]
    )


def test_every_request_type_is_covered() -> None:
    """The parametrisation above names each request type the codecs read (support.bodies.REQUEST_TYPES)."""
    assert set(REQUEST_TYPES) == {*JSON_TYPES, *XML_TYPES, FORM, JSON_PATCH, MERGE_PATCH}
    assert json.loads(body(FULL_TOPIC, "application/json"))["Name"] == "Returns"
