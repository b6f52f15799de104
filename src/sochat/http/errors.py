"""Every error answer in SuperOffice's error body, from one table for the whole app."""

from __future__ import annotations

from sochat.domain.errors import (
    Conflict,
    Forbidden,
    HeadersTooLarge,
    IdsExhausted,
    InvalidInput,
    MalformedBody,
    MethodNotAllowed,
    NotFound,
    NotImplementedYet,
    OAuthError,
    PayloadTooLarge,
    PreconditionFailed,
    SochatError,
    Unauthorized,
    Unavailable,
    UnsupportedMediaType,
)
from sochat.http.formats import encode_answer
from sochat.http.messages import Response

# How long a client should wait before retrying after a 503 (the database is restarting or full).
RETRY_AFTER_SECONDS = "2"

# The XML root of an error answer (SuperOffice does not document one; the members match the JSON body).
ERROR_ROOT = "ErrorInfo"


# Each domain error's HTTP status and SuperOffice's ErrorType. A class not listed answers as its nearest listed base.
ANSWERS: dict[type[SochatError], tuple[int, str]] = {
    SochatError: (500, "SoException"),
    InvalidInput: (400, "SoArgumentException"),
    MalformedBody: (400, "SoMalformedRequestException"),
    Unauthorized: (401, "SoAuthenticationException"),
    Forbidden: (403, "SoAccessDeniedException"),
    NotFound: (404, "SoNotFoundException"),
    MethodNotAllowed: (405, "SoMethodNotAllowedException"),
    Conflict: (409, "SoConflictException"),
    PreconditionFailed: (412, "SoPreconditionFailedException"),
    PayloadTooLarge: (413, "SoRequestTooLargeException"),
    UnsupportedMediaType: (415, "SoUnsupportedMediaTypeException"),
    HeadersTooLarge: (431, "SoRequestTooLargeException"),
    NotImplementedYet: (501, "SoNotImplementedException"),
    OAuthError: (400, "SoOAuthException"),  # RFC 6749 section 5.2: 400, but 401 for invalid_client
    Unavailable: (503, "SoServiceUnavailableException"),
    # 507 Insufficient Storage: the request is fine, the database cannot hold another record of the kind.
    IdsExhausted: (507, "SoInsufficientStorageException"),
}


def status_and_type(exc: SochatError) -> tuple[int, str]:
    """The HTTP status and ErrorType of an error, from ANSWERS."""
    status, error_type = next(ANSWERS[kind] for kind in type(exc).__mro__ if kind in ANSWERS)
    if isinstance(exc, OAuthError) and exc.code == "invalid_client":
        status = 401
    return status, error_type


def error_body(error_type: str, message: str, source: str) -> dict[str, object]:
    return {"Error": True, "ErrorType": error_type, "ErrorMessage": message, "ErrorSource": source}


def error_response(exc: SochatError, media_type: str = "application/json") -> Response:
    headers: list[tuple[str, str]] = []
    if isinstance(exc, MethodNotAllowed):
        headers.append(("allow", ", ".join(exc.allow)))
    if isinstance(exc, Unavailable):
        headers.append(("retry-after", RETRY_AFTER_SECONDS))
    status, error_type = status_and_type(exc)
    members = error_body(error_type, exc.message, exc.source)
    if isinstance(exc, OAuthError):
        # OAuth clients read RFC 6749's members; SuperOffice clients read ours. Both are present.
        members = {"error": exc.code, "error_description": exc.message, **members}
        headers.append(("cache-control", "no-store"))
        if exc.challenge is not None:
            headers.append(("www-authenticate", exc.challenge))
    body = encode_answer(media_type, ERROR_ROOT, members)
    return Response(status, body, f"{media_type}; charset=utf-8", headers)


def unexpected_error_response(request_id: str, media_type: str = "application/json") -> Response:
    body = error_body(
        "SoException",
        f"An unexpected error occurred; nothing was saved. Quote request id {request_id} when reporting it.",
        "sochat",
    )
    return Response(500, encode_answer(media_type, ERROR_ROOT, body), f"{media_type}; charset=utf-8")
