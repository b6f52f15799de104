"""POST /api/v1/Agents/Chat/<Method> for chat topics: CreateDefault, Save, Get and Delete ChatTopicEntity.

Each function runs one method with its scalar parameters already read and gives back the use case's value;
``answer_topic``, the methods' Result in the table (sochat.http.operations), writes it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sochat.agents.topics import ChatTopicView
from sochat.domain.answers import struct_properties
from sochat.domain.chat_topic import ChatTopicEntity
from sochat.domain.errors import InvalidInput
from sochat.domain.fields import field_by_lower_name
from sochat.domain.rights import UPDATE, field_properties
from sochat.http.codecs import patch
from sochat.http.handlers.context import Context
from sochat.http.handlers.select import select_struct
from sochat.http.messages import Response

ENTITY = "ChatTopicEntity"
_MEMBERS = frozenset(field_by_lower_name(ChatTopicEntity))


async def create_default_chat_topic_entity(ctx: Context, arguments: dict[str, int]) -> ChatTopicView:
    return await ctx.agents.topics.create_default_chat_topic_entity(ctx.user())


async def save_chat_topic_entity(ctx: Context, arguments: dict[str, int]) -> ChatTopicView:
    return await ctx.agents.topics.save_chat_topic_entity(ctx.user(), await topic_from_body(ctx))


async def get_chat_topic_entity(ctx: Context, arguments: dict[str, int]) -> ChatTopicView | None:
    return await ctx.agents.topics.get_chat_topic_entity(ctx.user(), arguments["chatTopicEntityId"])


async def delete_chat_topic_entity(ctx: Context, arguments: dict[str, int]) -> None:
    """204 whether or not the topic existed, as SuperOffice's agent answers; strict mode: 404."""
    await ctx.agents.topics.delete_chat_topic_entity(ctx.user(), arguments["chatTopicEntityId"])


async def topic_from_body(ctx: Context) -> ChatTopicEntity:
    """The topic a save should store: the body, or the body's patch applied to the topic it names (ChatTopicId in
    a test or replace op, or the merge patch's member) when stored, else to the default new topic."""
    body = ctx.decode_body(ENTITY, _MEMBERS, ChatTopicEntity)
    data = body.value if body.kind == "entity" else await _patched(ctx, body.kind, body.value)
    if data is None:
        raise InvalidInput(f"The body holds no {ENTITY}", property_name="body")
    if not isinstance(data, dict):
        raise InvalidInput(f"The body must be a {ENTITY} object", property_name="body")
    return ctx.agents.topics.topic_from_wire(data, ctx.locale.zone)


async def _patched(ctx: Context, kind: str, operations: Any) -> Any:
    topics = ctx.agents.topics
    wanted = patch.target_id("ChatTopicId", operations)
    target = await topics.get_chat_topic_entity(ctx.user(), wanted) if wanted else None
    if target is None:
        target = await topics.create_default_chat_topic_entity(ctx.user())
    base = struct_properties(target.topic, ctx.locale.zone)
    apply = patch.apply_json_patch if kind == "json-patch" else patch.apply_merge_patch
    # Bounded by the body limit, but a large patch still takes a while: off the event loop (as for sessions).
    return await asyncio.to_thread(apply, base, operations, max_bytes=ctx.edge.max_body_bytes)


def answer_topic(ctx: Context, view: ChatTopicView | None) -> Response:
    """The entity in the negotiated format, then TableRight and FieldProperties (read-only for a role that may
    not change topics), with $select applied."""
    if view is None:
        return ctx.answer(None, root=ENTITY)
    tokens = ctx.wants_xml
    entity = struct_properties(view.topic, ctx.locale.zone, tokens=tokens)
    right = view.table_right
    entity["TableRight"] = right.to_wire(tokens=tokens)
    reason = "" if right.allows(UPDATE) else right.reason
    entity["FieldProperties"] = field_properties(ChatTopicEntity, read_only_reason=reason, tokens=tokens)
    entity = select_struct(entity, ctx.request.query.get("$select"), ChatTopicEntity, tokens=tokens)
    return ctx.answer(entity, root=ENTITY, shape=ChatTopicEntity)
