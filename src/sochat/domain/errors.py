"""Domain errors. The HTTP edge maps each class to a status code and SuperOffice's error body.

SochatError
 ├── InvalidInput        400  a value broke a rule; names the property
 ├── Unauthorized        401  no valid credentials
 ├── Forbidden           403  valid caller without the right
 ├── NotFound            404
 ├── MethodNotAllowed    405
 ├── Conflict            409
 ├── PreconditionFailed  412
 ├── PayloadTooLarge     413
 ├── UnsupportedMediaType 415
 ├── HeadersTooLarge     431  a request header (or all of them) past the bounds
 ├── NotImplementedYet   501  a SuperOffice operation sochat does not serve yet
 ├── Unavailable         503  storage cannot take the write right now
 └── IdsExhausted        507  no id is left for a new record (ids are int32)
"""

from __future__ import annotations


class SochatError(Exception):
    """Base of every error that is meant to reach a client."""

    status = 500
    error_type = "SoException"

    def __init__(self, message: str, *, source: str = "sochat") -> None:
        super().__init__(message)
        self.message = message
        self.source = source


class InvalidInput(SochatError):
    status = 400
    error_type = "SoArgumentException"

    def __init__(self, message: str, *, property_name: str | None = None, source: str = "sochat") -> None:
        super().__init__(message, source=source)
        self.property_name = property_name


class MalformedBody(InvalidInput):
    error_type = "SoMalformedRequestException"


class Unauthorized(SochatError):
    status = 401
    error_type = "SoAuthenticationException"


class Forbidden(SochatError):
    status = 403
    error_type = "SoAccessDeniedException"


class NotFound(SochatError):
    status = 404
    error_type = "SoNotFoundException"


class MethodNotAllowed(SochatError):
    status = 405
    error_type = "SoMethodNotAllowedException"

    def __init__(self, message: str, *, allow: tuple[str, ...]) -> None:
        super().__init__(message)
        self.allow = allow


class Conflict(SochatError):
    status = 409
    error_type = "SoConflictException"


class ImportConflict(Conflict):
    """An import would break a uniqueness rule (e.g. a user name taken by another associate)."""


class PreconditionFailed(SochatError):
    status = 412
    error_type = "SoPreconditionFailedException"


class PayloadTooLarge(SochatError):
    status = 413
    error_type = "SoRequestTooLargeException"


class HeadersTooLarge(SochatError):
    status = 431
    error_type = "SoRequestTooLargeException"


class UnsupportedMediaType(SochatError):
    status = 415
    error_type = "SoUnsupportedMediaTypeException"


class NotImplementedYet(SochatError):
    """A route of SuperOffice's chat API that sochat knows but does not serve yet."""

    status = 501
    error_type = "SoNotImplementedException"


class OAuthError(SochatError):
    """An OAuth 2 token-endpoint error: RFC 6749's ``error`` code travels beside SuperOffice's members."""

    error_type = "SoOAuthException"

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message, source="OAuth")
        self.status = status
        self.code = code
        self.challenge: str | None = None  # WWW-Authenticate, when the client authenticated with a header


class Unavailable(SochatError):
    status = 503
    error_type = "SoServiceUnavailableException"


class IdsExhausted(SochatError):
    """Every int32 id of a table has been given out (an import may give the highest one): nothing can be added.

    507 Insufficient Storage: the request is fine, the database cannot hold another record of the kind."""

    status = 507
    error_type = "SoInsufficientStorageException"

    def __init__(self, table: str) -> None:
        super().__init__(
            f"No new {table} id is left: ids are int32 numbers, the highest (2147483647) has been given out, and "
            "sochat never reuses an id; nothing was saved"
        )


def describe_value(value: object) -> str:
    """A short, safe rendering of a bad input value for an error message."""
    if isinstance(value, dict | list):
        return "an object" if isinstance(value, dict) else "an array"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 80:
        # str() of a huge int is slow and Python refuses it beyond 4300 digits.
        return f"a number of about {int(value.bit_length() * 0.30103)} digits"
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:40] + "..."
