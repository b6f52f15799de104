"""401 answers: one challenge per enabled scheme, one body whatever the cause; failed logins are slowed, then
locked, and the lock lifts; lockout_after=0 switches it off; the counters are bounded (users, addresses and
/64s, name buckets) and expire; `sochat user unlock`."""

from __future__ import annotations

import asyncio
import types

import pytest
from auth_support import (
    LOGIN,
    MINUTE_TICKS,
    OTHER_REMOTE,
    REMOTE,
    SAVE_BODY,
    TOKEN,
    assert_refused,
    basic,
    run_cli,
)

from sochat.agents import lockout
from sochat.agents.lockout import name_bucket
from support.api import TJE0

pytestmark = pytest.mark.anyio

NO_SLOWING = 1000  # lockout_slow_after high enough that no answer is delayed


@pytest.fixture
def lockout_delays(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The delays the lockout asks for, recorded instead of slept: the standard library's asyncio.sleep as
    sochat.agents.lockout sees it is replaced by a recorder that yields once. Tests check which answers are slowed
    and by how much without timing them (the real delay is measured by bench/lockout_delay.py)."""
    delays: list[float] = []
    real_sleep = asyncio.sleep

    async def record(seconds: float) -> None:
        delays.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr(lockout, "asyncio", types.SimpleNamespace(sleep=record))
    return delays


def challenges(response) -> list[str]:
    return [value.split()[0].lower() for value in response.headers.get_list("www-authenticate")]


@pytest.mark.parametrize(
    ("schemes", "expected"),
    [
        ("basic,soticket,bearer,cookie", ["basic", "soticket", "bearer"]),
        ("basic", ["basic"]),
        ("soticket,cookie", ["soticket"]),
        ("bearer, soticket", ["soticket", "bearer"]),
        ("cookie", []),
    ],
)
async def test_401_carries_one_challenge_per_enabled_scheme(auth_factory, anyio_backend, schemes, expected):
    """A 401 has exactly one WWW-Authenticate header for each enabled scheme that has a challenge."""
    async with auth_factory(auth_schemes=schemes) as auth:
        response = await auth.save(SAVE_BODY, headers={})
        assert response.status_code == 401, response.text
        assert sorted(challenges(response)) == sorted(expected)


async def test_basic_challenge_names_realm_and_charset(auth):
    """The Basic challenge names the realm and UTF-8 (RFC 7617), so clients send non-ASCII passwords as UTF-8."""
    response = await auth.save(SAVE_BODY, headers={})
    basic_challenge = next(v for v in response.headers.get_list("www-authenticate") if v.lower().startswith("basic"))
    assert 'realm="' in basic_challenge
    assert 'charset="UTF-8"' in basic_challenge


async def test_wrong_password_and_unknown_user_answer_byte_identically(auth):
    """Basic and the login call answer a wrong password and an unknown user with the same bytes and headers."""
    wrong = await auth.save(SAVE_BODY, headers={"Authorization": basic("tje0", "wrong")})
    unknown = await auth.save(SAVE_BODY, headers={"Authorization": basic("no-such-user", "wrong")})
    assert wrong.content == unknown.content
    assert challenges(wrong) == challenges(unknown)
    assert_refused(wrong)
    login_wrong = await auth.client.post(LOGIN, json={"Username": "tje0", "Password": "wrong"})
    login_unknown = await auth.client.post(LOGIN, json={"Username": "no-such-user", "Password": "wrong"})
    assert login_wrong.status_code == login_unknown.status_code == 401
    assert login_wrong.content == login_unknown.content
    assert login_wrong.content == wrong.content


async def test_answers_slow_down_after_lockout_slow_after_failures(auth_factory, anyio_backend, lockout_delays):
    """With lockout_slow_after=1 the first failure answers at once, the second is held a second, the third two."""
    async with auth_factory(lockout_slow_after=1, lockout_after=50) as auth:
        assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": basic("tje0", "wrong-1")}))
        assert lockout_delays == []
        assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": basic("tje0", "wrong-2")}))
        assert lockout_delays == [1]
        assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": basic("tje0", "wrong-3")}))
        assert lockout_delays == [1, 2]


async def test_the_delay_stops_growing_at_five_seconds(auth_factory, anyio_backend, lockout_delays):
    """A failure is held a second per failure beyond lockout_slow_after, never more than five."""
    async with auth_factory(lockout_slow_after=1, lockout_after=50) as auth:
        await lock_tje0(auth, 8)
        assert lockout_delays == [1, 2, 3, 4, 5, 5, 5]


async def lock_tje0(auth, failures: int) -> bytes:
    """Fail Basic for tje0 ``failures`` times; answers the body of the last refusal."""
    body = b""
    for attempt in range(failures):
        response = await auth.save(SAVE_BODY, headers={"Authorization": basic("tje0", f"wrong-{attempt}")})
        assert_refused(response)
        body = response.content
    return body


async def test_right_password_is_refused_once_locked_exactly_like_a_wrong_one(auth_factory, anyio_backend):
    """After lockout_after failures the right password answers the same 401 bytes as a wrong one; nothing saved."""
    async with auth_factory(lockout_slow_after=NO_SLOWING, lockout_after=3) as auth:
        wrong_body = await lock_tje0(auth, 3)
        locked = await auth.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)})
        assert_refused(locked)
        assert locked.content == wrong_body
        login = await auth.client.post(LOGIN, json={"Username": "tje0", "Password": "Tje0"})
        assert_refused(login)
        assert login.content == wrong_body
        grant = await auth.client.post(TOKEN, data={"grant_type": "password", "username": "tje0", "password": "Tje0"})
        assert grant.status_code == 400 and grant.json()["error"] == "invalid_grant", grant.text
        assert auth.row_count() == 0


async def test_not_locked_one_failure_before_the_limit(auth_factory, anyio_backend):
    """lockout_after - 1 failures still let the right password in (and it resets the count)."""
    async with auth_factory(lockout_slow_after=NO_SLOWING, lockout_after=3) as auth:
        await lock_tje0(auth, 2)
        assert (await auth.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)})).status_code == 200
        await lock_tje0(auth, 2)
        assert (await auth.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)})).status_code == 200


async def test_lock_of_a_cached_password_still_refuses(auth_factory, anyio_backend):
    """A password verified (and cached) before the lock is refused while the lock lasts."""
    async with auth_factory(lockout_slow_after=NO_SLOWING, lockout_after=3) as auth:
        assert (await auth.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)})).status_code == 200
        await lock_tje0(auth, 3)
        assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)}))
        assert auth.row_count() == 1


async def test_user_lock_holds_from_every_address_and_spares_other_users(auth_factory, anyio_backend):
    """A user locked by failures from one address is refused from another; other users still sign in."""
    async with auth_factory(lockout_slow_after=NO_SLOWING, lockout_after=3) as auth:
        await lock_tje0(auth, 3)
        async with auth.at(OTHER_REMOTE) as other:
            assert_refused(await other.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)}))
            assert (
                await other.save(SAVE_BODY, headers={"Authorization": basic("agent1", "Agent1")})
            ).status_code == 200


async def test_address_lock_refuses_every_user_from_that_address_only(auth_factory, anyio_backend):
    """Failures for many user names from one remote address lock that address, not others."""
    async with auth_factory(lockout_slow_after=NO_SLOWING, lockout_after=3) as auth:
        for name in ("ghost-1", "ghost-2", "ghost-3"):
            assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": basic(name, "x")}))
        assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)}))
        async with auth.at(OTHER_REMOTE) as other:
            assert (await other.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)})).status_code == 200


async def test_loopback_clients_are_locked_by_user_only(auth_factory, anyio_backend):
    """From 127.0.0.1, failures for several user names do not lock the address for other users."""
    settings = {"lockout_slow_after": NO_SLOWING, "lockout_after": 3}
    async with auth_factory(**settings) as auth, auth.at("127.0.0.1") as local:
        for name in ("ghost-1", "ghost-2", "ghost-3", "ghost-4"):
            assert_refused(await local.save(SAVE_BODY, headers={"Authorization": basic(name, "x")}))
        assert (await local.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)})).status_code == 200
        for attempt in range(3):
            assert_refused(await local.save(SAVE_BODY, headers={"Authorization": basic("tje0", f"wrong-{attempt}")}))
        assert_refused(await local.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)}))


async def test_login_call_and_password_grant_failures_count_toward_the_lock(auth_factory, anyio_backend):
    """Failures through the login call and the password grant lock the user for Basic too."""
    async with auth_factory(lockout_slow_after=NO_SLOWING, lockout_after=3) as auth:
        assert_refused(await auth.client.post(LOGIN, json={"Username": "tje0", "Password": "a"}))
        grant = await auth.client.post(TOKEN, data={"grant_type": "password", "username": "tje0", "password": "b"})
        assert grant.status_code == 400
        assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": basic("tje0", "c")}))
        assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)}))


def let_time_pass(auth, minutes: float) -> None:
    """Move every failure window and lock of the database ``minutes`` into the past (as if time passed)."""
    shift = int(minutes * MINUTE_TICKS)
    auth.sql(
        "UPDATE auth_failure SET window_ticks = window_ticks - ?,"
        " locked_until = CASE WHEN locked_until = 0 THEN 0 ELSE locked_until - ? END",
        shift,
        shift,
    )


async def test_lock_lifts_after_lockout_minutes(auth_factory, anyio_backend):
    """Once lockout_minutes have passed the right password works again (default window = lock = 15 min)."""
    async with auth_factory(lockout_slow_after=NO_SLOWING, lockout_after=3) as auth:
        await lock_tje0(auth, 3)
        let_time_pass(auth, 14)
        assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)}))
        let_time_pass(auth, 1.1)
        response = await auth.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)})
        assert response.status_code == 200, response.text
        # and a single new typo does not lock again: the old failures are out of the window
        assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": basic("tje0", "typo")}))
        assert (await auth.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)})).status_code == 200


async def test_success_after_a_lifted_lock_starts_the_count_afresh(auth_factory, anyio_backend):
    """A sign-in after a lifted lock resets the count, so one later typo does not lock again."""
    async with auth_factory(lockout_slow_after=NO_SLOWING, lockout_after=3, lockout_minutes=1) as auth:
        await lock_tje0(auth, 3)
        let_time_pass(auth, 1.1)
        assert (await auth.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)})).status_code == 200
        assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": basic("tje0", "typo")}))
        response = await auth.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)})
        assert response.status_code == 200, "one typo after a successful sign-in locked the user again"


async def test_failures_older_than_the_window_do_not_count(auth_factory, anyio_backend):
    """Failures spread over more than lockout_window_minutes never add up to a lock."""
    async with auth_factory(lockout_slow_after=NO_SLOWING, lockout_after=3) as auth:
        await lock_tje0(auth, 2)
        let_time_pass(auth, 16)
        await lock_tje0(auth, 2)
        assert (await auth.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)})).status_code == 200


async def test_lockout_after_zero_switches_lockout_off(auth_factory, anyio_backend, lockout_delays):
    """With lockout_after=0, many quick failures neither slow the answers nor lock the user."""
    async with auth_factory(lockout_after=0, lockout_slow_after=1) as auth:
        await lock_tje0(auth, 12)
        assert lockout_delays == [], "failures were slowed although lockout is off"
        assert (await auth.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)})).status_code == 200
        assert auth.sql("SELECT COUNT(*) FROM auth_failure")[0][0] == 0


def counter_rows(auth) -> dict[str, int]:
    """Every failed-login counter stored: key -> failures."""
    return {str(key): int(failures) for key, failures in auth.sql("SELECT key, failures FROM auth_failure")}


def colliding_names(user_name: str, count: int) -> list[str]:
    """Names that are not stored but share ``user_name``'s bucket."""
    names = (f"ghost-{index}" for index in range(1_000_000))
    return [name for name in names if name_bucket(name) == name_bucket(user_name)][:count]


async def test_names_that_are_not_stored_get_no_counter_of_their_own(auth_factory, anyio_backend):
    """Failures for a stored user count on the user, the address and the name's bucket; failures for a name
    that is not stored count on the address and the bucket only, by the same number."""
    async with auth_factory(lockout_slow_after=NO_SLOWING) as auth:
        for attempt in range(3):
            assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": basic("tje0", f"wrong-{attempt}")}))
        tje0_counters = counter_rows(auth)
        assert tje0_counters == {"user:tje0": 3, f"addr:{REMOTE}": 3, name_bucket("tje0"): 3}
        auth.sql("DELETE FROM auth_failure")
        for attempt in range(3):
            assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": basic("ghost", f"wrong-{attempt}")}))
        assert counter_rows(auth) == {f"addr:{REMOTE}": 3, name_bucket("ghost"): 3}


async def test_a_name_bucket_never_locks_the_stored_user_who_shares_it(auth_factory, anyio_backend):
    """Many failures for names that share tje0's bucket (from loopback, so no address lock) leave tje0 free to
    sign in: buckets slow answers, they never lock."""
    async with (
        auth_factory(lockout_slow_after=NO_SLOWING, lockout_after=3) as auth,
        auth.at("127.0.0.1") as local,
    ):
        for name in colliding_names("tje0", 5):
            assert_refused(await local.save(SAVE_BODY, headers={"Authorization": basic(name, "x")}))
        assert counter_rows(auth) == {name_bucket("tje0"): 5}
        response = await local.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)})
        assert response.status_code == 200, response.text


async def test_expired_counters_are_removed_by_the_next_failure(auth_factory, anyio_backend):
    """Counters whose window and lock are both over are removed when the next failure is counted."""
    async with auth_factory(lockout_slow_after=NO_SLOWING, lockout_after=3) as auth:
        await lock_tje0(auth, 3)
        assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": basic("ghost", "x")}))
        let_time_pass(auth, 14)
        assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": basic("ghost-2", "x")}))
        assert "user:tje0" in counter_rows(auth), "a counter was removed while its lock lasted"
        let_time_pass(auth, 16)
        assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": basic("ghost-3", "x")}))
        assert counter_rows(auth) == {f"addr:{REMOTE}": 1, name_bucket("ghost-3"): 1}


async def test_ipv6_clients_are_counted_per_64(auth_factory, anyio_backend):
    """Failures from many addresses of one IPv6 /64 add up to one lock for that /64; another /64 is free."""
    async with auth_factory(lockout_slow_after=NO_SLOWING, lockout_after=3) as auth:
        for index, name in enumerate(("ghost-1", "ghost-2", "ghost-3")):
            async with auth.at(f"2001:db8:1:2::{index + 1:x}") as client:
                assert_refused(await client.save(SAVE_BODY, headers={"Authorization": basic(name, "x")}))
        assert counter_rows(auth)["addr:2001:db8:1:2::/64"] == 3
        async with auth.at("2001:db8:1:2:ffff::9") as same_network:
            assert_refused(await same_network.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)}))
        async with auth.at("2001:db8:1:3::1") as other_network:
            assert (await other_network.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)})).status_code == 200


@pytest.mark.parametrize("name", ["t" * 255, "tje0\x00", "tje0\x1f"], ids=["255-characters", "nul", "control"])
async def test_names_that_cannot_exist_count_against_the_address_only(auth_factory, anyio_backend, name):
    """A name longer than 254 characters or with a control character answers like a wrong password and counts
    only against the client address (it has neither a user counter nor a bucket)."""
    async with auth_factory(lockout_slow_after=NO_SLOWING) as auth:
        wrong = await auth.save(SAVE_BODY, headers={"Authorization": basic("tje0", "wrong")})
        auth.sql("DELETE FROM auth_failure")
        refused = await auth.save(SAVE_BODY, headers={"Authorization": basic(name, "Tje0")})
        assert_refused(refused)
        assert refused.content == wrong.content
        assert counter_rows(auth) == {f"addr:{REMOTE}": 1}


async def test_user_unlock_lifts_the_lock_at_once(auth_factory, anyio_backend):
    """`sochat user unlock NAME` lifts a user's lock; the right password works on the very next request."""
    async with auth_factory(lockout_slow_after=NO_SLOWING, lockout_after=3) as auth:
        async with auth.at("127.0.0.1") as local:  # no address lock: the user's lock alone
            for attempt in range(3):
                assert_refused(
                    await local.save(SAVE_BODY, headers={"Authorization": basic("tje0", f"wrong-{attempt}")})
                )
            assert_refused(await local.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)}))
            result = await run_cli(auth, "user", "unlock", "TJE0")
            assert result.exit_code == 0, result.output
            assert "unlocked tje0" in result.output
            assert (await local.save(SAVE_BODY, headers={"Authorization": basic(*TJE0)})).status_code == 200
        again = await run_cli(auth, "user", "unlock", "tje0")
        assert again.exit_code == 0 and "was not locked" in again.output


async def test_user_unlock_of_an_unknown_user_fails_clearly(auth):
    """Unlocking a user that does not exist exits non-zero and names the user."""
    result = await run_cli(auth, "user", "unlock", "nobody")
    assert result.exit_code != 0
    assert "no user named 'nobody'" in result.output
