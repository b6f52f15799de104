"""POST /api/v1/Agents/Chat/<Method>: SuperOffice's Chat agent over HTTP.

Each function runs one method with its scalar parameters already read (sochat.http.operation.read_arguments)
and gives back the use case's value; the method's Result in the table (sochat.http.operations) writes it.
"""

from __future__ import annotations

from sochat.agents.sessions import ChatSessionView
from sochat.http.handlers.chat_session_io import idempotency_key, save_or_412, session_from_body
from sochat.http.handlers.conditions import if_match_any, write_precondition
from sochat.http.handlers.context import Context


async def create_default_chat_session_entity(ctx: Context, arguments: dict[str, int]) -> ChatSessionView:
    return await ctx.agents.sessions.create_default_chat_session_entity(ctx.user())


async def save_chat_session_entity(ctx: Context, arguments: dict[str, int]) -> ChatSessionView:
    session = await session_from_body(ctx)
    precondition = write_precondition(ctx.request, session.chat_session_id)
    must_exist = if_match_any(ctx.request, session.chat_session_id)
    return await save_or_412(
        ctx, session, must_exist=must_exist, precondition=precondition, idempotency=idempotency_key(ctx)
    )


async def get_chat_session_entity(ctx: Context, arguments: dict[str, int]) -> ChatSessionView | None:
    chat_session_id = arguments["chatSessionEntityId"]
    return await ctx.agents.sessions.get_chat_session_entity(ctx.user(), chat_session_id)


async def delete_chat_session_entity(ctx: Context, arguments: dict[str, int]) -> None:
    """204 whether or not the session existed, as SuperOffice's agent answers; strict mode: 404."""
    chat_session_id = arguments["chatSessionEntityId"]
    precondition = write_precondition(ctx.request, chat_session_id)
    await ctx.agents.sessions.delete_chat_session_entity(ctx.user(), chat_session_id, precondition=precondition)
