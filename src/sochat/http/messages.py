"""The request and response values passed between the ASGI app, the edge components and handlers."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl


@dataclass(slots=True)
class Request:
    method: str
    path: str  # as sent, percent-decoded by the server
    query_string: bytes
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    client: str
    request_id: str
    scheme: str = "http"
    body: bytes = b""
    tenant: str | None = None
    user_name: str = "-"  # set once authenticated; for the access log
    app: str = "-"  # the application named by SO-AppToken; for the access log
    route: str = "unmatched"  # the canonical route path once matched; a metric label
    _query: dict[str, str] | None = None

    @property
    def query(self) -> dict[str, str]:
        """Query parameters with lower-cased names (SuperOffice matches them case-insensitively)."""
        if self._query is None:
            pairs = parse_qsl(self.query_string.decode("latin-1"), keep_blank_values=True)
            self._query = {name.lower(): value for name, value in pairs}
        return self._query


@dataclass(slots=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
