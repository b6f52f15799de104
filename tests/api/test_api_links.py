"""Links to other records (User, Person, ...) and strict mode's integrity checks."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.anyio

LINKS = {
    "User": "AssociateId",
    "TransferTo": "AssociateId",
    "Person": "PersonId",
    "Contact": "ContactId",
    "Project": "ProjectId",
    "Sale": "SaleId",
    "Ticket": "TicketId",
}


async def test_user_link_expands_to_the_known_associate(api):
    """User {"AssociateId": 1} is answered as tje0's full Associate carrier."""
    answer = await api.save_ok({"User": {"AssociateId": 1}})
    user = answer["User"]
    assert user["AssociateId"] == 1
    assert user["UserName"] == "tje0"
    assert user["FullName"] == "Tom Jensen"
    assert (await api.stored(answer["ChatSessionId"]))["User"] == user


async def test_transfer_to_link_expands_to_the_known_associate(api):
    """TransferTo {"AssociateId": 2} is answered as agent1's Associate carrier."""
    answer = await api.save_ok({"TransferTo": {"AssociateId": 2}})
    assert answer["TransferTo"]["AssociateId"] == 2
    assert answer["TransferTo"]["UserName"] == "agent1"


async def test_only_the_id_of_a_sent_carrier_counts(api):
    """Other members sent inside a carrier are not stored: the answer shows the stored record."""
    answer = await api.save_ok({"User": {"AssociateId": 1, "UserName": "mallory", "FullName": "Not Tom"}})
    assert answer["User"]["UserName"] == "tje0"
    assert answer["User"]["FullName"] == "Tom Jensen"


async def test_unknown_person_comes_back_as_a_carrier_with_its_id(api):
    """An unknown PersonId is stored as given and answered as a Person carrier holding that id."""
    answer = await api.save_ok({"Person": {"PersonId": 999}})
    person = answer["Person"]
    assert isinstance(person, dict)
    assert person["PersonId"] == 999
    assert "Firstname" in person
    assert (await api.stored(answer["ChatSessionId"]))["Person"] == person


@pytest.mark.parametrize(("name", "id_name"), sorted(LINKS.items()))
async def test_unknown_link_ids_are_kept(api, name, id_name):
    """Every link keeps an id sochat does not know, answered in a carrier of the right kind."""
    answer = await api.save_ok({name: {id_name: 123456}})
    assert answer[name][id_name] == 123456
    assert (await api.stored(answer["ChatSessionId"]))[name][id_name] == 123456


@pytest.mark.parametrize("name", sorted(LINKS))
@pytest.mark.parametrize("value", [None, "zero", "minus one", "empty"])
async def test_null_zero_and_minus_one_mean_no_link(api, name, value):
    """null stays null; a carrier with id 0, -1 or no id is no link and is answered null."""
    id_name = LINKS[name]
    sent = {"zero": {id_name: 0}, "minus one": {id_name: -1}, "empty": {}, None: None}[value]
    answer = await api.save_ok({name: sent})
    assert answer[name] is None
    assert (await api.stored(answer["ChatSessionId"]))[name] is None


async def test_link_id_overflow_is_400_naming_the_property(api):
    """A link id outside int32 is a 400 naming the link."""
    message = api.error(await api.save({"Person": {"PersonId": 2**31}}), 400)
    assert "Person" in message


async def test_strict_mode_accepts_known_links(strict_api):
    """Strict mode stores links to records sochat knows."""
    answer = await strict_api.save_ok({"TopicId": 1, "User": {"AssociateId": 1}, "TransferTo": {"AssociateId": 3}})
    assert answer["User"]["UserName"] == "tje0"
    assert answer["TransferTo"]["UserName"] == "agent2"
    assert answer["TopicId"] == 1


@pytest.mark.parametrize(
    ("body", "name", "link_id"),
    [
        ({"Person": {"PersonId": 999}}, "Person", 999),
        ({"User": {"AssociateId": 77}}, "User", 77),
        ({"TransferTo": {"AssociateId": 78}}, "TransferTo", 78),
        ({"Contact": {"ContactId": 5}}, "Contact", 5),
        ({"TopicId": 588}, "TopicId", 588),
    ],
)
async def test_strict_mode_refuses_unknown_links_and_stores_nothing(strict_api, body, name, link_id):
    """Strict mode answers a link to an unknown record with a 400 naming property and id; nothing is stored."""
    before = await strict_api.save_ok({"CustomerName": "before"})
    session_id = before["ChatSessionId"]

    for target in (0, session_id):
        response = await strict_api.save({**body, "ChatSessionId": target, "CustomerName": "after"})
        message = strict_api.error(response, 400)
        assert name in message
        assert str(link_id) in message

    assert await strict_api.stored(session_id) == before
    assert await strict_api.stored(session_id + 1) is None


async def test_strict_mode_unknown_nonzero_id_is_404_and_stores_nothing(strict_api):
    """Strict mode refuses to save a non-zero id that is not stored: 404, and no session is created."""
    before = await strict_api.save_ok({"CustomerName": "before"})
    session_id = before["ChatSessionId"]

    strict_api.error(await strict_api.save({"ChatSessionId": 4242, "CustomerName": "ghost"}), 404)

    assert await strict_api.stored(4242) is None
    assert await strict_api.stored(session_id + 1) is None
    assert await strict_api.stored(session_id) == before


async def test_strict_mode_updates_a_stored_id(strict_api):
    """Strict mode still updates a stored session in place."""
    created = await strict_api.save_ok({"CustomerName": "v1"})
    updated = await strict_api.save_ok({"ChatSessionId": created["ChatSessionId"], "CustomerName": "v2"})
    assert updated["ChatSessionId"] == created["ChatSessionId"]
    assert (await strict_api.stored(created["ChatSessionId"]))["CustomerName"] == "v2"
