"""What every handler gets, and the small helpers they share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field

import msgspec

from sochat.agents.facade import Agents
from sochat.domain.errors import InvalidInput
from sochat.domain.fields import INT32_MAX, INT32_MIN, Field
from sochat.domain.principal import Principal
from sochat.http.formats import Body, decode_body, encode_answer, is_xml
from sochat.http.locale import RequestLocale
from sochat.http.messages import Request, Response
from sochat.i18n.languages import resolve_all


@dataclass(frozen=True, slots=True)
class Edge:
    """What the HTTP edge itself is configured with; every other setting is the agents' business."""

    max_body_bytes: int  # bounds what a patch may build, as it bounds a body
    host: str  # the address the server listens on: links name it when the Host header cannot be echoed
    port: int
    cookie_secure: bool  # the Secure flag on cookies, also on plain HTTP (behind an HTTPS proxy)


@dataclass(slots=True)
class Context:
    """The request, who sent it, how to answer it, and the use cases a handler may call (never the store)."""

    request: Request
    principal: Principal | None
    locale: RequestLocale
    media_type: str  # the negotiated answer type
    agents: Agents
    edge: Edge
    path_params: dict[str, str] = field(default_factory=dict)

    def user(self) -> Principal:
        assert self.principal is not None, "the route is declared as needing authentication"
        return self.principal

    def decode_body(self, root: str, members: Collection[str] = (), shape: type[msgspec.Struct] | None = None) -> Body:
        return decode_body(self.request.body, self.request.headers.get("content-type"), root, members, shape)

    @property
    def wants_xml(self) -> bool:
        return is_xml(self.media_type)

    def answer(
        self,
        value: object,
        *,
        root: str = "Response",
        status: int = 200,
        headers: list[tuple[str, str]] | None = None,
        shape: type[msgspec.Struct] | Field | None = None,
    ) -> Response:
        """``shape``: the Struct the answer holds (or an array's item Field), for XML's element names."""
        body = encode_answer(self.media_type, root, resolve_all(value, self.locale.language), shape)
        return Response(status, body, f"{self.media_type}; charset=utf-8", headers or [])


Handler = Callable[[Context], Awaitable[Response]]


def no_content(headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(204, b"", None, headers or [])


def int32_text(text: str | None, name: str) -> int:
    """An int32 from a query or path value; InvalidInput naming ``name`` otherwise."""
    if text is None or not text.strip():
        raise InvalidInput(f"The parameter {name} is required (an int32 id)", property_name=name)
    clean = text.strip()
    digits = clean[1:] if clean[:1] in "+-" else clean
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 11):
        raise InvalidInput(f"{name}: '{clean[:40]}' is not an int32 number", property_name=name)
    value = int(clean)
    if not INT32_MIN <= value <= INT32_MAX:
        raise InvalidInput(f"{name}: {value} is outside the int32 range", property_name=name)
    return value
