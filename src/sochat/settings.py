"""Every setting in one place. Each has a command-line option and a SOCHAT_ environment variable."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_DATABASE_URL = "sqlite:///sochat.db"


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str = DEFAULT_DATABASE_URL
    demo: bool = False
    strict: bool = False
    max_body_bytes: int = 1024 * 1024
    base_timezone: str = "UTC"
    log_level: str = "info"
    sqlite_synchronous: str = "FULL"
    db_pool_size: int = 10  # PostgreSQL connections per process for requests
    credential_cache_size: int = 10_000
    idempotency_ttl_seconds: int = 24 * 3600
    default_language: str | None = None  # used when Accept-Language/SO-Language name only unknown languages
    slow_threshold_ms: int = 5000  # NsApiSlow: calls slower than this are logged and counted
    slow_thresholds: str = ""  # per-route overrides: "SaveChatSessionEntity=100;ChatSession/{id}=2000"
    faults: str = ""  # testing aid: "SaveChatSessionEntity=delay:200,error:0.1" (off by default)
    # Authentication (docs/authentication.md)
    auth_schemes: str = "basic,soticket,bearer,cookie"
    ticket_idle_minutes: int = 8 * 60  # a ticket expires after this long unused...
    ticket_lifetime_hours: int = 7 * 24  # ...and at the latest this long after issue
    access_token_seconds: int = 3600  # Bearer access tokens live one hour, as SuperOffice's do
    session_idle_minutes: int = 8 * 60  # browser sessions (cookie + XSRF)
    require_app_token_with_ticket: bool = False  # SuperOffice Online's rule
    lockout_slow_after: int = 5  # failures within the window before answers are slowed
    lockout_after: int = 10  # failures within the window before the user or address is locked
    lockout_window_minutes: int = 15
    lockout_minutes: int = 15
    oidc_jwks: str = ""  # JWKS file or URL; empty disables JWT bearer tokens
    oidc_issuer: str = ""
    oidc_audience: str = ""
    oidc_user_claim: str = "preferred_username"
    oidc_leeway_seconds: int = 60
    cookie_secure: bool = False  # set the Secure flag on cookies (true behind HTTPS)
