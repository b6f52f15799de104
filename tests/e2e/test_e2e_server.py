"""The real `sochat serve` process: a save survives SIGKILL and a restart on the same database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e

STARTUP_TIMEOUT = 20.0
TJE0 = ("tje0", "Tje0")


def sochat_command() -> list[str]:
    """The installed console script next to this interpreter, else `python -m sochat`."""
    script = Path(sys.executable).parent / "sochat"
    return [str(script)] if script.exists() else [sys.executable, "-m", "sochat"]


def clean_env() -> dict[str, str]:
    """The environment without SOCHAT_ settings that could change what the server does."""
    return {name: value for name, value in os.environ.items() if not name.startswith("SOCHAT_")}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """One `sochat serve` process on a free port; stderr goes to a file so it can be shown on failure."""

    def __init__(self, database: Path, log_dir: Path, name: str) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.stderr_path = log_dir / f"{name}.stderr"
        command = [
            *sochat_command(),
            "serve",
            "--port",
            str(self.port),
            "--database",
            f"sqlite:///{database}",
            "--demo",
        ]
        with self.stderr_path.open("wb") as stderr:
            self.process = subprocess.Popen(
                command, stdout=subprocess.DEVNULL, stderr=stderr, env=clean_env(), cwd=log_dir
            )

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> None:
        """Poll GET /health/ready until it answers 200; fail with the server's stderr otherwise."""
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                pytest.fail(f"sochat serve exited with code {code} before it was ready; stderr:\n{self.stderr()}")
            try:
                with httpx.Client(trust_env=False, timeout=1.0) as probe:
                    response = probe.get(f"{self.base_url}/health/ready")
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code == 200:
                    return
                last = f"status {response.status_code}: {response.text[:200]}"
            time.sleep(0.05)
        pytest.fail(f"sochat serve was not ready within {timeout:.0f}s (last: {last}); stderr:\n{self.stderr()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, exactly like a crash or power loss of the process."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, auth=TJE0, timeout=10.0, trust_env=False)


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator:
    """Start servers on demand; every one still running at the end is killed."""
    started: list[Server] = []

    def start(database: Path, name: str) -> Server:
        server = Server(database, tmp_path, name)
        started.append(server)
        server.wait_ready()
        return server

    yield start
    for server in started:
        server.kill()


def test_save_survives_sigkill_and_restart(start_server, tmp_path, full_entity):
    """A session saved with every property set is read back identically after SIGKILL and a restart."""
    database = tmp_path / "data" / "sochat.db"
    database.parent.mkdir()
    first = start_server(database, "first")
    with first.client() as client:
        response = client.post("/api/v1/Agents/Chat/SaveChatSessionEntity", json=full_entity)
    assert response.status_code == 200, response.text
    saved = response.json()
    for name, value in saved.items():
        assert value is not None, name
    assert saved["WhenRequested"] == "2024-12-15T08:22:45.1234567+00:00"
    assert saved["User"]["UserName"] == "tje0"

    first.kill()
    assert first.process.returncode == -signal.SIGKILL

    second = start_server(database, "second")
    with second.client() as client:
        response = client.post(
            "/api/v1/Agents/Chat/GetChatSessionEntity", params={"chatSessionEntityId": saved["ChatSessionId"]}
        )
        assert response.status_code == 200, response.text
        assert response.json() == saved

        again = client.post("/api/v1/Agents/Chat/SaveChatSessionEntity", json={"ChatSessionId": 0})
        assert again.status_code == 200, again.text
        assert again.json()["ChatSessionId"] > saved["ChatSessionId"]


def test_server_answers_the_seed_request_over_http(start_server, tmp_path, seed_request):
    """The seed's sample request sent over a real socket answers 200 with JSON and a request id."""
    server = start_server(tmp_path / "seed.db", "seed")
    headers, body = seed_request
    with httpx.Client(base_url=server.base_url, timeout=10.0, trust_env=False) as client:
        response = client.post("/api/v1/Agents/Chat/SaveChatSessionEntity", content=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["x-request-id"]
    answer = response.json()
    assert answer["CustomerName"] == "Schiller, Hilpert and Labadie"
    assert answer["ChatSessionId"] not in (0, 352)
