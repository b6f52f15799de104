"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from sochat.http.handlers.context import Context
from sochat.http.messages import Response


async def live(ctx: Context) -> Response:
    return ctx.answer({"Status": "live"})


async def ready(ctx: Context) -> Response:
    await ctx.store.ping()
    return ctx.answer({"Status": "ready"})
