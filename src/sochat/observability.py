"""Metrics, the NsApiSlow slow-call log, and injected faults for testing clients.

One Observability object per app holds its own Prometheus registry, so several apps in one process
(tests) never share counters.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from sochat.domain.enums import CHAT_SESSION_STATUS
from sochat.domain.errors import Unavailable

slow_log = logging.getLogger("sochat.slow")
DEFAULT_SLOW_MS = 5000  # SuperOffice's NsApiSlow threshold for the chat methods
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True, slots=True)
class Fault:
    delay_ms: int = 0
    error_rate: float = 0.0


def parse_route_map(text: str, setting: str) -> dict[str, str]:
    """``Route=value;Route2=value`` (routes matched by the end of their path, without regard to case)."""
    mapping: dict[str, str] = {}
    for item in text.split(";"):
        if not item.strip():
            continue
        route, sep, value = item.partition("=")
        if not sep or not route.strip():
            raise ValueError(f"{setting}: '{item.strip()}' is not ROUTE=VALUE")
        mapping[route.strip().lower()] = value.strip()
    return mapping


def parse_thresholds(text: str) -> dict[str, int]:
    result: dict[str, int] = {}
    for route, value in parse_route_map(text, "slow thresholds").items():
        if not value.isdigit():
            raise ValueError(f"slow thresholds: '{value}' for {route} is not a number of milliseconds")
        result[route] = int(value)
    return result


def parse_faults(text: str) -> dict[str, Fault]:
    """``SaveChatSessionEntity=delay:200,error:0.1`` -> a Fault per route."""
    result: dict[str, Fault] = {}
    for route, value in parse_route_map(text, "faults").items():
        delay, rate = 0, 0.0
        for part in value.split(","):
            name, _, number = part.partition(":")
            try:
                if name.strip() == "delay":
                    delay = int(number)
                elif name.strip() == "error":
                    rate = float(number)
                else:
                    raise ValueError
            except ValueError:
                raise ValueError(f"faults: '{part}' for {route} is not delay:MS or error:RATE") from None
        if delay < 0 or not 0.0 <= rate <= 1.0:
            raise ValueError(f"faults: {route} needs delay >= 0 and 0 <= error <= 1")
        result[route] = Fault(delay, rate)
    return result


def _for_route(mapping: dict[str, object], route: str) -> object | None:
    lowered = route.lower()
    for key, value in mapping.items():
        if lowered == key or lowered.endswith("/" + key.lstrip("/")):
            return value
    return None


class Observability:
    def __init__(self, *, slow_ms: int, slow_overrides: dict[str, int], faults: dict[str, Fault]) -> None:
        self.registry = CollectorRegistry()
        self._slow_ms = slow_ms
        self._slow_overrides = slow_overrides
        self._faults = faults
        self.requests = Counter(
            "sochat_requests", "HTTP requests answered", ["route", "method", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "sochat_request_duration_seconds",
            "Time to answer a request",
            ["route", "method"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.slow_calls = Counter(
            "sochat_slow_calls",
            "Requests slower than their NsApiSlow threshold",
            ["route", "method"],
            registry=self.registry,
        )
        self.database = Histogram(
            "sochat_database_seconds",
            "Time spent in the database per store call",
            ["operation"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.unregistered_app_tokens = Counter(
            "sochat_unregistered_app_tokens",
            "Requests whose SO-AppToken names no registered application (accepted unless --require-app-token)",
            registry=self.registry,
        )
        self.sessions = Gauge(
            "sochat_chat_sessions", "Stored chat sessions by status", ["status"], registry=self.registry
        )

    def threshold_ms(self, route: str) -> int:
        override = _for_route(dict(self._slow_overrides), route)
        return override if isinstance(override, int) else self._slow_ms

    async def inject(self, route: str) -> None:
        """Apply the configured delay and error rate for a route (a testing aid; nothing by default)."""
        fault = _for_route(dict(self._faults), route)
        if not isinstance(fault, Fault):
            return
        if fault.delay_ms:
            await asyncio.sleep(fault.delay_ms / 1000)
        if fault.error_rate and random.random() < fault.error_rate:
            raise Unavailable(f"Injected fault for {route} (SOCHAT_FAULTS); nothing was done")

    def observe(
        self, route: str, method: str, status: int, seconds: float, *, request_id: str, user: str, app: str = "-"
    ) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method).observe(seconds)
        threshold = self.threshold_ms(route)
        if seconds * 1000 > threshold:
            self.slow_calls.labels(route, method).inc()
            slow_log.warning(
                "NsApiSlow: %s %s took %.0f ms (threshold %d ms), status %d, request id %s, user %s, app %s",
                method,
                route,
                seconds * 1000,
                threshold,
                status,
                request_id,
                user,
                app,
                extra={
                    "route": route,
                    "method": method,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 1),
                    "threshold_ms": threshold,
                    "request_id": request_id,
                    "user": user,
                    "app": app,
                },
            )

    def database_time(self, operation: str, seconds: float) -> None:
        self.database.labels(operation).observe(seconds)

    def exposition(self, counts_by_status: dict[int, int]) -> bytes:
        for value in range(len(CHAT_SESSION_STATUS.members)):
            self.sessions.labels(CHAT_SESSION_STATUS.format(value)).set(counts_by_status.get(value, 0))
        return bytes(generate_latest(self.registry))
