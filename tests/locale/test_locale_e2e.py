"""Issue 6 end to end: a real `sochat serve` process writes JSON log lines to a non-terminal stderr, and a save
made slow by the delay fault leaves an NsApiSlow line carrying the answer's request id."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from locale_support import AUTH, PASSWORD, SAVE
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.e2e

STARTUP_TIMEOUT = 30.0
LOG_TIMEOUT = 10.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class SlowServer:
    """`python -m sochat serve --demo` with a 50 ms NsApiSlow threshold and an 80 ms delay on saves."""

    def __init__(self, directory: Path) -> None:
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.stderr_path = directory / "server.stderr"
        command = [
            sys.executable,
            "-m",
            "sochat",
            "serve",
            "--port",
            str(self.port),
            "--database",
            f"sqlite:///{directory / 'e2e.db'}",
            "--demo",
            "--slow-thresholds",
            "SaveChatSessionEntity=50",
            "--faults",
            "SaveChatSessionEntity=delay:80",
        ]
        env = {name: value for name, value in os.environ.items() if not name.startswith("SOCHAT_")}
        with self.stderr_path.open("wb") as stderr:  # a file: not a TTY, so the server logs JSON lines
            self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, env=env, cwd=directory)

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        last = "no answer yet"
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                pytest.fail(f"sochat serve exited with {code} before it was ready:\n{self.stderr()}")
            try:
                with httpx.Client(trust_env=False, timeout=1.0) as probe:
                    response = probe.get(f"{self.base_url}/health/ready")
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code == 200:
                    return
                last = f"status {response.status_code}"
            time.sleep(0.05)
        pytest.fail(f"sochat serve not ready within {STARTUP_TIMEOUT}s ({last}):\n{self.stderr()}")

    def json_lines(self) -> list[dict[str, Any]]:
        """The stderr lines that are JSON objects (the startup banner is plain text)."""
        lines = []
        for line in self.stderr().splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
        return lines

    def stop(self) -> None:
        """SIGTERM this process, then SIGKILL if it has not stopped within 10 s."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture
def slow_server(tmp_path: Path) -> Iterator[SlowServer]:
    server = SlowServer(tmp_path)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def _line_for(server: SlowServer, logger: str, request_id: str) -> dict[str, Any]:
    """Wait for the JSON line of ``logger`` with ``request_id`` (written just after the answer is sent)."""
    deadline = time.monotonic() + LOG_TIMEOUT
    while True:
        for line in server.json_lines():
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
        slow_ids = [line["request_id"] for line in slow_server.json_lines() if line.get("logger") == "sochat.slow"]
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
