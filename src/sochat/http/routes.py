"""The router, built from the operation table (sochat.http.operations), and the path rules SuperOffice clients
rely on.

Paths match case-insensitively, may end in a slash, and may start with a tenant segment
(``/Cust12345/api/v1/...``), as SuperOffice Online's URLs do. ``{name}`` in a path is a parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sochat.http.handlers.context import Handler
from sochat.http.operation import Operation
from sochat.http.operations import OPERATIONS


@dataclass(frozen=True)
class Route:
    path: str  # canonical spelling, used in docs, OpenAPI and error messages
    methods: dict[str, Handler]
    authenticated: bool = True
    summary: str = ""
    # False for SuperOffice operations that sochat knows but does not serve yet (501); they stay out of the
    # OpenAPI document, which describes only what answers.
    implemented: bool = True


def routes_of(operations: tuple[Operation, ...]) -> tuple[Route, ...]:
    """One route per path, its verbs in the table's order. The operations on one path agree on whether they
    need authentication and are implemented (a test checks the table)."""
    by_path: dict[str, list[Operation]] = {}
    for operation in operations:
        by_path.setdefault(operation.path, []).append(operation)
    return tuple(
        Route(
            path,
            {operation.verb: operation.handler for operation in on_path},
            authenticated=on_path[0].authenticated,
            summary=on_path[0].description or on_path[0].summary,
            implemented=on_path[0].implemented,
        )
        for path, on_path in by_path.items()
    )


ROUTES: tuple[Route, ...] = routes_of(OPERATIONS)


def _segments(path: str) -> tuple[str, ...]:
    return tuple(part for part in path.lower().split("/") if part)


# A tenant segment is an identifier like Cust12345; anything else (``..``, ``%2e%2e``, quotes, spaces) is no
# route at all, so it never reaches links built from it.
_TENANT = re.compile(r"[A-Za-z0-9_-]{1,64}")

_EXACT = {_segments(route.path): route for route in ROUTES if "{" not in route.path}
# Literal segments win over parameters: at the first position where two patterns differ, the literal one is
# tried first (``/ChatSession/{id}/Pickup`` before a hypothetical ``/ChatSession/{id}/{x}``).
_PATTERNS = sorted(
    ((_segments(route.path), route) for route in ROUTES if "{" in route.path),
    key=lambda item: tuple(part.startswith("{") for part in item[0]),
)


def match(path: str) -> tuple[Route | None, str | None, dict[str, str]]:
    """The route for a request path, the tenant segment if one was given, and the path parameters."""
    raw = [part for part in path.split("/") if part]
    tenant = None
    if len(raw) > 1 and raw[0].lower() != "api" and raw[1].lower() == "api":
        tenant, raw = raw[0], raw[1:]
        if not _TENANT.fullmatch(tenant):
            return None, None, {}
    key = tuple(part.lower() for part in raw)
    route = _EXACT.get(key)
    if route is not None:
        return route, tenant, {}
    for pattern, candidate in _PATTERNS:
        if len(pattern) != len(key):
            continue
        params: dict[str, str] = {}
        for expected, actual, original in zip(pattern, key, raw, strict=True):
            if expected.startswith("{"):
                params[expected[1:-1]] = original
            elif expected != actual:
                break
        else:
            return candidate, tenant, params
    return None, tenant, {}
