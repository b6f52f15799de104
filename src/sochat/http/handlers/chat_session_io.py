"""Reading a ChatSessionEntity (or a patch for one) from a body, and writing one into an answer.
Shared by the agent methods and the REST resource."""

from __future__ import annotations

import asyncio
import hashlib
import re
from typing import Any

from sochat.agents.sessions import ChatSessionView
from sochat.domain.chat_session import FIELD_BY_LOWER_NAME, ChatSession
from sochat.domain.errors import InvalidInput, NotFound
from sochat.domain.writes import IdempotencyKey, Precondition
from sochat.http import render
from sochat.http.codecs import patch
from sochat.http.formats import Body
from sochat.http.handlers.conditions import star_needs_a_session, validator_headers
from sochat.http.handlers.context import Context
from sochat.http.handlers.select import apply_select, parse_select
from sochat.http.messages import Response
from sochat.http.negotiation import request_media_type

ENTITY = "ChatSessionEntity"
_MAX_IDEMPOTENCY_KEY = 255
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
# What a Host header may be to appear in links: a host name (with '_', as container names have) or IPv4 address,
# or an IPv6 literal, with an optional port (RFC 9110's uri-host, without the percent-escapes and sub-delims
# no real host name uses).
_HOST = re.compile(r"(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,251}[A-Za-z0-9_])?|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?")


async def session_from_body(ctx: Context, *, stored: ChatSessionView | None = None) -> ChatSession:
    """The session a write should store: the body itself, or the body's patch applied to its target.

    A patch applies to ``stored`` when given (REST PATCH). Otherwise it applies to the stored session
    it names (ChatSessionId in a test or replace op, or the merge patch's member) when that exists,
    and to the default new entity when not.
    """
    body = ctx.decode_body(ENTITY, FIELD_BY_LOWER_NAME, ChatSession)
    if stored is not None and body.kind == "entity" and _declared_json_patch(ctx):
        # An entity object is a whole save (Save, POST, PUT); on PATCH it would silently reset what it leaves out.
        raise InvalidInput("A JSON Patch body must be an array of operations", property_name="body")
    data = body.value if body.kind == "entity" else await _patched(ctx, body, stored)
    if data is None:
        raise InvalidInput(f"The body holds no {ENTITY}", property_name="body")
    if not isinstance(data, dict):
        raise InvalidInput(f"The body must be a {ENTITY} object, not a {_kind(data)}", property_name="body")
    return ctx.agents.sessions.session_from_wire(data, ctx.locale.zone)


async def _patched(ctx: Context, body: Body, stored: ChatSessionView | None) -> Any:
    target = stored
    wanted = stored.session.chat_session_id if stored is not None else patch.target_id("ChatSessionId", body.value)
    # A caller without the right to save is refused before the patch costs any work.
    ctx.agents.sessions.require_save(ctx.user(), wanted or 0)
    if target is None and wanted is not None:
        target = await ctx.agents.sessions.get_chat_session_entity(ctx.user(), wanted)
    if target is None:
        target = await ctx.agents.sessions.create_default_chat_session_entity(ctx.user())
    base = render.chat_session_properties(target.session, target.links, ctx.locale)
    # A patch is bounded (codecs/patch.py) but may still build up to the body limit, which takes a noticeable
    # share of a second: it runs on a worker thread so that the event loop keeps answering everyone else.
    apply = patch.apply_json_patch if body.kind == "json-patch" else patch.apply_merge_patch
    return await asyncio.to_thread(apply, base, body.value, max_bytes=ctx.edge.max_body_bytes)


async def save_or_412(
    ctx: Context,
    session: ChatSession,
    *,
    must_exist: bool,
    precondition: Precondition | None,
    idempotency: IdempotencyKey | None,
) -> ChatSessionView:
    """Save; with If-Match: * a session that does not exist is a 412 (RFC 9110), not a 404."""
    try:
        return await ctx.agents.sessions.save_chat_session_entity(
            ctx.user(), session, must_exist=must_exist, precondition=precondition, idempotency=idempotency
        )
    except NotFound:
        if must_exist:
            raise star_needs_a_session(session.chat_session_id) from None
        raise


def idempotency_key(ctx: Context) -> IdempotencyKey | None:
    """The Idempotency-Key header as the store needs it: per caller, with a fingerprint of the body."""
    key = ctx.request.headers.get("idempotency-key")
    if key is None:
        return None
    key = key.strip().strip('"')
    if not key or len(key) > _MAX_IDEMPOTENCY_KEY:
        raise InvalidInput(
            f"Idempotency-Key must be 1 to {_MAX_IDEMPOTENCY_KEY} characters", property_name="Idempotency-Key"
        )
    if _CONTROL.search(key):  # a NUL cannot be stored in PostgreSQL text; no control character is part of a key
        raise InvalidInput("Idempotency-Key must not contain control characters", property_name="Idempotency-Key")
    digest = hashlib.sha256()
    digest.update((ctx.request.headers.get("content-type") or "").encode("latin-1"))
    digest.update(b"\0")
    digest.update(ctx.request.body)
    return ctx.agents.sessions.idempotency_key(ctx.user(), key, digest.hexdigest())


def answer_session(ctx: Context, view: ChatSessionView | None, *, links: bool = False, status: int = 200) -> Response:
    """The entity in the negotiated format, with $select applied and its ETag; ``links`` adds _Links."""
    if view is None:
        return ctx.answer(None, root=ENTITY)
    entity = render.chat_session_entity(view, ctx.locale, tokens=ctx.wants_xml)
    if links:
        entity["_Links"] = _links(ctx, view.session.chat_session_id)
    entity = apply_select(entity, parse_select(ctx.request.query.get("$select")), tokens=ctx.wants_xml)
    headers = validator_headers(view)
    if view.replayed:
        headers.append(("idempotent-replayed", "true"))
    return ctx.answer(entity, root=ENTITY, status=status, headers=headers, shape=ChatSession)


def base_url(ctx: Context) -> str:
    """scheme://host[/tenant] of this request, for absolute links in answers.

    The Host header is echoed only when it is a plain host[:port]; anything else (quotes, slashes, spaces, a
    user part) could turn a link into another one, so the server's own address stands in for it. The tenant
    was checked by the router (an identifier)."""
    request = ctx.request
    host = (request.headers.get("host") or "").strip()
    if not _HOST.fullmatch(host):
        listening = ctx.edge.host
        host = f"[{listening}]:{ctx.edge.port}" if ":" in listening else f"{listening}:{ctx.edge.port}"
    return f"{request.scheme}://{host}" + (f"/{request.tenant}" if request.tenant else "")


def _links(ctx: Context, chat_session_id: int) -> dict[str, str]:
    base = base_url(ctx)
    return {"Self": f"{base}/api/v1/ChatSession/{chat_session_id}", "Archive": f"{base}/api/v1/ChatSession"}


def _declared_json_patch(ctx: Context) -> bool:
    return request_media_type(ctx.request.headers.get("content-type")).type == "application/json-patch+json"


def _kind(value: object) -> str:
    return {list: "array", str: "string", bool: "boolean", int: "number", float: "number"}.get(
        type(value), type(value).__name__
    )
