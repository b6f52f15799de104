"""POST /api/v1/Agents/Chat/<Method>: SuperOffice's Chat agent over HTTP.

Each function runs one method with its scalar parameters already read (sochat.http.operation.read_arguments);
the table in sochat.http.operations routes and documents them.
"""

from __future__ import annotations

from sochat.http.handlers.chat_session_io import answer_session, idempotency_key, save_or_412, session_from_body
from sochat.http.handlers.conditions import if_match_any, write_precondition
from sochat.http.handlers.context import Context, no_content
from sochat.http.messages import Response


async def create_default_chat_session_entity(ctx: Context, arguments: dict[str, int]) -> Response:
    return answer_session(ctx, await ctx.agents.sessions.create_default_chat_session_entity(ctx.user()))


async def save_chat_session_entity(ctx: Context, arguments: dict[str, int]) -> Response:
    session = await session_from_body(ctx)
    precondition = write_precondition(ctx.request, session.chat_session_id)
    must_exist = if_match_any(ctx.request, session.chat_session_id)
    view = await save_or_412(
        ctx, session, must_exist=must_exist, precondition=precondition, idempotency=idempotency_key(ctx)
    )
    return answer_session(ctx, view)


async def get_chat_session_entity(ctx: Context, arguments: dict[str, int]) -> Response:
    chat_session_id = arguments["chatSessionEntityId"]
    return answer_session(ctx, await ctx.agents.sessions.get_chat_session_entity(ctx.user(), chat_session_id))


async def delete_chat_session_entity(ctx: Context, arguments: dict[str, int]) -> Response:
    """204 whether or not the session existed, as SuperOffice's agent answers; strict mode: 404."""
    chat_session_id = arguments["chatSessionEntityId"]
    precondition = write_precondition(ctx.request, chat_session_id)
    await ctx.agents.sessions.delete_chat_session_entity(ctx.user(), chat_session_id, precondition=precondition)
    return no_content()
