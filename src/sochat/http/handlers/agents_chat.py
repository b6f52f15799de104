"""POST /api/v1/Agents/Chat/<Method>: SuperOffice's Chat agent over HTTP."""

from __future__ import annotations

from sochat.http.handlers.chat_session_io import answer_session, idempotency_key, save_or_412, session_from_body
from sochat.http.handlers.conditions import if_match_any, write_precondition
from sochat.http.handlers.context import Context, Handler, int32_query, no_content
from sochat.http.messages import Response


async def create_default_chat_session_entity(ctx: Context) -> Response:
    return answer_session(ctx, await ctx.agents.sessions.create_default_chat_session_entity(ctx.user()))


async def save_chat_session_entity(ctx: Context) -> Response:
    session = await session_from_body(ctx)
    precondition = write_precondition(ctx.request, session.chat_session_id)
    must_exist = if_match_any(ctx.request, session.chat_session_id)
    view = await save_or_412(
        ctx, session, must_exist=must_exist, precondition=precondition, idempotency=idempotency_key(ctx)
    )
    return answer_session(ctx, view)


async def get_chat_session_entity(ctx: Context) -> Response:
    chat_session_id = int32_query(ctx.request, "chatSessionEntityId")
    return answer_session(ctx, await ctx.agents.sessions.get_chat_session_entity(ctx.user(), chat_session_id))


async def delete_chat_session_entity(ctx: Context) -> Response:
    """204 whether or not the session existed, as SuperOffice's agent answers; strict mode: 404."""
    chat_session_id = int32_query(ctx.request, "ChatSessionEntityId")
    precondition = write_precondition(ctx.request, chat_session_id)
    await ctx.agents.sessions.delete_chat_session_entity(ctx.user(), chat_session_id, precondition=precondition)
    return no_content()


def describe(text: str) -> Handler:
    """GET on an agent URL answers what the method does instead of running it, as SuperOffice does."""

    async def handler(ctx: Context) -> Response:
        return Response(200, text.encode("utf-8"), "text/plain; charset=utf-8")

    return handler
