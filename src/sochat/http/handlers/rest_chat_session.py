"""/api/v1/ChatSession: SuperOffice's REST resource for chat sessions, on the same agent."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote, urlencode

from sochat.agents.sessions import ChatSessionView
from sochat.domain.errors import InvalidInput, NotFound, PreconditionFailed
from sochat.domain.writes import Precondition
from sochat.http import odata, render
from sochat.http.handlers.chat_session_io import (
    answer_session,
    base_url,
    idempotency_key,
    save_or_412,
    session_from_body,
)
from sochat.http.handlers.conditions import (
    if_match_any,
    not_modified,
    star_needs_a_session,
    validator_headers,
    write_precondition,
)
from sochat.http.handlers.context import Context, int32_text, no_content
from sochat.http.messages import Response

# A PATCH reads, applies and writes; if another write lands in between, it starts again from the new state,
# for up to this long.
_PATCH_DEADLINE_SECONDS = 10.0
_PAGING = {"$skip", "$skiptoken"}


async def list_sessions(ctx: Context) -> Response:
    """The OData list, as SuperOffice's archive answers it, paged by keyset (odata.nextLink)."""
    params = ctx.request.query
    media_type = _format_override(params.get("$format"))
    if media_type is not None:
        ctx.media_type = media_type
    _check_mode(params.get("$mode"))
    query = odata.build_query(params, zone=ctx.locale.zone, now=datetime.now(UTC), associate_id=ctx.user().associate_id)
    page = await ctx.agents.sessions.list_chat_sessions(ctx.user(), query)
    base = base_url(ctx)
    body: dict[str, object] = {"odata.metadata": f"{base}/api/v1/archive$metadata"}
    if page.next_after is not None:
        following = {name: value for name, value in _original_params(ctx).items() if name.lower() not in _PAGING}
        following["$skiptoken"] = odata.encode_cursor(params.get("$orderby", ""), page.next_after)
        body["odata.nextLink"] = f"{base}/api/v1/ChatSession?{urlencode(following, quote_via=quote)}"
    display = _output_display(params.get("$output"))
    body["value"] = [
        render.archive_row(
            row.session, query.columns, ctx.locale.zone, display=display, display_culture=ctx.locale.culture
        )
        for row in page.rows
    ]
    return ctx.answer(body, root="ODataSlimResponse")


# SuperOffice's archive answer modes. Every one answers the same rows here (sochat has no wider columns or
# metadata to add), but a value outside the list is a mistake the client should hear about.
_MODES = ("Slim", "Wide", "Full")


def _check_mode(value: str | None) -> None:
    if value is None or not value.strip() or value.strip().lower() in (mode.lower() for mode in _MODES):
        return
    raise InvalidInput(f"$mode: '{value.strip()[:20]}' is not {', '.join(_MODES)}", property_name="$mode")


def _output_display(value: str | None) -> bool:
    if value is None or not value.strip() or value.strip().lower() == "logical":
        return False
    if value.strip().lower() == "display":
        return True
    raise InvalidInput(f"$output: '{value[:20]}' is not Logical or Display", property_name="$output")


def _format_override(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    chosen = {"json": "application/json", "xml": "application/xml"}.get(value.strip().lower())
    if chosen is None:
        raise InvalidInput(f"$format: '{value[:20]}' is not JSON or XML", property_name="$format")
    return chosen


def _original_params(ctx: Context) -> dict[str, str]:
    """The query string with the caller's own spelling of each name, for building the next link."""
    return dict(parse_qsl(ctx.request.query_string.decode("latin-1"), keep_blank_values=True))


async def get_default(ctx: Context) -> Response:
    return answer_session(ctx, await ctx.agents.sessions.create_default_chat_session_entity(ctx.user()))


async def get_one(ctx: Context) -> Response:
    view = await _stored(ctx)
    if not_modified(ctx.request, view):
        return Response(304, b"", None, validator_headers(view))
    return answer_session(ctx, view, links=True)


async def post(ctx: Context) -> Response:
    session = await session_from_body(ctx)
    must_exist = if_match_any(ctx.request, session.chat_session_id)
    view = await save_or_412(
        ctx,
        session,
        must_exist=must_exist,
        precondition=write_precondition(ctx.request, session.chat_session_id),
        idempotency=idempotency_key(ctx),
    )
    return answer_session(ctx, view, links=True)


async def put(ctx: Context) -> Response:
    chat_session_id = _path_id(ctx)
    ctx.agents.sessions.require_save(ctx.user(), chat_session_id)  # before any work on the body
    session = await session_from_body(ctx)
    session.chat_session_id = chat_session_id  # the path names the session; a body id is ignored
    if not if_match_any(ctx.request, chat_session_id):
        view = await ctx.agents.sessions.save_chat_session_entity(
            ctx.user(), session, must_exist=True, precondition=write_precondition(ctx.request, chat_session_id)
        )
    else:
        view = await save_or_412(ctx, session, must_exist=True, precondition=None, idempotency=None)
    return answer_session(ctx, view, links=True)


async def patch(ctx: Context) -> Response:
    chat_session_id = _path_id(ctx)
    ctx.agents.sessions.require_save(ctx.user(), chat_session_id)  # before reading the target and applying the patch
    client_precondition = write_precondition(ctx.request, chat_session_id)
    # If-Match (a tag or *) on a session that is not stored is a 412, as PUT and Save answer (RFC 9110).
    match_any = if_match_any(ctx.request, chat_session_id)
    needs_match = match_any or (client_precondition is not None and client_precondition.versions is not None)
    deadline = time.monotonic() + _PATCH_DEADLINE_SECONDS
    while True:
        try:
            stored = await _stored(ctx)
        except NotFound:
            if needs_match:
                if match_any:
                    raise star_needs_a_session(chat_session_id) from None
                raise PreconditionFailed(
                    f"ChatSession {chat_session_id} does not exist, so it cannot match If-Match"
                ) from None
            raise
        if client_precondition is not None:
            _check_now(stored, client_precondition)
        session = await session_from_body(ctx, stored=stored)
        session.chat_session_id = chat_session_id
        try:
            view = await ctx.agents.sessions.save_chat_session_entity(
                ctx.user(), session, must_exist=True, precondition=Precondition(versions=(stored.version,))
            )
        except PreconditionFailed:
            # Someone else wrote between our read and write: apply the patch again to their version,
            # after a short random pause so that many concurrent patches do not collide in lockstep.
            if time.monotonic() > deadline:
                raise PreconditionFailed(
                    f"ChatSession {chat_session_id} kept changing while the patch was applied; retry"
                ) from None
            await asyncio.sleep(random.uniform(0, 0.02))
            continue
        return answer_session(ctx, view, links=True)


async def delete(ctx: Context) -> Response:
    chat_session_id = _path_id(ctx)
    precondition = write_precondition(ctx.request, chat_session_id)
    sessions = ctx.agents.sessions
    if not await sessions.delete_chat_session_entity(
        ctx.user(), chat_session_id, precondition=precondition, must_exist=True
    ):
        raise NotFound(f"ChatSession {chat_session_id} is not stored", source="ChatSession")
    return no_content()


def _path_id(ctx: Context) -> int:
    return int32_text(ctx.path_params.get("id"), "id")


async def _stored(ctx: Context) -> ChatSessionView:
    chat_session_id = _path_id(ctx)
    view = await ctx.agents.sessions.get_chat_session_entity(ctx.user(), chat_session_id)
    if view is None:
        raise NotFound(f"ChatSession {chat_session_id} is not stored", source="ChatSession")
    return view


def _check_now(stored: ChatSessionView, precondition: Precondition) -> None:
    """The client's If-Match / If-Unmodified-Since against the version the patch starts from."""
    if precondition.refuses_version(stored.version):
        raise PreconditionFailed(
            f"ChatSession {stored.session.chat_session_id} has changed since the ETag you sent; nothing was saved"
        )
    since = precondition.unmodified_since_ticks
    if since is not None and stored.updated_ticks > since:
        raise PreconditionFailed(
            f"ChatSession {stored.session.chat_session_id} has changed since If-Unmodified-Since; nothing was saved"
        )
