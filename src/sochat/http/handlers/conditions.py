"""Conditional requests: ETag, If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since.

SuperOffice documents If-Modified-Since (304) and If-Unmodified-Since (412) on its REST resources.
ETags are ours: a strong tag per stored version, ``"<id>.<version>"``, so a client can make any
write conditional with If-Match and a stale write is a 412 with nothing saved.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

from sochat.agents.sessions import ChatSessionView
from sochat.domain import datetimes
from sochat.domain.errors import InvalidInput, PreconditionFailed
from sochat.domain.fields import INT32_MAX
from sochat.domain.writes import Precondition
from sochat.http.messages import Request

_EPOCH = datetime(1, 1, 1, tzinfo=UTC)
_INT64_MAX = 2**63 - 1


def etag(view: ChatSessionView) -> str:
    return f'"{view.session.chat_session_id}.{view.version}"'


def validator_headers(view: ChatSessionView) -> list[tuple[str, str]]:
    """ETag and Last-Modified of a stored session (none for an unsaved default entity)."""
    if view.version <= 0:
        return []
    return [("etag", etag(view)), ("last-modified", _http_date(view.updated_ticks))]


def write_precondition(request: Request, chat_session_id: int) -> Precondition | None:
    """If-Match / If-Unmodified-Since as a Precondition the store checks inside the write."""
    versions = _if_match_versions(request.headers.get("if-match"), chat_session_id)
    since = _http_date_header(request, "if-unmodified-since")
    if versions is None and since is None:
        return None
    # The row's last write must not be later than the end of the second the client named.
    since_ticks = None if since is None else (since + 1) * datetimes.TICKS_PER_SECOND - 1
    return Precondition(versions=versions, unmodified_since_ticks=since_ticks)


def if_match_any(request: Request, chat_session_id: int) -> bool:
    """``If-Match: *``: the write needs the session to exist. On a create there is nothing yet: 412 (RFC 9110)."""
    if request.headers.get("if-match", "").strip() != "*":
        return False
    if chat_session_id <= 0:
        raise PreconditionFailed("If-Match: * needs an existing session, but this request creates one; nothing saved")
    return True


def star_needs_a_session(chat_session_id: int) -> PreconditionFailed:
    """The 412 for ``If-Match: *`` on a session that is not stored (or that the caller may not see)."""
    return PreconditionFailed(f"If-Match: * needs ChatSession {chat_session_id} to exist; nothing was saved")


def not_modified(request: Request, view: ChatSessionView) -> bool:
    """True when a GET's If-None-Match or If-Modified-Since says the client's copy is current."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        for tag in tags:
            _tag_version(tag, "If-None-Match")  # refuses numbers no ETag of ours can hold
        return "*" in tags or etag(view) in tags
    since = _http_date_header(request, "if-modified-since")
    return since is not None and view.updated_ticks // datetimes.TICKS_PER_SECOND <= since


def _if_match_versions(header: str | None, chat_session_id: int) -> tuple[int, ...] | None:
    """The versions of this session that If-Match names; the write goes ahead when the stored one is any of
    them (RFC 9110 13.1.1). The comparison is strong: a weak tag (W/"...") or an unquoted one names no version."""
    if header is None or header.strip() == "*":
        return None
    versions: list[int] = []
    for tag in header.split(","):
        named = _tag_version(tag, "If-Match")
        strong = tag.strip().startswith('"') and tag.strip().endswith('"')
        if named is not None and strong and named[0] == str(chat_session_id):
            versions.append(named[1])
    if not versions:
        raise PreconditionFailed(f"If-Match names no version of ChatSession {chat_session_id}; nothing was saved")
    return tuple(versions)


def _tag_version(tag: str, header: str) -> tuple[str, int] | None:
    """(id text, version) of a tag in our form ``"<id>.<version>"``; None for any other tag (it matches nothing).

    A tag of our form whose id is beyond int32 or whose version is beyond int64 cannot be one we issued and
    cannot be compared with a stored version: InvalidInput naming the header. Digits are counted first.
    """
    ident, dot, version = tag.strip().removeprefix("W/").strip('"').partition(".")
    if not (dot and ident.isascii() and ident.isdigit() and version.isascii() and version.isdigit()):
        return None
    if len(ident) > 10 or int(ident) > INT32_MAX or len(version) > 19 or int(version) > _INT64_MAX:
        raise InvalidInput(
            f"{header}: the tag '{tag.strip()[:40]}' holds a number beyond the range of sochat's ETags"
            " (an int32 id and an int64 version)",
            property_name=header,
        )
    return ident, int(version)


def _http_date_header(request: Request, name: str) -> int | None:
    """An HTTP-date header as whole seconds since 0001-01-01 UTC (the tick scale divided by 10^7)."""
    value = request.headers.get(name)
    if value is None:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: a year or hour of 20 digits
        raise InvalidInput(f"{name}: '{value[:60]}' is not an HTTP date", property_name=name) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int((moment - _EPOCH).total_seconds())


def _http_date(ticks: int) -> str:
    return format_datetime(_EPOCH + timedelta(seconds=ticks // datetimes.TICKS_PER_SECOND), usegmt=True)
