"""Every setting in one place: the Settings dataclass is the one declaration.

A setting a user may change carries an `Option` (declared with `option(...)`): its command-line flag, its SOCHAT_
environment variable, its help text and the checks its value must pass. `sochat serve` derives its options from
these declarations (sochat.cli.options), README.md's Configuration table is checked against them
(tests/unit/test_unit_settings.py), and the other fields are fixed values the code tunes, not settings a user sets.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TypeVar

T = TypeVar("T")

ENVIRONMENT_PREFIX = "SOCHAT_"


@dataclass(frozen=True)
class Option:
    """How a user sets one setting: flag, environment variable, help, and the checks on its value."""

    flag: str
    help: str
    envvar: str = ""  # "": SOCHAT_ and the flag's name, e.g. --max-body-bytes -> SOCHAT_MAX_BODY_BYTES
    metavar: str | None = None
    minimum: int | None = None  # an integer below it is refused
    maximum: int | None = None
    choices: tuple[str, ...] = ()  # when given, the only values accepted
    serve_only: bool = False  # True: `sochat serve` has it; False: every command that opens the database has it

    @property
    def environment_variable(self) -> str:
        return self.envvar or ENVIRONMENT_PREFIX + self.flag.removeprefix("--").upper().replace("-", "_")


def option(
    default: T,
    flag: str,
    help: str,
    *,
    envvar: str = "",
    metavar: str | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
    choices: tuple[str, ...] = (),
    serve_only: bool = False,
) -> T:
    """A Settings field that users set with `flag` or its environment variable (see Option)."""
    declared = Option(flag, help, envvar, metavar, minimum, maximum, choices, serve_only)
    return field(default=default, metadata={"option": declared})


def _serve(
    default: T,
    flag: str,
    help: str,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    choices: tuple[str, ...] = (),
) -> T:
    """A setting only `sochat serve` takes."""
    return option(default, flag, help, minimum=minimum, maximum=maximum, choices=choices, serve_only=True)


DEFAULT_DATABASE_URL = "sqlite:///sochat.db"
LANGUAGES = ("en", "nb", "sv", "da", "de", "nl")
LOG_LEVELS = ("debug", "info", "warning", "error")


@dataclass(frozen=True)
class Settings:
    # The options, in the order `sochat serve --help` lists them.
    host: str = _serve("127.0.0.1", "--host", "Interface to listen on (0.0.0.0 for every interface).")
    # Not an IntRange: setting_problem() checks it, in one line of error where IntRange would print the usage too.
    port: int = _serve(8000, "--port", "TCP port to listen on, 1 to 65535 (0: any free port).")
    database_url: str = option(
        DEFAULT_DATABASE_URL,
        "--database",
        "Where sessions are stored: sqlite:///FILE (relative to the current folder), sqlite:////ABSOLUTE/PATH, "
        "or postgresql://USER@HOST:5432/DB?schema=NAME (USER:PASSWORD@ if needed; without ?schema=, the user's "
        "default schema, usually public).",
        envvar="SOCHAT_DATABASE_URL",
        metavar="URL",
    )
    demo: bool = _serve(
        False, "--demo", "Load demo users (tje0/Tje0 and others) and chat topics into an empty database."
    )
    strict: bool = _serve(
        False,
        "--strict",
        "Refuse what SuperOffice would accept but loses data integrity: unknown ids on save "
        "(404), links to unknown records (400), null for non-nullable values (400).",
    )
    max_body_bytes: int = _serve(
        1024 * 1024, "--max-body-bytes", "Largest request body accepted (413 beyond).", minimum=1024
    )
    base_timezone: str = _serve(
        "UTC",
        "--timezone",
        "Base time zone (SuperOffice code like NO, or IANA name): answers use it unless SO-TimeZone says "
        "otherwise, and date-times sent without an offset are read in it.",
    )
    # used when Accept-Language/SO-Language name only unknown languages
    default_language: str | None = _serve(
        None,
        "--default-language",
        "Language for answers when Accept-Language/SO-Language name only languages sochat lacks "
        "(unset: such answers keep string references unresolved, as SuperOffice does).",
        choices=LANGUAGES,
    )
    slow_threshold_ms: int = _serve(
        5000,
        "--slow-threshold-ms",
        "NsApiSlow: calls slower than this are logged at WARNING and counted in /metrics.",
        minimum=1,
    )
    slow_thresholds: str = _serve(
        "", "--slow-thresholds", "Per-route thresholds, e.g. 'SaveChatSessionEntity=100;ChatSession/{id}=2000'."
    )
    faults: str = _serve(  # a testing aid, off by default
        "",
        "--faults",
        "Testing aid, off by default: delay and fail chosen routes, e.g. "
        "'SaveChatSessionEntity=delay:200,error:0.1' (200 ms delay, 10% answered 503).",
    )
    # Authentication (docs/authentication.md)
    auth_schemes: str = _serve(
        "basic,soticket,bearer,cookie", "--auth-schemes", "Enabled Authorization schemes, comma-separated."
    )
    ticket_idle_minutes: int = _serve(  # a ticket expires after this long unused
        8 * 60,
        "--ticket-idle-minutes",
        "Tickets and browser sessions expire after this long unused.",
        minimum=1,
    )
    require_app_token_with_ticket: bool = _serve(  # SuperOffice Online's rule
        False,
        "--require-app-token",
        "SOTicket requests must carry a registered SO-AppToken and unregistered tokens are refused (as "
        "SuperOffice Online); without it, a token naming no registered application is accepted and logged.",
    )
    lockout_after: int = _serve(  # failures within the window before the user or address is locked
        10,
        "--lockout-after",
        "Failed logins (per user, per non-local address) in 15 minutes before a "
        "15-minute lock; answers slow down after 5. 0 switches lockout off.",
        minimum=0,
    )
    oidc_jwks: str = _serve(  # JWKS file or URL; empty disables JWT bearer tokens
        "",
        "--oidc-jwks",
        "JWKS file or URL of an OpenID Connect issuer whose JWTs are accepted as Bearer tokens.",
    )
    oidc_issuer: str = _serve("", "--oidc-issuer", "Required iss claim.")
    oidc_audience: str = _serve("", "--oidc-audience", "Required aud claim.")
    oidc_user_claim: str = _serve("preferred_username", "--oidc-user-claim", "Claim holding the sochat user name.")
    cookie_secure: bool = _serve(  # set the Secure flag on cookies (true behind HTTPS)
        False, "--cookie-secure", "Mark login cookies Secure (set it when clients reach sochat over HTTPS)."
    )
    workers: int = _serve(
        1,
        "--workers",
        "Worker processes sharing the port (each with its own connections; state lives in the database).",
        minimum=1,
        maximum=64,
    )
    db_pool_size: int = _serve(  # PostgreSQL connections per process for requests
        10,
        "--db-pool-size",
        "PostgreSQL connections each process keeps for requests (plus one for administration).",
        minimum=1,
    )
    log_level: str = _serve("info", "--log-level", "Least severe log level written.", choices=LOG_LEVELS)

    # Fixed values the code tunes; no option sets them.
    sqlite_synchronous: str = "FULL"
    credential_cache_size: int = 10_000
    idempotency_ttl_seconds: int = 24 * 3600
    ticket_lifetime_hours: int = 7 * 24  # a ticket expires at the latest this long after issue
    access_token_seconds: int = 3600  # Bearer access tokens live one hour, as SuperOffice's do
    session_idle_minutes: int = 8 * 60  # browser sessions (cookie + XSRF): `serve` sets it to ticket_idle_minutes
    lockout_slow_after: int = 5  # failures within the window before answers are slowed
    lockout_window_minutes: int = 15
    lockout_minutes: int = 15
    oidc_leeway_seconds: int = 60


@dataclass(frozen=True)
class DeclaredSetting:
    name: str  # the Settings field
    default: object
    option: Option


def declared_settings(*, serve_only: bool | None = None) -> list[DeclaredSetting]:
    """The settings users set, in declaration order; `serve_only` picks those of `serve` alone (True) or those
    every database command has (False)."""
    found = []
    for declared in fields(Settings):
        user_option = declared.metadata.get("option")
        if isinstance(user_option, Option) and serve_only in (None, user_option.serve_only):
            found.append(DeclaredSetting(declared.name, declared.default, user_option))
    return found


def setting_problem(settings: Settings) -> str | None:
    """The first problem no single option's check can see (a range with a one-line message, settings that need each
    other), or None."""
    if settings.oidc_jwks and not (settings.oidc_issuer and settings.oidc_audience):
        return "--oidc-jwks needs --oidc-issuer and --oidc-audience too"
    if not 0 <= settings.port <= 65535:
        return f"--port {settings.port}: a TCP port is 1 to 65535 (or 0 for any free port)"
    return None
