"""Shared pieces of the benchmark: starting servers, driving wrk, reading a process's memory and CPU.

Every server is a real process on loopback: `sochat serve` itself, the no-op wrapper (noop_app.py) and the
FastAPI + SQLAlchemy reference (fastapi_orm.py). wrk is the load generator; its Lua script (lua/chat.lua)
builds a unique body per request and writes its summary as JSON.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
LUA = BENCH / "lua" / "chat.lua"
# The interpreter that runs the servers: this one, unless BENCH_SERVER_PYTHON names another environment's
# (with sochat installed), e.g. one that also has uvloop and httptools.
PYTHON = os.environ.get("BENCH_SERVER_PYTHON", sys.executable)

# `sochat serve` through the console script's own entry point (sochat.cli:main), spelled so that the process's
# command line does not contain "sochat serve": helpers that clean up their test servers by name must not stop
# a benchmark's server halfway through a run.
SOCHAT_MAIN = "import sys; from sochat.cli import main; sys.exit(main())"
SOCHAT = [PYTHON, "-c", SOCHAT_MAIN]

DEMO_USER, DEMO_PASSWORD = "tje0", "Tje0"
BASIC = "Basic " + base64.b64encode(f"{DEMO_USER}:{DEMO_PASSWORD}".encode()).decode()
SAVE_PATH = "/api/v1/Agents/Chat/SaveChatSessionEntity"
GET_PATH = "/api/v1/Agents/Chat/GetChatSessionEntity"
PG_BASE = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# -- databases -----------------------------------------------------------------------------------------


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"  # path is absolute, so this is sqlite:////abs/path


def pg_url(schema: str) -> str:
    return f"{PG_BASE}?schema={schema}"


def fresh_sqlite(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def fresh_pg_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def drop_pg_schema(schema: str) -> None:
    with contextlib.suppress(Exception):
        fresh_pg_schema(schema)


def postgres_available() -> str | None:
    """None when PostgreSQL answers and psycopg is installed; otherwise why not."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install -e '.[bench]')"
    try:
        with psycopg.connect(PG_BASE, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return f"PostgreSQL at {PG_BASE} does not answer: {exc}"
    return None


def migrate(database_url: str) -> None:
    """`sochat migrate`, the documented way to create the schema."""
    subprocess.run([*SOCHAT, "migrate", "--database", database_url], check=True, capture_output=True)


# -- servers -------------------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def check_alive(self) -> None:
        if not self.alive():
            raise RuntimeError(f"{self.name} server exited ({self.proc.returncode}); see {self.log_path}")

    def rss_mb(self) -> float:
        return _status_kb(self.pid, "VmRSS") / 1024

    def peak_rss_mb(self) -> float:
        """VmHWM: the most memory the process has had resident since it started."""
        return _status_kb(self.pid, "VmHWM") / 1024

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.pid)

    def stop(self) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_server(
    name: str,
    argv: Sequence[str],
    log_path: Path,
    port: int,
    *,
    ready_path: str = "/health/live",
    env: dict[str, str] | None = None,
) -> Server:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as out:
        proc = subprocess.Popen(
            list(argv), stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env={**os.environ, **(env or {})}
        )
    server = Server(name, proc, port, log_path)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        server.check_alive()
        try:
            status, _ = request(server, "GET", ready_path, timeout=2)
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"{name} did not answer {ready_path} within 90 s; see {log_path}")


def start_sochat(
    database_url: str,
    log_path: Path,
    *,
    demo: bool = True,
    extra: Sequence[str] = (),
    python: str = PYTHON,
    env: dict[str, str] | None = None,
) -> Server:
    """`sochat serve` on a free port (``env``: extra environment variables for the server process)."""
    port = free_port()
    argv = [
        python,
        "-c",
        SOCHAT_MAIN,
        "serve",
        "--port",
        str(port),
        "--database",
        database_url,
        *(["--demo"] if demo else []),
        *extra,
    ]
    return start_server("sochat", argv, log_path, port, env=env)


def start_noop(database_url: str, log_path: Path, *, python: str = PYTHON) -> Server:
    port = free_port()
    argv = [python, str(BENCH / "noop_app.py"), "--port", str(port), "--database", database_url]
    return start_server("noop", argv, log_path, port)


def start_fastapi(database_url: str, log_path: Path) -> Server:
    port = free_port()
    argv = [PYTHON, str(BENCH / "fastapi_orm.py"), "--port", str(port), "--database", database_url]
    return start_server("fastapi", argv, log_path, port, ready_path="/health")


@contextlib.contextmanager
def running(server: Server) -> Iterator[Server]:
    try:
        yield server
    finally:
        server.stop()


def request(
    server: Server,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def bearer_token(server: Server) -> str:
    body = f"grant_type=password&username={DEMO_USER}&password={DEMO_PASSWORD}".encode()
    status, answer = request(
        server, "POST", "/api/v1/oauth/token", body, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    if status != 200:
        raise RuntimeError(f"the token endpoint answered {status}: {answer[:200]!r}")
    return "Bearer " + json.loads(answer)["access_token"]


# -- the load generator ---------------------------------------------------------------------------------


@dataclass
class Load:
    """One wrk run. ``rate`` > 0 paces it (requests per second over all connections)."""

    op: str  # create | update | get | noop
    fmt: str = "json"
    auth: str = BASIC
    ids: tuple[int, int] = (1, 1)
    seconds: float = 5
    connections: int = 32
    threads: int = 1
    rate: float = 0


@dataclass
class Outcome:
    requests: int
    seconds: float
    rps: float
    errors: dict[str, int]
    latency_ms: dict[str, float]
    server_cpu: float = 0.0  # server CPU seconds per wall second (1.0 = one core busy)
    machine_busy: float = 0.0  # fraction of all cores busy during the run (everything on the machine)
    peak_rss_mb: float = 0.0  # highest RSS sampled during the run
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        return sum(self.errors.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 2),
            "rps": round(self.rps, 1),
            "errors": self.errors,
            "latency_ms": self.latency_ms,
            "server_cpu": round(self.server_cpu, 2),
            "machine_busy": round(self.machine_busy, 2),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            **self.extra,
        }


def wrk(server: Server, load: Load, out_dir: Path) -> Outcome:
    """Run wrk against ``server``; sample the server's CPU and memory meanwhile."""
    server.check_alive()
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"wrk-{os.getpid()}-{time.monotonic_ns()}.json"
    env = {
        **os.environ,
        "BENCH_OP": load.op,
        "BENCH_FORMAT": load.fmt,
        "BENCH_AUTH": load.auth,
        "BENCH_ID_LO": str(load.ids[0]),
        "BENCH_ID_HI": str(load.ids[1]),
        "BENCH_RATE": str(load.rate),
        "BENCH_THREADS": str(load.threads),
        "BENCH_OUT": str(out),
    }
    wrk_bin = shutil.which("wrk")
    if wrk_bin is None:
        raise RuntimeError("wrk is not installed (apt-get install -y wrk)")
    argv = [
        wrk_bin,
        f"-t{load.threads}",
        f"-c{load.connections}",
        f"-d{max(1, round(load.seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        server.base,
    ]
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with Sampler(server) as sampler:
        result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=load.seconds + 120)
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_cpu_seconds = (children_after.ru_utime + children_after.ru_stime) - (
        children_before.ru_utime + children_before.ru_stime
    )
    if result.returncode != 0 or not out.exists():
        raise RuntimeError(f"wrk failed ({result.returncode}): {result.stdout}\n{result.stderr}")
    data = json.loads(out.read_text())
    out.unlink()
    seconds = data["duration_us"] / 1e6
    lat = data["latency_us"]
    return Outcome(
        requests=data["requests"],
        seconds=seconds,
        rps=data["requests"] / seconds if seconds else 0.0,
        errors=data["errors"],
        latency_ms={k: round(v / 1000, 3) for k, v in lat.items()},
        server_cpu=sampler.server_cpu,
        machine_busy=sampler.machine_busy,
        peak_rss_mb=sampler.peak_rss_mb,
        extra={
            "bytes_per_response": round(data["bytes"] / max(1, data["requests"])),
            "wrk_cpu": round(wrk_cpu_seconds / max(sampler.wall, 1e-9), 2),
            # Cores busy with anything but this server and wrk (PostgreSQL's backends count here, and so do
            # other people's processes): the interference a run had.
            "other_cpu": round(
                max(
                    0.0,
                    sampler.machine_busy * (os.cpu_count() or 1)
                    - sampler.server_cpu
                    - wrk_cpu_seconds / max(sampler.wall, 1e-9),
                ),
                2,
            ),
        },
    )


# -- process and machine readings ------------------------------------------------------------------------


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def process_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies over all cores since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])
    return total - idle, total


class Sampler:
    """While open: the peak RSS of a server (sampled every 0.1 s), its CPU use and the machine's."""

    def __init__(self, server: Server, every: float = 0.1) -> None:
        self._server = server
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.peak_rss_mb = 0.0
        self.server_cpu = 0.0
        self.machine_busy = 0.0
        self.wall = 0.0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_rss_mb = max(self.peak_rss_mb, self._server.rss_mb())
            self._stop.wait(self._every)

    def __enter__(self) -> Sampler:
        self._t0 = time.monotonic()
        self._cpu0 = self._server.cpu_seconds()
        self._m0 = machine_cpu()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        wall = time.monotonic() - self._t0
        self.wall = wall
        self.server_cpu = (self._server.cpu_seconds() - self._cpu0) / wall if wall else 0.0
        busy1, total1 = machine_cpu()
        total = total1 - self._m0[1]
        self.machine_busy = (busy1 - self._m0[0]) / total if total else 0.0


def machine_state(seconds: float = 3.0) -> dict[str, Any]:
    """Load average and how busy the cores are right now (before our own load starts)."""
    busy0, total0 = machine_cpu()
    time.sleep(seconds)
    busy1, total1 = machine_cpu()
    load1, load5, load15 = os.getloadavg()
    top = subprocess.run(
        ["ps", "-eo", "pcpu,comm", "--sort=-pcpu", "--no-headers"], capture_output=True, text=True, check=False
    ).stdout.splitlines()[:5]
    return {
        "loadavg": [round(load1, 2), round(load5, 2), round(load15, 2)],
        "cores": os.cpu_count(),
        "busy_fraction": round((busy1 - busy0) / max(1, total1 - total0), 3),
        "top_processes": [line.strip() for line in top],
        "time": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }
