"""The Store contract for accounts (issue 12), on SQLite and PostgreSQL: a new password or a deleted user ends
every credential of that user; removing an application ends the tokens issued to it; failure counters that
only count never lock, and expired ones are removed; names that cannot be stored are never looked up."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sochat.domain import datetimes
from sochat.domain.principal import Role
from sochat.store.records import NewAssociate, NewToken, UserRecord
from sochat.store.store import Store
from sochat.transfer.records import AssociateRow
from support.databases import Backend

pytestmark = pytest.mark.anyio

KINDS = ("ticket", "access", "session")


def now_ticks() -> int:
    return datetimes.from_datetime(datetime.now(UTC))


async def give_credentials(store: Store, associate_id: int, prefix: str, now: int, app_id: int | None = None) -> None:
    """One credential of each kind, hashes ``<prefix>-<kind>``."""
    for kind in KINDS:
        await store.write(
            lambda unit, kind=kind: unit.tokens.add(
                NewToken(f"{prefix}-{kind}", kind, associate_id, now + 10_000, app_id=app_id), now
            )
        )


async def live_credentials(store: Store, prefix: str, now: int) -> list[str]:
    return [
        kind
        for kind in KINDS
        if await store.read(lambda unit, kind=kind: unit.tokens.find(f"{prefix}-{kind}", kind, now), point=True)
        is not None
    ]


async def test_set_password_ends_every_credential_of_that_user_only(store: Store) -> None:
    """set_password revokes the user's tickets, access tokens and sessions; another user's stay live."""
    first = store.run_admin(lambda unit: unit.users.add(NewAssociate("first", Role.AGENT, "old")))
    second = store.run_admin(lambda unit: unit.users.add(NewAssociate("second", Role.AGENT, "h")))
    now = now_ticks()
    await give_credentials(store, first, "first", now)
    await give_credentials(store, second, "second", now)
    assert store.run_admin(lambda unit: unit.users.set_password("FIRST", "new"))
    assert await live_credentials(store, "first", now) == []
    assert await live_credentials(store, "second", now) == list(KINDS)
    assert await store.read(lambda unit: unit.users.find("first"), point=True) == UserRecord(
        first, "first", Role.AGENT, "new", ""
    )


async def test_delete_user_retires_clears_the_password_and_ends_credentials(store: Store) -> None:
    """delete_user answers True once: the user is no longer found, list_users marks it deleted without a
    password, and its credentials are revoked."""
    associate_id = store.run_admin(
        lambda unit: unit.users.add(NewAssociate("leaver", Role.AGENT, "h", full_name="Lee"))
    )
    now = now_ticks()
    await give_credentials(store, associate_id, "leaver", now)
    assert store.run_admin(lambda unit: unit.users.retire("LEAVER"))
    assert not store.run_admin(lambda unit: unit.users.retire("leaver"))
    assert not store.run_admin(lambda unit: unit.users.retire("nobody"))
    assert await store.read(lambda unit: unit.users.find("leaver"), point=True) is None
    assert store.run_admin(lambda unit: unit.users.list(), write=False) == [
        UserRecord(associate_id, "leaver", Role.AGENT, None, "Lee", deleted=True)
    ]
    assert await live_credentials(store, "leaver", now) == []


async def test_remove_application_ends_the_tokens_issued_to_it(store: Store) -> None:
    """remove_application (ignoring ASCII case) deletes the application and revokes its tokens only."""
    owner = store.run_admin(lambda unit: unit.users.add(NewAssociate("owner", Role.AGENT, "h")))
    leaving = store.run_admin(lambda unit: unit.applications.add("Leaving App", "app-hash-1", owner))
    store.run_admin(lambda unit: unit.applications.add("staying", "app-hash-2", owner))
    now = now_ticks()
    await give_credentials(store, owner, "by-app", now, app_id=leaving)
    await give_credentials(store, owner, "by-password", now)
    assert store.run_admin(lambda unit: unit.applications.remove("LEAVING APP"))
    assert not store.run_admin(lambda unit: unit.applications.remove("leaving app"))
    assert await store.read(lambda unit: unit.applications.find("app-hash-1"), point=True) is None
    assert [app.name for app in store.run_admin(lambda unit: unit.applications.list(), write=False)] == ["staying"]
    assert await live_credentials(store, "by-app", now) == []
    assert await live_credentials(store, "by-password", now) == list(KINDS)


async def test_count_only_keys_count_and_slow_but_never_lock(store: Store) -> None:
    """Keys given as count_only are counted (and part of the answered highest count) but never locked."""
    now, window, lock = now_ticks(), 1_000, 5_000
    for attempt in range(4):
        highest = await store.write(
            lambda unit, attempt=attempt: unit.lockout.note(
                ["user:a"], now + attempt, window, 10, lock, count_only=["name:7"]
            )
        )
        assert highest == attempt + 1
    for attempt in range(4, 12):
        await store.write(
            lambda unit, attempt=attempt: unit.lockout.note([], now + attempt, window, 3, lock, count_only=["name:7"])
        )
    assert await store.read(lambda unit: unit.lockout.failures(["name:7"], now + 12, window), point=True) == 12
    assert await store.read(lambda unit: unit.lockout.locked_until(["name:7"]), point=True) == 0


async def test_expired_counters_are_removed_when_the_next_failure_is_noted(store: Store, backend: Backend) -> None:
    """A counter whose window and lock are over is deleted by the next note_auth_failure; a locked one stays
    until its lock ends."""
    now, window, lock = now_ticks(), 1_000, 5_000
    await store.write(lambda unit: unit.lockout.note(["old"], now, window, 10, lock))
    await store.write(lambda unit: unit.lockout.note(["locked"], now, window, 1, lock))
    await store.write(lambda unit: unit.lockout.note(["fresh"], now + 2 * window, window, 10, lock))
    assert sorted(row[0] for row in backend.sql("SELECT key FROM auth_failure")) == ["fresh", "locked"]
    await store.write(lambda unit: unit.lockout.note(["fresh"], now + lock + 1, window, 10, lock))
    assert [row[0] for row in backend.sql("SELECT key FROM auth_failure")] == ["fresh"]


async def test_remove_auth_failures_forgets_locks_too(store: Store) -> None:
    """remove_auth_failures deletes the keys' counters, locked or not, and answers how many there were."""
    now = now_ticks()
    await store.write(lambda unit: unit.lockout.note(["user:a", "addr:b"], now, 1_000, 1, 5_000))
    assert store.run_admin(lambda unit: unit.lockout.remove(["user:a", "user:none"])) == 1
    assert await store.read(lambda unit: unit.lockout.locked_until(["user:a"]), point=True) == 0
    assert await store.read(lambda unit: unit.lockout.locked_until(["addr:b"]), point=True) == now + 5_000


@pytest.mark.parametrize("name", ["tje0\x00", "\x00", "t" * 255, ""], ids=["nul", "only-nul", "255", "empty"])
async def test_find_user_answers_none_for_names_that_cannot_be_stored(store: Store, name: str) -> None:
    """A name with NUL, longer than 254 characters, or empty is not found (PostgreSQL would refuse NUL)."""
    store.run_admin(lambda unit: unit.users.add(NewAssociate("tje0", Role.ADMIN, "h")))
    assert await store.read(lambda unit: unit.users.find(name), point=True) is None


async def test_import_ends_credentials_only_when_the_password_changes_or_the_user_retires(store: Store) -> None:
    """An imported Associate row with the stored hash, or none, keeps the user's credentials; a new hash, or
    Deleted, revokes them."""
    associate_id = store.run_admin(lambda unit: unit.users.add(NewAssociate("imp", Role.AGENT, "$argon2id$old")))
    now = now_ticks()

    def row(password_hash: str | None, deleted: bool = False) -> AssociateRow:
        return AssociateRow(associate_id, "imp", "imp", "", "", 0, 0, "", 1, 0, deleted, 0, Role.AGENT, password_hash)

    await give_credentials(store, associate_id, "kept", now)
    store.run_admin(lambda unit: unit.transfer.load([row("$argon2id$old"), row(None)]))
    assert await live_credentials(store, "kept", now) == list(KINDS)
    store.run_admin(lambda unit: unit.transfer.load([row("$argon2id$new")]))
    assert await live_credentials(store, "kept", now) == []
    await give_credentials(store, associate_id, "retired", now)
    store.run_admin(lambda unit: unit.transfer.load([row(None, deleted=True)]))
    assert await live_credentials(store, "retired", now) == []


@pytest.mark.parametrize("name", ["tje0\x00", "t" * 255], ids=["nul", "255"])
async def test_set_password_and_delete_user_answer_false_for_names_that_cannot_be_stored(
    store: Store, name: str
) -> None:
    """Administration by a name that cannot be stored changes nothing and answers False on both databases."""
    store.run_admin(lambda unit: unit.users.add(NewAssociate("tje0", Role.ADMIN, "h")))
    assert not store.run_admin(lambda unit: unit.users.set_password(name, "new"))
    assert not store.run_admin(lambda unit: unit.users.retire(name))
    assert [(u.password_hash, u.deleted) for u in store.run_admin(lambda unit: unit.users.list(), write=False)] == [
        ("h", False)
    ]
