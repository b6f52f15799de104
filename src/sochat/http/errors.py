"""Every error answer in SuperOffice's error body, from one mapping for the whole app."""

from __future__ import annotations

from sochat.domain.errors import MethodNotAllowed, OAuthError, SochatError, Unavailable
from sochat.http.formats import encode_answer
from sochat.http.messages import Response

# How long a client should wait before retrying after a 503 (the database is restarting or full).
RETRY_AFTER_SECONDS = "2"

# The XML root of an error answer (SuperOffice does not document one; the members match the JSON body).
ERROR_ROOT = "ErrorInfo"


def error_body(error_type: str, message: str, source: str) -> dict[str, object]:
    return {"Error": True, "ErrorType": error_type, "ErrorMessage": message, "ErrorSource": source}


def error_response(exc: SochatError, media_type: str = "application/json") -> Response:
    headers: list[tuple[str, str]] = []
    if isinstance(exc, MethodNotAllowed):
        headers.append(("allow", ", ".join(exc.allow)))
    if isinstance(exc, Unavailable):
        headers.append(("retry-after", RETRY_AFTER_SECONDS))
    members = error_body(exc.error_type, exc.message, exc.source)
    if isinstance(exc, OAuthError):
        # OAuth clients read RFC 6749's members; SuperOffice clients read ours. Both are present.
        members = {"error": exc.code, "error_description": exc.message, **members}
        headers.append(("cache-control", "no-store"))
        if exc.challenge is not None:
            headers.append(("www-authenticate", exc.challenge))
    body = encode_answer(media_type, ERROR_ROOT, members)
    return Response(exc.status, body, f"{media_type}; charset=utf-8", headers)


def unexpected_error_response(request_id: str, media_type: str = "application/json") -> Response:
    body = error_body(
        "SoException",
        f"An unexpected error occurred; nothing was saved. Quote request id {request_id} when reporting it.",
        "sochat",
    )
    return Response(500, encode_answer(media_type, ERROR_ROOT, body), f"{media_type}; charset=utf-8")
