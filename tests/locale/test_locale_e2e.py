"""Issue 6 end to end: a real `sochat serve` process writes JSON log lines to a non-terminal stderr, and a save
made slow by the delay fault leaves an NsApiSlow line carrying the answer's request id."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from locale_support import AUTH, PASSWORD, SAVE
from prometheus_client.parser import text_string_to_metric_families

from support.servers import Server, running

pytestmark = pytest.mark.e2e

LOG_TIMEOUT = 10.0


def json_lines(server: Server) -> list[dict[str, Any]]:
    """The server's stderr lines that are JSON objects (the startup banner is plain text)."""
    lines = []
    for line in server.stderr().splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


@pytest.fixture
def slow_server(tmp_path: Path) -> Iterator[Server]:
    """`python -m sochat serve --demo` with a 50 ms NsApiSlow threshold and an 80 ms delay on saves; its stderr
    is a file, not a TTY, so it logs JSON lines."""
    options = ("--demo", "--slow-thresholds", "SaveChatSessionEntity=50", "--faults", "SaveChatSessionEntity=delay:80")
    with running(Server(f"sqlite:///{tmp_path / 'e2e.db'}", tmp_path, args=options, log_level=None)) as server:
        yield server


def _line_for(server: Server, logger: str, request_id: str) -> dict[str, Any]:
    """Wait for the JSON line of ``logger`` with ``request_id`` (written just after the answer is sent)."""
    deadline = time.monotonic() + LOG_TIMEOUT
    while True:
        for line in json_lines(server):
            if line.get("logger") == logger and line.get("request_id") == request_id:
                return line
        if time.monotonic() > deadline:
            pytest.fail(f"no {logger} line with request id {request_id} in stderr:\n{server.stderr()}")
        time.sleep(0.05)


def test_real_server_logs_nsapislow_json_line_with_the_request_id(slow_server):
    """A save through TCP is slow by the delay fault; stderr has its NsApiSlow JSON line and /metrics counts it."""
    with httpx.Client(base_url=slow_server.base_url, trust_env=False, timeout=30.0) as client:
        fast = client.get("/health/live")
        response = client.post(
            SAVE,
            json={"ChatSessionId": 0, "CustomerName": "e2e slow save"},
            headers={"Authorization": AUTH, "SO-TimeZone": "NO"},
        )
        assert response.status_code == 200, response.text
        assert response.json()["CustomerName"] == "e2e slow save"
        assert response.headers["so-timezone"] == "NO"
        request_id = response.headers["x-request-id"]

        slow = _line_for(slow_server, "sochat.slow", request_id)
        assert slow["level"] == "WARNING"
        assert slow["message"].startswith("NsApiSlow")
        assert slow["route"] == SAVE
        assert slow["method"] == "POST"
        assert slow["status"] == 200
        assert slow["duration_ms"] >= 80
        assert slow["threshold_ms"] == 50
        assert slow["user"] == "tje0"

        access = _line_for(slow_server, "sochat.access", request_id)
        assert access["status"] == 200
        assert access["level"] == "INFO"

        _line_for(slow_server, "sochat.access", fast.headers["x-request-id"])
        slow_ids = [line["request_id"] for line in json_lines(slow_server) if line.get("logger") == "sochat.slow"]
        assert slow_ids == [request_id]  # the fast health call is not slow

        metrics = client.get("/metrics")
        assert metrics.status_code == 200
        counted = {
            (sample.labels.get("route"), sample.value)
            for family in text_string_to_metric_families(metrics.text)
            for sample in family.samples
            if sample.name == "sochat_slow_calls_total"
        }
        assert counted == {(SAVE, 1.0)}

    text = slow_server.stderr()
    for secret in (PASSWORD, AUTH, AUTH.split()[1]):
        assert secret not in text
    # Not a terminal: every log line is a JSON object; only the startup banner (click.echo) is plain text.
    plain = [line for line in text.splitlines() if line.strip() and not line.startswith("{")]
    assert len(plain) == 1, plain
    assert "listening on" in plain[0]
