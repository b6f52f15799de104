"""Users (associates), their tokens, failed-login counters (lockout) and registered applications."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, bindparam, case, delete, exists, false, func, insert, null, or_, select, true, update

from sochat.domain.principal import Role
from sochat.security.usernames import is_user_name
from sochat.store.records import AppRecord, NewAssociate, NewToken, TokenRecord, UserRecord
from sochat.store.repositories.sessions import now_ticks
from sochat.store.schema import application, associate, auth_failure, auth_token, chat_session, chat_topic
from sochat.store.sql import ONE, ZERO, Repository, Row, Statement, among, larger, same_name, upsert

_A, _T, _F, _P = associate.c, auth_token.c, auth_failure.c, application.c
_USER = [_A.associate_id, _A.user_name, _A.role, _A.password_hash, _A.full_name]
_LIVE = _A.deleted == false()
_USER_NAMED = Statement(lambda d: select(*_USER).where(same_name(d, _A.user_name, bindparam("name")), _LIVE))
_USER_BY_ID = Statement(lambda d: select(*_USER).where(_A.associate_id == bindparam("id"), _LIVE))
_USERS = Statement(lambda d: select(*_USER, _A.deleted).order_by(_A.associate_id))
_NEW_USER = ["name", "user_name", "full_name", "formal_name", "user_type", "tooltip", "role", "password_hash"]
_ADD_USER = Statement(lambda d: insert(associate).returning(_A.associate_id), keys=_NEW_USER)
_SET_PASSWORD = Statement(
    lambda d: (
        update(associate)
        .where(same_name(d, _A.user_name, bindparam("name")))
        .values(password_hash=bindparam("hash"))
        .returning(_A.associate_id)
    )
)
_RETIRE = Statement(
    lambda d: (
        update(associate)
        .where(same_name(d, _A.user_name, bindparam("name")), _LIVE)
        .values(deleted=true(), password_hash=null())
        .returning(_A.associate_id)
    )
)
_ANY = Statement(
    lambda d: select(
        exists(select(_A.associate_id))
        | exists(select(chat_topic.c.chat_topic_id))
        | exists(select(chat_session.c.chat_session_id))
    )
)


def user(row: Row, deleted: bool = False) -> UserRecord:
    return UserRecord(row[0], row[1], Role(row[2]), row[3], row[4], deleted)


class Users(Repository):
    def find(self, user_name: str) -> UserRecord | None:
        """A live user by name, ignoring ASCII case; None for a name that cannot be a user name (one that cannot
        be stored is not stored, and PostgreSQL refuses NUL in text)."""
        row = self.unit.one(_USER_NAMED, name=user_name) if is_user_name(user_name) else None
        return None if row is None else user(row)

    def find_by_id(self, associate_id: int) -> UserRecord | None:
        row = self.unit.one(_USER_BY_ID, id=associate_id)
        return None if row is None else user(row)

    def list(self) -> list[UserRecord]:
        return [user(row, bool(row[5])) for row in self.unit.run(_USERS).fetchall()]

    def add(self, new: NewAssociate) -> int:
        values = {name: getattr(new, name) for name in _NEW_USER}
        values.update(name=new.name or new.user_name, role=new.role.value)
        return self.insert(_ADD_USER, "Associate", f"a user named {new.user_name!r} exists already", **values)

    def set_password(self, user_name: str, password_hash: str) -> bool:
        """Set the hash and revoke every ticket, access token and browser session of the user (a new password
        ends every sign-in made with the old one); False when no such user is stored."""
        return self._revoking(_SET_PASSWORD, name=user_name, hash=password_hash)

    def retire(self, user_name: str) -> bool:
        """Retire a live user (associate.deleted, as SuperOffice does; chat sessions keep their link), clear the
        password and revoke every credential; False when no live user has the name."""
        return self._revoking(_RETIRE, name=user_name)

    def _revoking(self, statement: Statement, **params: object) -> bool:
        row = self.unit.one(statement, **params) if is_user_name(str(params["name"])) else None
        if row is not None:
            self.unit.tokens.revoke_user(row[0])
        return row is not None

    def nothing_stored(self) -> bool:
        """True when no associate, topic or chat session is stored yet."""
        row = self.unit.one(_ANY)
        return row is not None and not row[0]


_TOKEN = ["token_hash", "kind", "associate_id", "xsrf_hash", "app_id", "expires_ticks", "idle_ticks"]
_ADD_TOKEN = Statement(lambda d: insert(auth_token), keys=[*_TOKEN, "created_ticks", "used_ticks"])
_LIVE_TOKEN = Statement(
    lambda d: (
        select(_T.kind, _T.xsrf_hash, _T.app_id, _T.used_ticks, *_USER)
        .join_from(auth_token, associate, _A.associate_id == _T.associate_id)
        .where(_T.token_hash == bindparam("hash"), _T.kind == bindparam("kind"), _T.revoked == false(), _LIVE)
        .where(
            _T.expires_ticks > bindparam("now"),
            or_(_T.idle_ticks == ZERO, _T.used_ticks + _T.idle_ticks > bindparam("now")),
        )
    )
)
_TOUCH = Statement(
    lambda d: update(auth_token).where(_T.token_hash == bindparam("hash")).values(used_ticks=bindparam("now"))
)


@functools.cache
def _revoke(column: str) -> Statement:
    """Revoke the live tokens whose ``column`` is :v (one token by hash, a user's, an application's)."""
    return Statement(
        lambda d: update(auth_token).where(_T[column] == bindparam("v"), _T.revoked == false()).values(revoked=true())
    )


class Tokens(Repository):
    def add(self, token: NewToken, now: int) -> None:
        values = {name: getattr(token, name) for name in _TOKEN}
        self.unit.run(_ADD_TOKEN, created_ticks=now, used_ticks=now, **values)

    def find(self, token_hash: str, kind: str, now: int) -> TokenRecord | None:
        """A live token: not revoked, not past its end of life or idle limit, its user not deleted."""
        row = self.unit.one(_LIVE_TOKEN, hash=token_hash, kind=kind, now=now)
        return None if row is None else TokenRecord(row[0], user(row[4:]), row[1], row[2], row[3])

    def touch(self, token_hash: str, now: int) -> None:
        """Record a use (for idle expiry)."""
        self.unit.run(_TOUCH, hash=token_hash, now=now)

    def revoke(self, token_hash: str) -> bool:
        return self.unit.run(_revoke("token_hash"), v=token_hash).rowcount == 1

    def revoke_user(self, associate_id: int) -> None:
        self.unit.run(_revoke("associate_id"), v=associate_id)


NEVER_LOCKS = 2**31 - 1  # the lock limit of counters that only count
_FORGET_EXPIRED = Statement(
    lambda d: delete(auth_failure).where(_F.window_ticks < bindparam("before"), _F.locked_until <= bindparam("now"))
)


def _note(d: str) -> Any:
    """One statement, so that concurrent failures for one key are each counted (the row is locked while
    updated). A window that ended starts again at 1; reaching ``after`` failures locks the key, and a lock is
    never shortened."""
    now, lock, after = (bindparam(name, type_=BigInteger) for name in ("now", "lock", "after"))
    statement = upsert(d, auth_failure).values(
        key=bindparam("k"), failures=ONE, window_ticks=now, locked_until=case((after <= ONE, now + lock), else_=ZERO)
    )
    ended = _F.window_ticks + bindparam("window") < now
    failures = case((ended, ONE), else_=_F.failures + ONE)
    return statement.on_conflict_do_update(
        index_elements=[_F.key],
        set_={
            "failures": failures,
            "window_ticks": case((ended, now), else_=_F.window_ticks),
            "locked_until": larger(_F.locked_until, case((failures >= after, now + lock), else_=ZERO)),
        },
    ).returning(_F.failures)


_NOTE = Statement(_note)


@functools.lru_cache(maxsize=64)
def _keyed(action: str, count: int) -> Statement:
    """A statement on ``count`` keys (:k0, :k1, ...), for each number of keys."""
    keys = among(_F.key, "k", count)
    if action == "locked":
        return Statement(lambda d: select(func.coalesce(func.max(_F.locked_until), ZERO)).where(keys))
    if action == "failures":
        since = _F.window_ticks >= bindparam("since")
        return Statement(lambda d: select(func.coalesce(func.max(_F.failures), ZERO)).where(keys, since))
    if action == "clear":
        return Statement(lambda d: delete(auth_failure).where(keys, _F.locked_until <= bindparam("now")))
    return Statement(lambda d: delete(auth_failure).where(keys))


def _keys(keys: Sequence[str]) -> dict[str, object]:
    return {f"k{i}": key for i, key in enumerate(keys)}


class Lockout(Repository):
    def note(
        self, keys: list[str], now: int, window: int, lock_after: int, lock: int, *, count_only: Sequence[str] = ()
    ) -> int:
        """Count a failed login against each key and each ``count_only`` key; lock a key of ``keys`` (never one
        of ``count_only``) once it reaches ``lock_after`` failures within the window. Answers the highest
        failure count among all of them. Counters whose window and lock are both over are removed."""
        limits = {key: NEVER_LOCKS for key in count_only} | {key: lock_after for key in keys}
        self.unit.run(_FORGET_EXPIRED, before=now - window, now=now)
        highest = 0
        for key in sorted(limits):  # one order for every caller: concurrent failures cannot deadlock
            row = self.unit.one(_NOTE, k=key, now=now, window=window, after=limits[key], lock=lock)
            assert row is not None
            highest = max(highest, int(row[0]))
        return highest

    def locked_until(self, keys: Sequence[str]) -> int:
        """The latest lock end among the keys (ticks; 0 when none is locked)."""
        row = self.unit.one(_keyed("locked", len(keys)), **_keys(keys))
        return 0 if row is None else int(row[0])

    def failures(self, keys: Sequence[str], now: int, window: int) -> int:
        """The highest failure count within the window among the keys."""
        row = self.unit.one(_keyed("failures", len(keys)), since=now - window, **_keys(keys))
        return 0 if row is None else int(row[0])

    def clear(self, keys: Sequence[str], now: int) -> None:
        """Forget the failures of keys that are not locked at ``now`` (after a successful sign-in)."""
        self.unit.run(_keyed("clear", len(keys)), now=now, **_keys(keys))

    def remove(self, keys: Sequence[str]) -> int:
        """Forget the failures and locks of these keys whatever their state; answers how many were stored."""
        return self.unit.run(_keyed("remove", len(keys)), **_keys(keys)).rowcount


_APP = [_P.app_id, _P.name, _P.owner_id, _P.revoked]
_ADD_APP = Statement(
    lambda d: insert(application).returning(_P.app_id), keys=["name", "token_hash", "owner_id", "created_ticks"]
)
_APPS = Statement(lambda d: select(*_APP).order_by(_P.app_id))
_APP_OF = Statement(lambda d: select(*_APP).where(_P.token_hash == bindparam("hash")))
_REMOVE_APP = Statement(
    lambda d: delete(application).where(same_name(d, _P.name, bindparam("name"))).returning(_P.app_id)
)


def _app(row: Row) -> AppRecord:
    return AppRecord(row[0], row[1], row[2], bool(row[3]))


class Applications(Repository):
    def add(self, name: str, token_hash: str, owner_id: int | None) -> int:
        values = {"name": name, "token_hash": token_hash, "owner_id": owner_id, "created_ticks": now_ticks()}
        return self.insert(_ADD_APP, "application", f"an application named {name!r} exists already", **values)

    def list(self) -> list[AppRecord]:
        return [_app(row) for row in self.unit.run(_APPS).fetchall()]

    def find(self, token_hash: str) -> AppRecord | None:
        row = self.unit.one(_APP_OF, hash=token_hash)
        return None if row is None else _app(row)

    def remove(self, name: str) -> bool:
        """Delete the application of that name (ignoring ASCII case) and revoke the access tokens issued to it;
        False when there is none."""
        row = self.unit.one(_REMOVE_APP, name=name)
        if row is not None:
            self.unit.run(_revoke("app_id"), v=row[0])
        return row is not None
