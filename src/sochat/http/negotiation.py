"""Content-Type and Accept: which format reads the body and which media type the answer uses (RFC 9110)."""

from __future__ import annotations

from dataclasses import dataclass

from sochat.domain.errors import UnsupportedMediaType

# Request media type -> body format.
REQUEST_FORMATS = {
    "application/json": "json",
    "text/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
    "application/x-www-form-urlencoded": "form",
    "application/json-patch+json": "json-patch",
    "application/merge-patch+json": "merge-patch",
}
# Answer media types in our order of preference; the patch types answer the entity as JSON, as SuperOffice does.
RESPONSE_TYPES = (
    "application/json",
    "text/json",
    "application/xml",
    "text/xml",
    "application/json-patch+json",
    "application/merge-patch+json",
)
XML_TYPES = frozenset({"application/xml", "text/xml"})


@dataclass(frozen=True, slots=True)
class MediaType:
    type: str  # lower-case "type/subtype"
    params: dict[str, str]

    @property
    def charset(self) -> str | None:
        return self.params.get("charset")


def split_outside_quotes(value: str, separator: str) -> list[str]:
    """Split a header on ``separator`` except inside double-quoted strings (RFC 9110 quoted-string)."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def parse_media_type(value: str) -> MediaType:
    main, *rest = split_outside_quotes(value, ";")
    params: dict[str, str] = {}
    for part in rest:
        name, sep, val = part.partition("=")
        if sep:
            params[name.strip().lower()] = val.strip().strip('"').lower()
    return MediaType(main.strip().lower(), params)


def request_media_type(content_type: str | None) -> MediaType:
    """The body's media type; a body without Content-Type is read as JSON, as SuperOffice does."""
    if not content_type or not content_type.strip():
        return MediaType("application/json", {})
    media = parse_media_type(content_type)
    if media.type not in REQUEST_FORMATS:
        raise UnsupportedMediaType(
            f"Content-Type '{media.type[:80]}' is not supported; use one of: {', '.join(REQUEST_FORMATS)}"
        )
    return media


def response_media_type(accept: str | None) -> str:
    """The answer's media type for an Accept header.

    Each type we can write gets the q-value of the most specific range that matches it; the highest
    q wins, ties go to our order of preference. Nothing acceptable (including misspelled types) answers
    JSON, as SuperOffice's ASP.NET stack does.
    """
    if not accept:
        return RESPONSE_TYPES[0]
    ranges: list[tuple[str, float]] = []
    for item in split_outside_quotes(accept, ","):
        media = parse_media_type(item)
        try:
            q = float(media.params.get("q", "1"))
        except ValueError:
            q = 0.0
        ranges.append((media.type, q))
    best, best_q = RESPONSE_TYPES[0], 0.0
    for candidate in RESPONSE_TYPES:
        q = _quality(candidate, ranges)
        if q > best_q:
            best, best_q = candidate, q
    return best


def _quality(candidate: str, ranges: list[tuple[str, float]]) -> float:
    major = candidate.split("/", 1)[0]
    specificity, quality = -1, 0.0
    for media_range, q in ranges:
        if media_range == candidate:
            rank = 2
        elif media_range == f"{major}/*":
            rank = 1
        elif media_range == "*/*":
            rank = 0
        else:
            continue
        if rank > specificity:
            specificity, quality = rank, q
    return quality
