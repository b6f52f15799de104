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
    credential_cache_size: int = 10_000
    idempotency_ttl_seconds: int = 24 * 3600
    default_language: str | None = None  # used when Accept-Language/SO-Language name only unknown languages
    slow_threshold_ms: int = 5000  # NsApiSlow: calls slower than this are logged and counted
    slow_thresholds: str = ""  # per-route overrides: "SaveChatSessionEntity=100;ChatSession/{id}=2000"
    faults: str = ""  # testing aid: "SaveChatSessionEntity=delay:200,error:0.1" (off by default)
