"""Real `sochat serve` processes for tests that talk to them over loopback TCP (tests/e2e, tests/lifecycle,
tests/reliability, tests/deploy and the end-to-end tests of tests/auth and tests/locale).

Each server runs in a process group of its own and is only ever signalled through that group's id. A server that
exits or is not ready in time fails the test with its stderr, which is kept in a file beside the database.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from support.api import TJE0
from support.ports import free_port

STARTUP_TIMEOUT = 30.0
PYTHON_SOCHAT = (sys.executable, "-m", "sochat")


def installed_sochat() -> list[str]:
    """The installed console script next to this interpreter, else `python -m sochat`."""
    script = Path(sys.executable).parent / "sochat"
    return [str(script)] if script.exists() else list(PYTHON_SOCHAT)


def unprivileged() -> list[str]:
    """A command prefix that runs a server without root's power over file permissions (as root: setpriv drops
    CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the bounding set; nothing when not root)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("as root, the server needs setpriv (util-linux) to lose the right to write read-only files")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--"]


def clean_env() -> dict[str, str]:
    """The environment without SOCHAT_ settings that could change what a server or command does."""
    return {name: value for name, value in os.environ.items() if not name.startswith("SOCHAT_")}


def run_sochat(
    *args: str, cwd: Path | None = None, prefix: Sequence[str] = (), env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed `sochat` (installed_sochat) with ``args`` to its end, output captured, stdin empty;
    ``env`` defaults to clean_env()."""
    return subprocess.run(
        [*prefix, *installed_sochat(), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env() if env is None else env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        check=False,
    )


# -- the server -------------------------------------------------------------------------------------


class Server:
    """One `python -m sochat serve` on a free loopback port, in a process group of its own (so that SIGKILL
    reaches every worker of ``--workers N``); stderr is kept in a file.

    ``launcher`` is how sochat is run (the installed console script, say); ``log_level`` None leaves the
    server's own default; ``prefix`` goes before the launcher (setpriv, to run with fewer privileges)."""

    def __init__(
        self,
        database_url: str,
        directory: Path,
        *,
        name: str = "server",
        args: Sequence[str] = (),
        log_level: str | None = "warning",
        prefix: Sequence[str] = (),
        launcher: Sequence[str] = PYTHON_SOCHAT,
        port: int | None = None,
        ready_path: str = "/health/ready",
    ) -> None:
        self.database_url = database_url
        self.ready_path = ready_path  # what wait_ready polls: /health/live for a server that cannot be ready
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.stderr_path = directory / f"{name}.stderr"
        self.command = [
            *prefix,  # e.g. setpriv, to run the server with fewer privileges than the test
            *launcher,
            "serve",
            "--port",
            str(self.port),
            "--database",
            database_url,
            *(("--log-level", log_level) if log_level is not None else ()),
            *args,
        ]
        self.env = clean_env()
        self.cwd = directory
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        with self.stderr_path.open("ab") as stderr:
            self.process = subprocess.Popen(
                self.command,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,
            )
        return self

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> Server:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        with httpx.Client(trust_env=False, timeout=2.0) as probe:
            while time.monotonic() < deadline:
                code = self.process.poll()
                if code is not None:
                    raise AssertionError(f"sochat serve exited with {code} before it was ready:\n{self.stderr()}")
                try:
                    response = probe.get(f"{self.base_url}{self.ready_path}")
                except httpx.TransportError as exc:
                    last = f"{type(exc).__name__}: {exc}"
                else:
                    if response.status_code == 200:
                        return self
                    last = f"status {response.status_code}: {response.text[:200]}"
                time.sleep(0.05)
        raise AssertionError(f"sochat serve not ready within {timeout}s ({last}):\n{self.stderr()}")

    def kill(self) -> None:
        """SIGKILL the process group this server started (a crash: nothing is flushed or closed)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM the server's process group, then SIGKILL it if it does not stop within 10 s."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def client(self, connections: int = 100, timeout: float = 30.0) -> httpx.AsyncClient:
        """A keep-alive client of this server, logged in as tje0."""
        return httpx.AsyncClient(
            base_url=self.base_url,
            auth=TJE0,
            timeout=timeout,
            trust_env=False,
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        )

    def sync_client(
        self, auth: tuple[str, str] | None = TJE0, *, timeout: float = 30.0, **options: Any
    ) -> httpx.Client:
        """A blocking client of this server, logged in as ``auth`` (None: anonymous)."""
        return httpx.Client(base_url=self.base_url, auth=auth, timeout=timeout, trust_env=False, **options)


@contextmanager
def running(server: Server, timeout: float = STARTUP_TIMEOUT) -> Iterator[Server]:
    """``server`` started and ready for the block, and stopped after it whatever the block did."""
    try:
        server.start().wait_ready(timeout)
        yield server
    finally:
        server.stop()


class Servers:
    """Several servers started together and always stopped, whatever the test did."""

    def __init__(self, servers: Iterable[Server]) -> None:
        self.servers = list(servers)

    def __enter__(self) -> list[Server]:
        try:
            for server in self.servers:
                server.start()
            for server in self.servers:
                server.wait_ready()
        except BaseException:
            self.__exit__()
            raise
        return self.servers

    def __exit__(self, *exc: object) -> None:
        for server in self.servers:
            server.stop()
