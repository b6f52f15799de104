"""Logging: readable lines on a terminal, JSON lines otherwise (for log collectors)."""

from __future__ import annotations

import json
import logging
import sys
import time

# Structured fields our log calls pass with extra=...; written as their own JSON members.
_FIELDS = ("request_id", "method", "path", "route", "status", "duration_ms", "threshold_ms", "user", "app")


class JsonLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in _FIELDS:
            value = record.__dict__.get(key)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if sys.stderr.isatty():
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    else:
        handler.setFormatter(JsonLineFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Alembic narrates each migration step at INFO; sochat's own "database migrated: ..." line already says
    # what was applied, so only its warnings and errors are worth a line.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))
