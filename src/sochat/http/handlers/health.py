"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from sochat.http.handlers.context import Context
from sochat.http.messages import Response


async def live(ctx: Context) -> Response:
    return ctx.answer({"Status": "live"})


async def ready(ctx: Context) -> Response:
    await ctx.agents.health.ready()
    return ctx.answer({"Status": "ready"})


async def metrics(ctx: Context) -> Response:
    """Prometheus text format: requests, latency, slow calls, database time, sessions by status."""
    return Response(200, await ctx.agents.health.metrics(), "text/plain; version=0.0.4; charset=utf-8")
