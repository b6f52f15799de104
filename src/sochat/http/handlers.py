"""Thin route handlers: decode the body, call the agent, render and encode the answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sochat.agents.chat import ChatAgent
from sochat.domain.chat_session import chat_session_from_wire
from sochat.domain.errors import InvalidInput
from sochat.domain.fields import INT32_MAX, INT32_MIN
from sochat.domain.principal import Principal
from sochat.http import render
from sochat.http.codecs import json as json_codec
from sochat.http.locale import RequestLocale
from sochat.http.messages import Request, Response
from sochat.http.negotiation import request_media_type
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

    def decode_body(self) -> Any:
        media = request_media_type(self.request.headers.get("content-type"))
        return json_codec.decode(self.request.body, media.charset)

    def answer(self, value: object, status: int = 200) -> Response:
        return Response(status, json_codec.encode(value), f"{self.media_type}; charset=utf-8")


Handler = Callable[[Context], Awaitable[Response]]


async def save_chat_session_entity(ctx: Context) -> Response:
    data = ctx.decode_body()
    if data is None:
        raise InvalidInput("The body holds no ChatSessionEntity (send a JSON object)", property_name="body")
    if not isinstance(data, dict):
        raise InvalidInput(
            f"The body must be a ChatSessionEntity object, not a JSON {_json_kind(data)}", property_name="body"
        )
    session = chat_session_from_wire(data, ctx.locale.zone, strict=ctx.strict)
    view = await ctx.chat.save_chat_session_entity(ctx.user(), session)
    return ctx.answer(render.chat_session_entity(view, ctx.locale))


async def get_chat_session_entity(ctx: Context) -> Response:
    chat_session_id = _int32_query(ctx.request, "chatSessionEntityId")
    view = await ctx.chat.get_chat_session_entity(ctx.user(), chat_session_id)
    return ctx.answer(None if view is None else render.chat_session_entity(view, ctx.locale))


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
