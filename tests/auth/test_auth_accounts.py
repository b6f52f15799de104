"""Accounts from the command line: a new password (`sochat user passwd`, or an import that changes the hash)
ends the user's tickets, access tokens and browser sessions; `sochat user delete`; the user-name rule of
`sochat user add` and of imports; the cookie's 401 says what is wrong with X-XSRF-TOKEN."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from auth_support import (
    SAVE_BODY,
    assert_refused,
    basic,
    grant_token,
    log_in,
    run_cli,
    user_id,
)

from support.api import AGENT1, GET, TJE0
from support.databases import stored_users

pytestmark = pytest.mark.anyio

CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


async def signed_in(auth, user: tuple[str, str]) -> list[dict[str, str]]:
    """Headers for each credential the user can hold: a ticket, an access token and a browser session."""
    login = await log_in(auth, user)
    token = await grant_token(auth, user)
    return [{"Authorization": f"SOTicket {login.ticket}"}, {"Authorization": f"Bearer {token}"}, login.cookie_headers()]


async def statuses(auth, credentials: list[dict[str, str]]) -> list[int]:
    return [(await auth.save(SAVE_BODY, headers=headers)).status_code for headers in credentials]


async def test_password_change_ends_the_users_tickets_tokens_and_sessions(auth):
    """After `sochat user passwd`, the user's ticket, access token and browser session are refused; another
    user's credentials keep working; the new password signs in."""
    tje0 = await signed_in(auth, TJE0)
    agent1 = await signed_in(auth, AGENT1)
    assert await statuses(auth, tje0 + agent1) == [200] * 6
    result = await run_cli(auth, "user", "passwd", "TJE0", "--password", "N3w-secret")
    assert result.exit_code == 0, result.output
    assert "have ended" in result.output
    for headers in tje0:
        assert_refused(await auth.save(SAVE_BODY, headers=headers))
    assert await statuses(auth, agent1) == [200] * 3
    assert (await auth.save(SAVE_BODY, headers={"Authorization": basic("tje0", "N3w-secret")})).status_code == 200


def associate_line(auth, name: str, **changes: object) -> str:
    row: dict[str, object] = {"type": "Associate", "AssociateId": user_id(auth.store, name), "UserName": name}
    row.update(changes)
    return json.dumps(row)


async def test_import_that_changes_a_password_ends_the_users_credentials(auth, tmp_path: Path):
    """An imported Associate row with a new PasswordHash ends the user's credentials, like `user passwd`; the
    same row with the stored hash (a re-import of an export) leaves them working."""
    credentials = await signed_in(auth, AGENT1)
    stored = next(u.password_hash for u in stored_users(auth.store) if u.user_name == "agent1")
    same = tmp_path / "same.jsonl"
    same.write_text(associate_line(auth, "agent1", Role="agent", PasswordHash=stored) + "\n", encoding="utf-8")
    assert (await run_cli(auth, "import", str(same))).exit_code == 0
    assert await statuses(auth, credentials) == [200] * 3
    changed = tmp_path / "changed.jsonl"
    new_hash = CHEAP.hash("Imported-1")
    changed.write_text(associate_line(auth, "agent1", Role="agent", PasswordHash=new_hash) + "\n", encoding="utf-8")
    result = await run_cli(auth, "import", str(changed))
    assert result.exit_code == 0, result.output
    for headers in credentials:
        assert_refused(await auth.save(SAVE_BODY, headers=headers))
    assert (await auth.save(SAVE_BODY, headers={"Authorization": basic("agent1", "Imported-1")})).status_code == 200


async def test_user_delete_refuses_sign_in_and_ends_every_credential(auth):
    """`sochat user delete` refuses the password and ends the ticket, token and session at once; the user is
    listed as deleted and the name is not given out again; deleting again fails clearly."""
    credentials = await signed_in(auth, AGENT1)
    result = await run_cli(auth, "user", "delete", "Agent1")
    assert result.exit_code == 0, result.output
    assert "deleted user agent1" in result.output
    for headers in [*credentials, {"Authorization": basic(*AGENT1)}]:
        assert_refused(await auth.save(SAVE_BODY, headers=headers))
    assert (
        auth.sql(
            "SELECT COUNT(*) FROM auth_token t JOIN associate a USING (associate_id) "
            "WHERE a.user_name = 'agent1' AND t.revoked = FALSE"
        )[0][0]
        == 0
    )
    listed = await run_cli(auth, "user", "list")
    assert any("agent1" in line and "(deleted)" in line for line in listed.output.splitlines())
    again = await run_cli(auth, "user", "delete", "agent1")
    assert again.exit_code != 0 and "user 'agent1' is deleted" in again.output
    add = await run_cli(auth, "user", "add", "agent1", "--password", "x")
    assert add.exit_code != 0 and "was deleted" in add.output
    assert (await auth.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)})).status_code == 200


async def test_sessions_keep_their_link_to_a_deleted_user(auth):
    """A chat session assigned to a deleted user still names that associate, marked Deleted."""
    agent = user_id(auth.store, "agent1")
    saved = await auth.client.post(
        "/api/v1/Agents/Chat/SaveChatSessionEntity",
        json={"CustomerName": "kept", "User": {"AssociateId": agent}},
        headers={"Authorization": basic(*TJE0)},
    )
    assert saved.status_code == 200, saved.text
    assert (await run_cli(auth, "user", "delete", "agent1")).exit_code == 0
    answer = await auth.client.post(
        GET, params={"chatSessionEntityId": saved.json()["ChatSessionId"]}, headers={"Authorization": basic(*TJE0)}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["User"]["AssociateId"] == agent
    assert answer.json()["User"]["Deleted"] is True


async def test_user_delete_of_an_unknown_user_fails_clearly(auth):
    result = await run_cli(auth, "user", "delete", "nobody")
    assert result.exit_code != 0
    assert "no user named 'nobody'" in result.output


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("bad\x00name", "control characters"),
        ("bad\x1bname", "control characters"),
        ("line\nbreak", "control characters"),
        ("n" * 255, "at most 254 characters"),
    ],
    ids=["nul", "escape", "newline", "255-characters"],
)
async def test_user_add_refuses_names_that_cannot_sign_in(auth, name, message):
    """`sochat user add` refuses a name with a control character or longer than 254 characters; nothing added."""
    before = len(stored_users(auth.store))
    result = await run_cli(auth, "user", "add", name, "--password", "x")
    assert result.exit_code != 0
    assert message in result.output
    assert len(stored_users(auth.store)) == before


async def test_user_add_takes_a_name_of_254_characters(auth):
    """254 characters is SuperOffice's limit (associate.userName String(254)), and such a user signs in."""
    name = "n" * 254
    result = await run_cli(auth, "user", "add", name, "--password", "Long-name-1")
    assert result.exit_code == 0, result.output
    assert (await auth.save(SAVE_BODY, headers={"Authorization": basic(name, "Long-name-1")})).status_code == 200


@pytest.mark.parametrize("user_name", ["tab\there", "nul\u0000", "u" * 255], ids=["tab", "nul", "255-characters"])
async def test_import_refuses_user_names_that_cannot_sign_in(auth, tmp_path: Path, user_name):
    """An imported Associate whose UserName has a control character or 255 characters is a bad row naming
    UserName; nothing is loaded."""
    before = len(stored_users(auth.store))
    path = tmp_path / "users.jsonl"
    path.write_text(json.dumps({"type": "Associate", "UserName": user_name}) + "\n", encoding="utf-8")
    result = await run_cli(auth, "import", str(path))
    assert result.exit_code != 0
    assert "users.jsonl:1: UserName" in result.output
    assert len(stored_users(auth.store)) == before


async def test_cookie_without_xsrf_header_says_the_header_is_missing(auth):
    """The 401 for a cookie request without X-XSRF-TOKEN says the header is missing."""
    login = await log_in(auth)
    headers = login.cookie_headers()
    del headers["X-XSRF-TOKEN"]
    body = assert_refused(await auth.save(SAVE_BODY, headers=headers))
    assert "must send the X-XSRF-TOKEN header" in str(body["ErrorMessage"])
    assert auth.row_count() == 0


@pytest.mark.parametrize("same_in_cookie", [False, True], ids=["header-differs-from-cookie", "other-sessions-pair"])
async def test_cookie_with_a_wrong_xsrf_header_says_it_does_not_match(auth, same_in_cookie):
    """The 401 for a wrong X-XSRF-TOKEN says it does not match, whether it differs from the XSRF-TOKEN cookie or
    both belong to another session."""
    login, other = await log_in(auth), await log_in(auth)
    headers = login.cookie_headers(xsrf_header=other.xsrf)
    if same_in_cookie:
        headers["Cookie"] = f"SOCHAT_SESSION={login.session}; XSRF-TOKEN={other.xsrf}"
    body = assert_refused(await auth.save(SAVE_BODY, headers=headers))
    assert "X-XSRF-TOKEN header does not match" in str(body["ErrorMessage"])
    assert auth.row_count() == 0
