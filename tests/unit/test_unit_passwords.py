"""Unit tests for sochat.security.passwords: argon2 hashing and the verified-credentials cache."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sochat.security.passwords import VerifiedCredentials, hash_password, verify_password


@pytest.fixture(scope="module")
def stored() -> str:
    """One argon2 hash of 'Tje0', shared because hashing is deliberately slow."""
    return hash_password("Tje0")


def test_hash_is_argon2_and_hides_the_password(stored: str) -> None:
    """A hash is an argon2id PHC string that does not contain the password."""
    assert stored.startswith("$argon2id$")
    assert "Tje0" not in stored


def test_hashes_are_salted() -> None:
    """Hashing the same password twice gives different hashes that both verify."""
    first, second = hash_password("same"), hash_password("same")
    assert first != second
    assert verify_password(first, "same")
    assert verify_password(second, "same")


def test_verify_right_password(stored: str) -> None:
    """The password that was hashed verifies."""
    assert verify_password(stored, "Tje0") is True


@pytest.mark.parametrize("password", ["tje0", "Tje0 ", "", "Tje", "Tje00"])
def test_verify_wrong_password(stored: str, password: str) -> None:
    """Any other password (case, whitespace, prefix) does not verify."""
    assert verify_password(stored, password) is False


@pytest.mark.parametrize("bad_hash", [None, "", "not-a-hash", "$argon2id$v=19$m=1,t=1,p=1$bad$bad"])
def test_verify_without_usable_hash_is_false(bad_hash: str | None) -> None:
    """No stored hash, or a malformed one, gives False and never raises."""
    assert verify_password(bad_hash, "Tje0") is False


def test_verify_unicode_password() -> None:
    """Non-ASCII passwords verify exactly (UTF-8), and a different normalisation does not."""
    stored = hash_password("\u00c5se-\u00f8")
    assert verify_password(stored, "\u00c5se-\u00f8")
    assert not verify_password(stored, "A\u030ase-\u00f8")


def test_cache_matches_after_remember() -> None:
    """A remembered (user, password) matches against the same stored hash."""
    cache = VerifiedCredentials()
    cache.remember("tje0", "Tje0", "$hash-1")
    assert cache.matches("tje0", "Tje0", "$hash-1")


def test_cache_does_not_match_before_remember() -> None:
    """An empty cache matches nothing."""
    assert not VerifiedCredentials().matches("tje0", "Tje0", "$hash-1")


def test_cache_stops_matching_when_hash_changes() -> None:
    """After the stored hash changes (password changed elsewhere) the old entry no longer matches."""
    cache = VerifiedCredentials()
    cache.remember("tje0", "Tje0", "$hash-1")
    assert not cache.matches("tje0", "Tje0", "$hash-2")
    assert not cache.matches("tje0", "Tje0", None)
    assert cache.matches("tje0", "Tje0", "$hash-1")


def test_cache_does_not_match_other_password_or_user() -> None:
    """A different password, or the same password for another user, does not match."""
    cache = VerifiedCredentials()
    cache.remember("tje0", "Tje0", "$hash-1")
    assert not cache.matches("tje0", "tje0", "$hash-1")
    assert not cache.matches("tje0", "Tje0x", "$hash-1")
    assert not cache.matches("agent1", "Tje0", "$hash-1")


def test_cache_remember_replaces_the_hash() -> None:
    """Remembering a new hash for the same credentials replaces the old one."""
    cache = VerifiedCredentials()
    cache.remember("tje0", "Tje0", "$hash-1")
    cache.remember("tje0", "Tje0", "$hash-2")
    assert cache.matches("tje0", "Tje0", "$hash-2")
    assert not cache.matches("tje0", "Tje0", "$hash-1")


@pytest.mark.parametrize("odd_hash", ["$h\u00e6sh", "\u00ff", "$hash-1\u200b"])
def test_cache_non_ascii_stored_hash_is_no_match(odd_hash: str) -> None:
    """A stored hash with non-ASCII characters (corrupt row) is simply no match, not an exception."""
    cache = VerifiedCredentials()
    cache.remember("tje0", "Tje0", "$hash-1")
    assert cache.matches("tje0", "Tje0", odd_hash) is False


def test_caches_do_not_share_keys() -> None:
    """Each cache has its own HMAC key: an entry in one is unknown to another."""
    one, two = VerifiedCredentials(), VerifiedCredentials()
    one.remember("tje0", "Tje0", "$hash-1")
    assert not two.matches("tje0", "Tje0", "$hash-1")


def test_cache_never_holds_the_password() -> None:
    """The cache's state contains no copy of the password text or its UTF-8 bytes."""
    password = "Very-Secret-Passw0rd-\u00e6"
    cache = VerifiedCredentials()
    cache.remember("tje0", password, "$hash-1")
    state = repr(vars(cache)) if hasattr(cache, "__dict__") else ""
    state += repr([getattr(cache, slot) for slot in getattr(cache, "__slots__", ())])
    assert password not in state
    assert repr(password.encode("utf-8")) not in state


def test_lru_evicts_the_least_recently_used() -> None:
    """Past its capacity the cache forgets the oldest entry first."""
    cache = VerifiedCredentials(capacity=2)
    cache.remember("a", "pa", "$ha")
    cache.remember("b", "pb", "$hb")
    cache.remember("c", "pc", "$hc")
    assert not cache.matches("a", "pa", "$ha")
    assert cache.matches("b", "pb", "$hb")
    assert cache.matches("c", "pc", "$hc")


def test_lru_use_refreshes_an_entry() -> None:
    """A successful match makes an entry recent, so the other one is evicted next."""
    cache = VerifiedCredentials(capacity=2)
    cache.remember("a", "pa", "$ha")
    cache.remember("b", "pb", "$hb")
    assert cache.matches("a", "pa", "$ha")
    cache.remember("c", "pc", "$hc")
    assert cache.matches("a", "pa", "$ha")
    assert not cache.matches("b", "pb", "$hb")
    assert cache.matches("c", "pc", "$hc")


@settings(max_examples=30, deadline=None)
@given(capacity=st.integers(min_value=1, max_value=20), count=st.integers(min_value=0, max_value=60))
def test_lru_keeps_exactly_the_last_capacity_entries(capacity: int, count: int) -> None:
    """After remembering n distinct users, exactly the last min(n, capacity) still match."""
    cache = VerifiedCredentials(capacity=capacity)
    for index in range(count):
        cache.remember(f"user{index}", f"pw{index}", f"$h{index}")
    kept = [cache.matches(f"user{index}", f"pw{index}", f"$h{index}") for index in range(count)]
    assert kept == [index >= count - capacity for index in range(count)]


@settings(max_examples=50, deadline=None)
@given(
    password=st.text(max_size=30),
    other=st.text(max_size=30),
    stored_hash=st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=20),
    other_hash=st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=20),
)
def test_cache_matches_only_same_password_and_hash(
    password: str, other: str, stored_hash: str, other_hash: str
) -> None:
    """A lookup matches exactly when both password and stored hash equal what was remembered."""
    cache = VerifiedCredentials()
    cache.remember("user", password, stored_hash)
    assert cache.matches("user", other, other_hash) == (other == password and other_hash == stored_hash)
