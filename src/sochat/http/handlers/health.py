"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from sochat.http.handlers.context import Context
from sochat.http.messages import Response


async def live(ctx: Context) -> Response:
    return ctx.answer({"Status": "live"})


async def ready(ctx: Context) -> Response:
    await ctx.store.ping()
    return ctx.answer({"Status": "ready"})


async def metrics(ctx: Context) -> Response:
    """Prometheus text format: requests, latency, slow calls, database time, sessions by status."""
    counts = await ctx.store.count_chat_sessions_by_status()
    return Response(200, ctx.observability.exposition(counts), "text/plain; version=0.0.4; charset=utf-8")
