"""Domain errors: what went wrong, in words a client can act on. They know nothing of HTTP: the edge maps each
class to a status code and SuperOffice's ErrorType in one table (sochat.http.errors.ANSWERS).

SochatError
 ├── InvalidInput          a value broke a rule; names the property's path
 │    └── MalformedBody    the body is not valid JSON, XML or form data
 ├── Unauthorized          no valid credentials
 ├── Forbidden             valid caller without the right
 ├── NotFound
 ├── MethodNotAllowed
 ├── Conflict
 │    └── ImportConflict
 ├── PreconditionFailed
 ├── PayloadTooLarge
 ├── UnsupportedMediaType
 ├── HeadersTooLarge       a request header (or all of them) past the bounds
 ├── NotImplementedYet     a SuperOffice operation sochat does not serve yet
 ├── OAuthError            the OAuth 2 token endpoint's errors, with RFC 6749's code
 ├── Unavailable           storage cannot take the write right now
 └── IdsExhausted          no id is left for a new record (ids are int32)
"""

from __future__ import annotations


class SochatError(Exception):
    """Base of every error that is meant to reach a client."""

    def __init__(self, message: str, *, source: str = "sochat") -> None:
        super().__init__(message)
        self.message = message
        self.source = source


class InvalidInput(SochatError):
    """A value broke a rule. ``property_name`` is the property's path where there is one: its name, or the names
    from the entity down, dotted, for a member of a nested object or array (``User.AssociateId``)."""

    def __init__(self, message: str, *, property_name: str | None = None, source: str = "sochat") -> None:
        super().__init__(message, source=source)
        self.property_name = property_name


class MalformedBody(InvalidInput):
    """The body is not valid in its declared format."""


class Unauthorized(SochatError):
    """No valid credentials."""


class Forbidden(SochatError):
    """A valid caller without the right."""


class NotFound(SochatError):
    """No such record or route."""


class MethodNotAllowed(SochatError):
    def __init__(self, message: str, *, allow: tuple[str, ...]) -> None:
        super().__init__(message)
        self.allow = allow


class Conflict(SochatError):
    """The request contradicts what is stored."""


class ImportConflict(Conflict):
    """An import would break a uniqueness rule (e.g. a user name taken by another associate)."""


class PreconditionFailed(SochatError):
    """A condition of the request (If-Match, If-Unmodified-Since) does not hold."""


class PayloadTooLarge(SochatError):
    """The body is past its bound."""


class HeadersTooLarge(SochatError):
    """A request header, or all of them, past the bounds."""


class UnsupportedMediaType(SochatError):
    """A body in a format sochat does not read."""


class NotImplementedYet(SochatError):
    """A route of SuperOffice's chat API that sochat knows but does not serve yet."""


class OAuthError(SochatError):
    """An OAuth 2 token-endpoint error: RFC 6749's ``error`` code travels beside SuperOffice's members."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, source="OAuth")
        self.code = code
        self.challenge: str | None = None  # WWW-Authenticate, when the client authenticated with a header


class Unavailable(SochatError):
    """Storage cannot take the write right now."""


class IdsExhausted(SochatError):
    """Every int32 id of a table has been given out (an import may give the highest one): nothing can be added.
    The request is fine; the database cannot hold another record of the kind."""

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
