"""Content-Type and Accept: which codec reads the body and which media type the answer uses."""

from __future__ import annotations

from dataclasses import dataclass

from sochat.domain.errors import UnsupportedMediaType

JSON_TYPES = ("application/json", "text/json")
# Media types whose answer is JSON (SuperOffice answers the patch types with a JSON entity).
RESPONSE_TYPES = JSON_TYPES
REQUEST_TYPES = JSON_TYPES


@dataclass(frozen=True, slots=True)
class MediaType:
    type: str  # lower-case "type/subtype"
    params: dict[str, str]

    @property
    def charset(self) -> str | None:
        return self.params.get("charset")


def parse_media_type(value: str) -> MediaType:
    main, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for part in rest.split(";"):
        name, sep, val = part.partition("=")
        if sep:
            params[name.strip().lower()] = val.strip().strip('"').lower()
    return MediaType(main.strip().lower(), params)


def request_media_type(content_type: str | None) -> MediaType:
    """The body's media type; a body without Content-Type is read as JSON, as SuperOffice does."""
    if not content_type or not content_type.strip():
        return MediaType("application/json", {})
    media = parse_media_type(content_type)
    if media.type not in REQUEST_TYPES:
        raise UnsupportedMediaType(
            f"Content-Type '{media.type}' is not supported; use one of: {', '.join(REQUEST_TYPES)}"
        )
    return media


def response_media_type(accept: str | None) -> str:
    """Pick the answer's media type from Accept (q-values honoured); anything unmatched answers JSON."""
    if not accept:
        return "application/json"
    best, best_q = "application/json", 0.0
    for item in accept.split(","):
        media = parse_media_type(item)
        try:
            q = float(media.params.get("q", "1"))
        except ValueError:
            q = 0.0
        if q <= 0:
            continue
        candidate = _match(media.type)
        # Higher q wins; on a tie the earlier entry stays.
        if candidate is not None and q > best_q:
            best, best_q = candidate, q
    return best


def _match(media_type: str) -> str | None:
    if media_type in RESPONSE_TYPES:
        return media_type
    if media_type in ("*/*", "application/*"):
        return "application/json"
    if media_type == "text/*":
        return "text/json"
    return None
