"""Thin route handlers: decode the body, call the agent, render and encode the answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sochat.agents.chat import ChatAgent, ChatSessionView
from sochat.domain.chat_session import ChatSession, chat_session_from_wire
from sochat.domain.errors import InvalidInput
from sochat.domain.fields import INT32_MAX, INT32_MIN
from sochat.domain.principal import Principal
from sochat.http import render
from sochat.http.codecs import patch
from sochat.http.formats import Body, decode_body, encode_answer, is_xml
from sochat.http.locale import RequestLocale
from sochat.http.messages import Request, Response
from sochat.store.protocol import Store


@dataclass(slots=True)
class Context:
    """What a handler gets: the request, who sent it, how to answer, and the services."""

    request: Request
    principal: Principal | None
    locale: RequestLocale
    media_type: str  # the negotiated answer type
    chat: ChatAgent
    store: Store
    strict: bool

    def user(self) -> Principal:
        assert self.principal is not None, "route is declared as needing authentication"
        return self.principal

    def decode_body(self, root: str) -> Body:
        return decode_body(self.request.body, self.request.headers.get("content-type"), root)

    @property
    def wants_xml(self) -> bool:
        return is_xml(self.media_type)

    def answer(self, value: object, *, root: str = "Response", status: int = 200) -> Response:
        return Response(status, encode_answer(self.media_type, root, value), f"{self.media_type}; charset=utf-8")

    def answer_entity(self, view: ChatSessionView | None) -> Response:
        rendered = None if view is None else render.chat_session_entity(view, self.locale, tokens=self.wants_xml)
        return self.answer(rendered, root=ENTITY)


Handler = Callable[[Context], Awaitable[Response]]
ENTITY = "ChatSessionEntity"


async def save_chat_session_entity(ctx: Context) -> Response:
    data = await _entity_from_body(ctx, ctx.decode_body(ENTITY))
    session = chat_session_from_wire(data, ctx.locale.zone, strict=ctx.strict)
    view = await ctx.chat.save_chat_session_entity(ctx.user(), session)
    return ctx.answer_entity(view)


async def get_chat_session_entity(ctx: Context) -> Response:
    chat_session_id = _int32_query(ctx.request, "chatSessionEntityId")
    return ctx.answer_entity(await ctx.chat.get_chat_session_entity(ctx.user(), chat_session_id))


async def _entity_from_body(ctx: Context, body: Body) -> dict[str, Any]:
    """The entity a save should store: the body itself, or a patch applied to its target.

    A patch targets the stored session it names (ChatSessionId in a test or replace op, or in the
    merge patch) when that session exists, and the default new entity otherwise.
    """
    if body.kind == "entity":
        data = body.value
    else:
        base = render.chat_session_properties(ChatSession(), {}, ctx.locale)
        target = patch.target_id("ChatSessionId", body.value)
        if target is not None:
            view = await ctx.chat.get_chat_session_entity(ctx.user(), target)
            if view is not None:
                base = render.chat_session_properties(view.session, view.links, ctx.locale)
        if body.kind == "json-patch":
            data = patch.apply_json_patch(base, body.value)
        else:
            data = patch.apply_merge_patch(base, body.value)
    if data is None:
        raise InvalidInput(f"The body holds no {ENTITY}", property_name="body")
    if not isinstance(data, dict):
        raise InvalidInput(f"The body must be a {ENTITY} object, not a {_json_kind(data)}", property_name="body")
    return data


async def health_live(ctx: Context) -> Response:
    return ctx.answer({"Status": "live"})


async def health_ready(ctx: Context) -> Response:
    await ctx.store.ping()
    return ctx.answer({"Status": "ready"})


def describe(text: str) -> Handler:
    """GET on an agent URL answers what the method does instead of running it, as SuperOffice does."""

    async def handler(ctx: Context) -> Response:
        return Response(200, text.encode("utf-8"), "text/plain; charset=utf-8")

    return handler


def _int32_query(request: Request, name: str) -> int:
    raw = request.query.get(name.lower())
    if raw is None or not raw.strip():
        raise InvalidInput(f"The query parameter {name} is required (an int32 id)", property_name=name)
    text = raw.strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 11):
        raise InvalidInput(f"{name}: '{text[:40]}' is not an int32 number", property_name=name)
    value = int(text)
    if not INT32_MIN <= value <= INT32_MAX:
        raise InvalidInput(f"{name}: {value} is outside the int32 range", property_name=name)
    return value


def _json_kind(value: object) -> str:
    return {list: "array", str: "string", bool: "boolean", int: "number", float: "number"}.get(
        type(value), type(value).__name__
    )
