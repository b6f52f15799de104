"""sochat's benchmark: one command starts the servers, runs every scenario, prints a table and writes JSON.

    python bench/run.py --quick     # a few minutes: short runs, growth to 1M rows on SQLite, 100k saves for memory
    python bench/run.py             # full: longer runs, growth to 5M rows on SQLite and PostgreSQL, 1M saves

Results: bench/results/latest.json (also latest-quick.json or latest-full.json) and latest.md, the tables as
BENCHMARKS.md shows them. Profiles of the save path: bench/profiles/. `--only PHASE[,PHASE]` runs some phases
(matrix, references, growth, memory, profiles, auth, rerun) and writes bench/results/partial.json instead.

Load: wrk over loopback (bench/lua/chat.lua builds a unique body for every request), against real server
processes: `sochat serve`, the no-op wrapper (noop_app.py) and the FastAPI + SQLAlchemy reference
(fastapi_orm.py). Needs wrk (apt-get install -y wrk), py-spy, and for PostgreSQL a server at
127.0.0.1:5432 (override with BENCH_POSTGRES=postgresql://...); `pip install -e '.[bench]'` installs the rest.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import sqlite3
import statistics
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import auth_timing
import dbwork
import profiling
from common import (
    BASIC,
    BENCH,
    GET_PATH,
    SAVE_PATH,
    Load,
    Outcome,
    Server,
    bearer_token,
    drop_pg_schema,
    fresh_pg_schema,
    fresh_sqlite,
    log,
    machine_state,
    migrate,
    pg_url,
    postgres_available,
    request,
    running,
    sqlite_url,
    start_fastapi,
    start_noop,
    start_sochat,
    wrk,
)

RESULTS = BENCH / "results"
PROFILES = BENCH / "profiles"
CONNECTIONS = 32  # wrk connections for every closed-loop and paced run
SEED_ROWS = 10_000  # sessions stored before the matrix, so updates and gets have rows to pick from
OPS = ("create", "update", "get")
PHASES = ("matrix", "references", "growth", "memory", "profiles", "auth", "rerun")


@dataclass(frozen=True)
class Mode:
    name: str
    seconds: float  # each measured closed-loop run
    warm: float  # an unmeasured run of the same load before each measured one
    paced_seconds: float  # each run at half of peak
    paced_repeats: int  # paced runs are repeated; tables show the median of each percentile
    raw_seconds: float  # each raw-database loop
    growth_sizes: tuple[int, ...]
    growth_backends: tuple[str, ...]
    growth_seconds: float
    growth_closed_loop: bool  # also the peak throughput at each size
    memory_saves: int
    memory_chunk_seconds: float
    auth_samples: int
    profile_seconds: float


MODES = {
    "quick": Mode(
        name="quick",
        seconds=2,
        warm=1,
        paced_seconds=3,
        paced_repeats=1,
        raw_seconds=2,
        growth_sizes=(10_000, 1_000_000),
        growth_backends=("sqlite",),
        growth_seconds=3,
        growth_closed_loop=False,
        memory_saves=100_000,
        memory_chunk_seconds=5,
        auth_samples=30,
        profile_seconds=5,
    ),
    "full": Mode(
        name="full",
        seconds=10,
        warm=2,
        paced_seconds=10,
        paced_repeats=3,
        raw_seconds=5,
        growth_sizes=(10_000, 1_000_000, 5_000_000),
        growth_backends=("sqlite", "postgresql"),
        growth_seconds=10,
        growth_closed_loop=True,
        memory_saves=1_000_000,
        memory_chunk_seconds=15,
        auth_samples=200,
        profile_seconds=12,
    ),
}


# -- databases under test -------------------------------------------------------------------------------


@dataclass
class Backend:
    """One database for one phase: an SQLite file in the work folder or a PostgreSQL schema."""

    name: str  # sqlite | postgresql
    url: str
    path: Path | None = None
    schema: str | None = None

    def fresh(self) -> None:
        if self.path is not None:
            fresh_sqlite(self.path)
        else:
            assert self.schema is not None
            fresh_pg_schema(self.schema)

    def drop(self) -> None:
        if self.path is not None:
            fresh_sqlite(self.path)
        elif self.schema is not None:
            drop_pg_schema(self.schema)

    def count(self) -> int:
        return dbwork.sqlite_count(self.path) if self.path is not None else dbwork.pg_count(self.url)

    def id_range(self) -> tuple[int, int]:
        return dbwork.sqlite_id_range(self.path) if self.path is not None else dbwork.pg_id_range(self.url)

    def grow(self, total: int, *, offline: bool) -> int:
        if self.path is not None:
            return dbwork.sqlite_grow(self.path, total, offline=offline)
        return dbwork.pg_grow(self.url, total)


def backend(name: str, work: Path, tag: str) -> Backend:
    if name == "sqlite":
        path = work / f"{tag}.db"
        return Backend(name, sqlite_url(path), path=path)
    schema = f"sochat_bench_{tag}"
    return Backend(name, pg_url(schema), schema=schema)


# -- a run's context ------------------------------------------------------------------------------------


class Run:
    def __init__(self, mode: Mode, work: Path, backends: tuple[str, ...]) -> None:
        self.mode = mode
        self.work = work
        self.tmp = work / "tmp"
        self.backends = backends
        self.results: dict[str, Any] = {}

    def logfile(self, name: str) -> Path:
        return self.work / "logs" / f"{name}.log"

    def load(self, op: str, **kwargs: Any) -> Load:
        kwargs.setdefault("seconds", self.mode.seconds)
        kwargs.setdefault("connections", CONNECTIONS)
        return Load(op, **kwargs)

    def warm(self, server: Server, load: Load) -> None:
        """An unmeasured run of the same load (caches, connections, the allocator) before the measured one."""
        if self.mode.warm > 0:
            wrk(server, Load(**{**asdict(load), "seconds": self.mode.warm}), self.tmp)

    def repeated(self, server: Server, load: Load, name: str) -> dict[str, Any]:
        """``paced_repeats`` runs of a paced load, one after the other: the median of each percentile (and of the
        rate), and every run as measured. One run's p99 on a shared 2-core machine is mostly about its neighbours."""
        runs = [
            scenario_row(f"{name} (run {i + 1})", wrk(server, load, self.tmp)) for i in range(self.mode.paced_repeats)
        ]
        latency = {q: round(statistics.median(r["latency_ms"][q] for r in runs), 3) for q in runs[0]["latency_ms"]}
        return {
            "scenario": name,
            "rps": round(statistics.median(r["rps"] for r in runs), 1),
            "latency_ms": latency,
            "errors": {k: sum(r["errors"][k] for r in runs) for k in runs[0]["errors"]},
            "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
            "server_cpu": round(statistics.median(r["server_cpu"] for r in runs), 2),
            "other_cpu": round(statistics.median(r.get("other_cpu", 0.0) for r in runs), 2),
            "runs": [{"rps": r["rps"], "latency_ms": r["latency_ms"], "other_cpu": r.get("other_cpu")} for r in runs],
        }

    def measure(self, server: Server, load: Load, *, warm: bool = True) -> Outcome:
        if warm:
            self.warm(server, load)
        outcome = wrk(server, load, self.tmp)
        if outcome.requests == 0:  # nothing answered in the whole run: say so, wait, and try once more
            log(f"no request of {load.op} was answered in {load.seconds} s; trying again in 10 s")
            time.sleep(10)
            outcome = wrk(server, load, self.tmp)
            outcome.extra["retried"] = True
        return outcome


def prime(server: Server) -> None:
    """One authenticated request, so the verified-credentials cache holds the demo user before the load.

    Without it 32 connections arrive at once with a password the server has not verified yet, and each
    runs argon2 (about 0.1 s of CPU) before the cache fills."""
    status, body = request(
        server, "POST", "/api/v1/Agents/Chat/GetChatSessionEntity?chatSessionEntityId=1", b"", {"Authorization": BASIC}
    )
    if status != 200:
        raise RuntimeError(f"priming request answered {status}: {body[:200]!r}")


def scenario_row(name: str, outcome: Outcome, **labels: Any) -> dict[str, Any]:
    row = {"scenario": name, **labels, **outcome.as_dict()}
    # A login storm is answered 401 on purpose; wrk counts those as status errors.
    errors = outcome.failed - (outcome.errors.get("status", 0) if labels.get("op") == "login" else 0)
    log(
        f"{name:<40} {outcome.rps:8.0f} req/s  p50 {outcome.latency_ms['p50']:7.2f} ms  "
        f"p99 {outcome.latency_ms['p99']:7.2f} ms  cpu {outcome.server_cpu:4.2f}  "
        f"rss {outcome.peak_rss_mb:5.1f} MB  other cpu {outcome.extra.get('other_cpu', 0):4.2f}"
        f"{f'  ERRORS {errors}' if errors else ''}"
    )
    return row


# -- phases ---------------------------------------------------------------------------------------------


def phase_matrix(run: Run, name: str) -> dict[str, Any]:
    """Every scenario against one `sochat serve` on a fresh database with 10,000 stored sessions; then the
    latency at half of each operation's peak throughput, and profiles of the save."""
    db = backend(name, run.work, "matrix")
    db.fresh()
    server = start_sochat(db.url, run.logfile(f"matrix-{name}"))
    rows: list[dict[str, Any]] = []
    with running(server):
        db.grow(SEED_ROWS, offline=False)
        ids = db.id_range()
        prime(server)
        auths = {"basic": BASIC, "bearer": bearer_token(server)}
        for auth_name, auth in auths.items():
            for fmt in ("json", "xml"):
                for op in OPS:
                    load = run.load(op, fmt=fmt, auth=auth, ids=ids)
                    run.warm(server, load)
                    time.sleep(0.5)  # requests still in flight when wrk stopped finish before the count
                    before = db.count()
                    outcome = wrk(server, load, run.tmp)
                    time.sleep(0.5)
                    added = db.count() - before
                    check = (
                        outcome.requests <= added <= outcome.requests + CONNECTIONS * 2
                        if op == "create"
                        else added == 0
                    )
                    outcome.extra.update({"rows_added": added, "rows_check": "ok" if check else "MISMATCH"})
                    rows.append(
                        scenario_row(
                            f"{name} {op} {fmt} {auth_name}", outcome, backend=name, op=op, fmt=fmt, auth=auth_name
                        )
                    )
        peak_rss = server.peak_rss_mb()
        peaks = {r["op"]: r["rps"] for r in rows if r["fmt"] == "json" and r["auth"] == "basic"}
        if name == "sqlite":
            run.results["_half_create"] = round(peaks["create"] / 2)
        half: list[dict[str, Any]] = []
        for op in OPS:
            target = round(peaks[op] / 2)
            load = run.load(op, ids=ids, rate=target, seconds=run.mode.paced_seconds)
            row = run.repeated(server, load, f"{name} {op} json basic @ {target}/s")
            half.append({**row, "backend": name, "op": op, "target_rps": target})
        peak_rss = max(peak_rss, server.peak_rss_mb())
        # Logins that miss the cache: every request a new, unknown user name, so every one runs argon2.
        storm = wrk(server, run.load("login", seconds=max(5, run.mode.seconds)), run.tmp)
        unexpected = storm.failed - storm.errors.get("status", 0)
        storm.extra.update({"unexpected_errors": unexpected, "server_vmhwm_mb": round(server.peak_rss_mb(), 1)})
        login = scenario_row(f"{name} login storm (argon2 every request)", storm, backend=name, op="login")
    # The same save with two worker processes (`--workers 2`) on the same database: what a second core buys.
    with running(
        start_sochat(db.url, run.logfile(f"matrix-{name}-workers2"), demo=False, extra=["--workers", "2"])
    ) as s2:
        prime(s2)
        workers2 = scenario_row(
            f"{name} create json basic, --workers 2", run.measure(s2, run.load("create", ids=ids)), workers=2
        )
    db.drop()
    sampled = max(r["peak_rss_mb"] for r in rows + half)
    return {
        "scenarios": rows,
        "half_peak": half,
        "workers2_create": workers2,
        "login_storm": login,
        "peak_rss_sampled_mb": round(sampled, 1),
        "server_vmhwm_mb": round(peak_rss, 1),
    }


# Where the save's time goes. Each sample belongs to the innermost frame that matches (profiling.grouped).
PROFILE_GROUPS = {
    "thread hand-offs (executor submit, futures, wake-ups, locks)": (
        "concurrent/futures",
        "run_in_executor",
        "wrap_future",
        "_chain_future",
        "call_soon_threadsafe",
        "_write_to_self",
        "_read_from_self",
        "_Writer.submit",
        "(threading.py",
        "(queue.py",
    ),
    "store: SQL and rows (writer and reader threads)": ("store/", "psycopg"),
    "auth: Basic, user row, cache, lockout check": (
        "http/auth.py",
        "agents/authentication.py",
        "agents/lockout.py",
        "security/",
        "ipaddress.py",
        "base64.py",
    ),
    "request body to ChatSession (decode, validate)": (
        "session_from_body",
        "chat_session_from_wire",
        "decode_body",
        "decode (sochat/http/codecs",
    ),
    "answer: entity, FieldProperties, encode": (
        "answer_session",
        "http/render.py",
        "encode_answer",
        "Context.answer",
        "validator_headers",
        "encode (sochat/http/codecs",
        "sochat/http/codecs/xml.py",
    ),
    "access log and metrics": ("logging/", "sochat/logs.py", "observability.py", "prometheus_client"),
    "agent: rights, links": ("agents/sessions.py", "domain/rights.py"),
    "asyncio event loop": ("asyncio/", "selectors.py"),
    "HTTP: uvicorn and h11": ("h11/", "uvicorn/"),
    "sochat app: dispatch, headers, locale, request id": ("sochat/",),
}
PROFILE_FALLBACK = ("asyncio event loop", "HTTP: uvicorn and h11", "sochat app: dispatch, headers, locale, request id")


def phase_profiles(run: Run, name: str) -> dict[str, Any]:
    """py-spy recordings of one server taking creates (all threads, and the GIL holder only)."""
    if profiling.py_spy() is None:
        return {"skipped": "py-spy is not installed"}
    db = backend(name, run.work, "profile")
    db.fresh()
    server = start_sochat(db.url, run.logfile(f"profile-{name}"))
    with running(server):
        db.grow(SEED_ROWS, offline=False)
        prime(server)
        found = _profile_saves(run, server, name, db.id_range())
    db.drop()
    return found


def _profile_saves(run: Run, server: Server, name: str, ids: tuple[int, int]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for fmt in ("json", "xml") if name == "sqlite" else ("json",):
        label = f"save-create-{fmt}-basic-{name}"
        load = run.load("create", fmt=fmt, ids=ids, seconds=run.mode.profile_seconds)
        wrk(server, Load(**{**asdict(load), "seconds": 1}), run.tmp)
        path, outcome = profiling.record(server, load, PROFILES, label, run.tmp)
        gil_path, _ = profiling.record(server, load, PROFILES, label, run.tmp, gil=True)
        found[label] = {
            "all_threads": str(path.relative_to(BENCH.parent)),
            "gil": str(gil_path.relative_to(BENCH.parent)),
            "rps_while_profiled": round(outcome.rps, 1),
            "gil_share_by_part": profiling.grouped(gil_path, PROFILE_GROUPS, PROFILE_FALLBACK),
            "all_threads_share_by_part": profiling.grouped(path, PROFILE_GROUPS, PROFILE_FALLBACK),
        }
        log(f"profile {label}: {path.name}, {gil_path.name}")
    return found


def phase_references(run: Run) -> dict[str, Any]:
    refs: dict[str, Any] = {}
    # (a) the no-op route on sochat's stack
    db = backend("sqlite", run.work, "noop")
    db.fresh()
    with running(start_noop(db.url, run.logfile("noop"))) as server:
        refs["noop"] = scenario_row("no-op route (same stack)", run.measure(server, run.load("noop", auth="")))
    db.drop()
    # (b) the raw database, one commit per row
    raw: dict[str, Any] = {}
    for name in run.backends:
        db = backend(name, run.work, "raw")
        db.fresh()
        migrate(db.url)
        db.grow(SEED_ROWS, offline=True)
        ids = db.id_range()
        if name == "sqlite":
            assert db.path is not None
            raw["sqlite_insert"] = dbwork.sqlite_loop(db.path, run.mode.raw_seconds, op="insert")
            raw["sqlite_update"] = dbwork.sqlite_loop(db.path, run.mode.raw_seconds, op="update", ids=ids)
            raw["sqlite_insert_128_per_commit"] = dbwork.sqlite_loop(
                db.path, run.mode.raw_seconds, op="insert", per_commit=128
            )
        else:
            raw["postgresql_insert"] = dbwork.pg_loop(db.url, run.mode.raw_seconds, op="insert")
            raw["postgresql_update"] = dbwork.pg_loop(db.url, run.mode.raw_seconds, op="update", ids=ids)
        db.drop()
    refs["raw"] = {key: round(value, 1) for key, value in raw.items()}
    log("raw database rows/s: " + ", ".join(f"{k} {v:.0f}" for k, v in refs["raw"].items()))
    # (c) FastAPI + SQLAlchemy ORM
    for name in run.backends:
        db = backend(name, run.work, "orm")
        db.fresh()
        migrate(db.url)
        with running(start_fastapi(db.url, run.logfile(f"fastapi-{name}"))) as server:
            before = db.count()
            outcome = run.measure(server, run.load("create"))
            outcome.extra["rows_added"] = db.count() - before
            refs[f"fastapi_{name}"] = scenario_row(f"FastAPI+ORM create json ({name})", outcome)
        db.drop()
    refs["group_commit"] = group_commit(run)
    refs["store_calls_per_request"] = store_calls(run)
    return refs


def store_calls(run: Run, samples: int = 100) -> dict[str, Any]:
    """Store calls per request, from the server's own /metrics (sochat_database_seconds_count by operation):
    each call is a hop from the event loop to a database thread and back."""
    db = backend("sqlite", run.work, "calls")
    db.fresh()
    body = json.dumps({"ChatSessionId": 0, "TopicId": 1, "CustomerName": "Ada", "Status": "InQueue"}).encode()
    found: dict[str, Any] = {}
    with running(start_sochat(db.url, run.logfile("calls"))) as server:
        prime(server)
        auths = {"basic": BASIC, "bearer": bearer_token(server)}
        for auth_name, auth in auths.items():
            for op in ("create", "get"):
                before = _store_counts(server)
                for _ in range(samples):
                    if op == "create":
                        headers = {"Authorization": auth, "Content-Type": "application/json"}
                        status, _ = request(server, "POST", SAVE_PATH, body, headers)
                    else:
                        status, _ = request(
                            server, "POST", f"{GET_PATH}?chatSessionEntityId=1", b"", {"Authorization": auth}
                        )
                    if status != 200:
                        raise RuntimeError(f"{op} with {auth_name} answered {status}")
                after = _store_counts(server)
                found[f"{op} {auth_name}"] = {
                    operation: round((after[operation] - before.get(operation, 0.0)) / samples, 2)
                    for operation in after
                    # count_chat_sessions_by_status is the /metrics scrape itself
                    if after[operation] - before.get(operation, 0.0) > 0
                    and operation != "count_chat_sessions_by_status"
                }
    db.drop()
    log("store calls per request: " + json.dumps(found))
    return found


def _store_counts(server: Server) -> dict[str, float]:
    status, text = request(server, "GET", "/metrics")
    if status != 200:
        raise RuntimeError(f"/metrics answered {status}")
    counts: dict[str, float] = {}
    for line in text.decode().splitlines():
        if line.startswith("sochat_database_seconds_count{"):
            labels, value = line.rsplit(" ", 1)
            counts[labels.split('operation="', 1)[1].split('"', 1)[0]] = float(value)
    return counts


def group_commit(run: Run) -> dict[str, Any]:
    """Saves per disk sync while wrk creates. `sochat serve` runs with native/fsync_counter.c preloaded, which
    counts its fdatasync/fsync calls in a shared file at the cost of one atomic add each; in WAL mode with
    synchronous=FULL each commit is one fdatasync of the WAL (checkpoints add a few). More than one save per
    sync means several requests' writes went into one commit."""
    gcc = shutil.which("gcc")
    if gcc is None:
        return {"skipped": "gcc is not installed, so the fsync counter cannot be built"}
    library = run.work / "fsync_counter.so"
    subprocess.run(
        [gcc, "-O2", "-shared", "-fPIC", "-o", str(library), str(BENCH / "native" / "fsync_counter.c"), "-ldl"],
        check=True,
    )
    counter = run.work / "fsync_counter.bin"
    counter.unlink(missing_ok=True)
    db = backend("sqlite", run.work, "groupcommit")
    db.fresh()
    env = {"LD_PRELOAD": str(library), "FSYNC_COUNTER_FILE": str(counter)}
    found: dict[str, Any] = {}
    with running(start_sochat(db.url, run.logfile("groupcommit"), env=env)) as server:
        prime(server)
        for label, rate in (("closed loop", 0.0), ("half of peak", run.results.get("_half_create", 0.0))):
            if label == "half of peak" and not rate:
                continue
            load = run.load("create", rate=rate)
            run.warm(server, load)
            time.sleep(0.5)
            before = sum(struct.unpack("<QQ", counter.read_bytes()))
            outcome = wrk(server, load, run.tmp)
            time.sleep(0.5)  # the requests still in flight when wrk stopped
            syncs = sum(struct.unpack("<QQ", counter.read_bytes())) - before
            found[label] = {
                "requests": outcome.requests,
                "rps": round(outcome.rps, 1),
                "syncs": syncs,
                "saves_per_sync": round(outcome.requests / max(1, syncs), 2),
            }
            log(f"group commit, {label}: {outcome.requests} creates ({outcome.rps:.0f}/s), {syncs} disk syncs")
    db.drop()
    return found


def phase_growth(run: Run, name: str, rates: dict[str, float]) -> dict[str, Any]:
    """Latency at a fixed request rate with 10k, 1M (and 5M) stored sessions; rows generated in SQL."""
    db = backend(name, run.work, "growth")
    db.fresh()
    with running(start_sochat(db.url, run.logfile(f"growth-{name}-demo"))):
        pass  # migrated, demo users and topics loaded
    steps: list[dict[str, Any]] = []
    for size in run.mode.growth_sizes:
        started = time.monotonic()
        added = db.grow(size, offline=True)
        os.sync()  # write the loaded pages back now, not while the next measurement runs
        seeded = time.monotonic() - started
        log(f"growth {name}: {size:,} rows ({added:,} generated in {seeded:.0f} s)")
        server = start_sochat(db.url, run.logfile(f"growth-{name}-{size}"), demo=False)
        with running(server):
            ids = db.id_range()
            prime(server)
            started = time.perf_counter()
            request(server, "GET", "/metrics")
            scrape_ms = round((time.perf_counter() - started) * 1000, 1)
            log(f"growth {name}: GET /metrics (counts sessions by status) took {scrape_ms} ms at {size:,} rows")
            for op in ("get", "update", "create"):  # create last: it adds rows
                load = run.load(op, ids=ids, rate=rates[op], seconds=run.mode.growth_seconds)
                run.warm(server, load)
                step = run.repeated(server, load, f"{name} {size:,} rows {op} @ {rates[op]:.0f}/s")
                step.update({"size": size, "op": op})
                step["seed_seconds"] = round(seeded, 1)
                step["metrics_scrape_ms"] = scrape_ms
                if run.mode.growth_closed_loop:
                    peak = run.measure(server, run.load(op, ids=ids, seconds=run.mode.growth_seconds), warm=False)
                    step["closed_loop"] = scenario_row(f"{name} {size:,} rows {op} closed loop", peak)
                steps.append(step)
    db.drop()
    first, last = run.mode.growth_sizes[0], run.mode.growth_sizes[-1]
    ratios: dict[str, Any] = {}
    for op in OPS:
        low = next(s for s in steps if s["size"] == first and s["op"] == op)
        high = next(s for s in steps if s["size"] == last and s["op"] == op)
        ratios[op] = {
            q: round(high["latency_ms"][q] / max(low["latency_ms"][q], 1e-6), 2) for q in ("p50", "p90", "p99")
        }
    return {"rates": rates, "steps": steps, "ratio_sizes": [first, last], "latency_ratio": ratios}


def phase_memory(run: Run) -> dict[str, Any]:
    """RSS of one server while it takes memory_saves saves (creates and updates in turn)."""
    db = backend("sqlite", run.work, "memory")
    db.fresh()
    server = start_sochat(db.url, run.logfile("memory"))
    target = run.mode.memory_saves
    timeline: list[dict[str, Any]] = []
    with running(server):
        db.grow(SEED_ROWS, offline=False)
        ids = db.id_range()
        prime(server)
        timeline.append({"saves": 0, "rss_mb": round(server.rss_mb(), 1)})
        saves = 0
        chunk = 0
        while saves < target:
            op = ("create", "update")[chunk % 2]
            outcome = wrk(server, run.load(op, ids=ids, seconds=run.mode.memory_chunk_seconds), run.tmp)
            saves += outcome.requests
            chunk += 1
            timeline.append(
                {
                    "saves": saves,
                    "rss_mb": round(server.rss_mb(), 1),
                    "peak_during_mb": round(outcome.peak_rss_mb, 1),
                    "op": op,
                    "rps": round(outcome.rps),
                    "errors": outcome.failed,
                }
            )
            if chunk % 10 == 0:
                log(f"memory: {saves:,} saves, RSS {server.rss_mb():.1f} MB")
        peak = server.peak_rss_mb()
    db.drop()
    baseline = next(p for p in timeline if p["saves"] >= target // 10)
    end = timeline[-1]
    growth = end["rss_mb"] - baseline["rss_mb"]
    allowed = max(5.0, 0.05 * baseline["rss_mb"])
    log(f"memory: {saves:,} saves; RSS {baseline['rss_mb']} MB at {baseline['saves']:,}, {end['rss_mb']} MB at end")
    return {
        "saves": saves,
        "target_saves": target,
        "peak_rss_mb": round(peak, 1),
        "baseline": baseline,
        "end": end,
        "growth_mb": round(growth, 1),
        "flat": growth <= allowed,
        "flat_rule": f"RSS at the end no more than {allowed:.1f} MB above RSS after the first 10% of the saves",
        "timeline": timeline,
    }


def key_ratios(run: Run) -> dict[str, Any]:
    """The save against its references again, in alternating rounds (save, no-op, FastAPI, raw; again ...) with
    all three servers up at once, so that whatever else the machine is doing hits each alike; medians."""
    rounds = 3 if run.mode.name == "full" else 1
    dbs = {name: backend("sqlite", run.work, f"rerun-{name}") for name in ("sochat", "noop", "orm", "raw")}
    for db in dbs.values():
        db.fresh()
    for name in ("orm", "raw"):
        migrate(dbs[name].url)
    samples: dict[str, list[float]] = {"save": [], "noop": [], "fastapi": [], "raw": []}
    with (
        running(start_sochat(dbs["sochat"].url, run.logfile("rerun-sochat"))) as sochat,
        running(start_noop(dbs["noop"].url, run.logfile("rerun-noop"))) as noop,
        running(start_fastapi(dbs["orm"].url, run.logfile("rerun-fastapi"))) as orm,
    ):
        prime(sochat)
        for _ in range(rounds):
            samples["save"].append(run.measure(sochat, run.load("create")).rps)
            samples["noop"].append(run.measure(noop, run.load("noop", auth="")).rps)
            samples["fastapi"].append(run.measure(orm, run.load("create")).rps)
            path = dbs["raw"].path
            assert path is not None
            samples["raw"].append(dbwork.sqlite_loop(path, run.mode.raw_seconds, op="insert"))
    for db in dbs.values():
        db.drop()
    med = {key: max(statistics.median(values), 1e-9) for key, values in samples.items()}
    result = {
        "rounds": rounds,
        "samples": {key: [round(v, 1) for v in values] for key, values in samples.items()},
        "save_rps": round(med["save"], 1),
        "noop_rps": round(med["noop"], 1),
        "fastapi_rps": round(med["fastapi"], 1),
        "raw_sqlite_insert": round(med["raw"], 1),
        "save_over_noop": round(med["save"] / med["noop"], 3),
        "save_over_fastapi": round(med["save"] / med["fastapi"], 2),
        "save_over_raw": round(med["save"] / med["raw"], 3),
    }
    log("key ratios again: " + json.dumps(result))
    return result


# -- targets --------------------------------------------------------------------------------------------


def _find(rows: list[dict[str, Any]], **labels: Any) -> dict[str, Any] | None:
    return next((r for r in rows if all(r.get(k) == v for k, v in labels.items())), None)


def evaluate(results: dict[str, Any]) -> list[dict[str, Any]]:
    targets: list[dict[str, Any]] = []

    def ratio_of(a: float, b: float) -> float:
        return a / b if b else float("inf")

    def add(name: str, value: float | None, goal: str, met: bool | None, note: str = "") -> None:
        targets.append({"target": name, "value": value, "goal": goal, "met": met, "note": note})

    matrix = results.get("matrix", {})
    refs = results.get("references", {})
    for name, m in matrix.items():
        save = _find(m["scenarios"], op="create", fmt="json", auth="basic")
        update = _find(m["scenarios"], op="update", fmt="json", auth="basic")
        if save and "noop" in refs:
            ratio = ratio_of(save["rps"], refs["noop"]["rps"])
            add(f"{name}: save / no-op route", round(ratio, 3), ">= 0.5", ratio >= 0.5)
        if save and f"fastapi_{name}" in refs:
            ratio = ratio_of(save["rps"], refs[f"fastapi_{name}"]["rps"])
            add(f"{name}: save / FastAPI+ORM save", round(ratio, 2), ">= 3", ratio >= 3)
        raw = refs.get("raw", {})
        if name == "sqlite" and save and "sqlite_insert" in raw:
            ratio = ratio_of(save["rps"], raw["sqlite_insert"])
            add("sqlite: durable creates/s / raw single-commit inserts/s", round(ratio, 3), ">= 1", ratio >= 1)
        if name == "sqlite" and update and "sqlite_update" in raw:
            ratio = ratio_of(update["rps"], raw["sqlite_update"])
            add("sqlite: durable updates/s / raw single-commit updates/s", round(ratio, 3), ">= 1", ratio >= 1)
        for row in m["half_peak"]:
            limit = 5.0 if row["op"] == "get" else 10.0
            p99 = row["latency_ms"]["p99"]
            add(
                f"{name}: {row['op']} p99 at half of peak ({row['target_rps']}/s)",
                p99,
                f"< {limit:g} ms",
                p99 < limit,
                f"achieved {row['rps']:.0f}/s",
            )
    for name, g in results.get("growth", {}).items():
        low, high = g["ratio_sizes"]
        for op, ratio in g["latency_ratio"].items():
            worst = max(ratio["p50"], ratio["p99"])
            add(
                f"{name}: {op} latency at {high:,} rows / at {low:,} rows (p50, p99)",
                worst,
                "<= 1.2",
                worst <= 1.2,
                f"p50 x{ratio['p50']}, p99 x{ratio['p99']}" + ("" if high >= 5_000_000 else " (quick mode: not 5M)"),
            )
    peaks = [m["peak_rss_sampled_mb"] for m in matrix.values()]
    if "memory" in results:
        peaks.append(max(p.get("peak_during_mb", 0.0) for p in results["memory"]["timeline"]))
    if peaks:
        hwm = max(m["server_vmhwm_mb"] for m in matrix.values()) if matrix else None
        add(
            "server peak RSS under load (saves and gets, sampled every 0.1 s)",
            max(peaks),
            "< 150 MB",
            max(peaks) < 150,
            "" if hwm is None else f"VmHWM over the whole matrix, start-up included: {hwm} MB",
        )
    for name, m in matrix.items():
        storm = m["login_storm"]
        # VmHWM after the storm: the most the process ever held, which the storm decides when it is above the
        # start-up peak; the 0.1 s samples can miss a short peak.
        peak = max(storm["peak_rss_mb"], storm.get("server_vmhwm_mb", 0.0))
        add(
            f"{name}: peak RSS in a login storm (argon2 on every request)",
            peak,
            "< 150 MB",
            peak < 150,
            f"{storm['rps']:.0f} logins/s, p50 {storm['latency_ms']['p50']:.0f} ms; "
            f"sampled peak {storm['peak_rss_mb']} MB, VmHWM {storm.get('server_vmhwm_mb')} MB",
        )
    if "memory" in results:
        mem = results["memory"]
        add(
            f"RSS flat after {mem['saves']:,} saves",
            mem["growth_mb"],
            "flat (growth MB)",
            mem["flat"],
            f"{mem['baseline']['rss_mb']} MB at {mem['baseline']['saves']:,} saves -> {mem['end']['rss_mb']} MB",
        )
    return targets


# -- tables ---------------------------------------------------------------------------------------------


def tables(results: dict[str, Any]) -> str:
    out: list[str] = []

    def table(header: list[str], rows: list[list[Any]]) -> None:
        out.append("| " + " | ".join(header) + " |")
        out.append("|" + "|".join("---" for _ in header) + "|")
        out.extend("| " + " | ".join(str(c) for c in row) + " |" for row in rows)
        out.append("")

    def ms(row: dict[str, Any], q: str) -> str:
        return f"{row['latency_ms'][q]:.2f}"

    for name, m in results.get("matrix", {}).items():
        out.append(f"### {name}: closed loop, {CONNECTIONS} connections, {SEED_ROWS:,} stored sessions")
        out.append("")
        table(
            ["op", "body", "auth", "req/s", "p50 ms", "p99 ms", "server CPU", "other CPU", "errors", "rows check"],
            [
                [
                    r["op"],
                    r["fmt"],
                    r["auth"],
                    f"{r['rps']:.0f}",
                    ms(r, "p50"),
                    ms(r, "p99"),
                    f"{r['server_cpu']:.2f}",
                    f"{r.get('other_cpu', 0):.2f}",
                    sum(r["errors"].values()),
                    r["rows_check"],
                ]
                for r in m["scenarios"]
            ],
        )
        storm = m["login_storm"]
        out.append(
            f"{name}: login storm (new unknown user every request, argon2 each): {storm['rps']:.0f} req/s, "
            f"p50 {storm['latency_ms']['p50']:.0f} ms, peak RSS {storm['peak_rss_mb']:.0f} MB; "
            f"peak RSS sampled in the scenarios above {m['peak_rss_sampled_mb']} MB "
            f"(VmHWM {m['server_vmhwm_mb']} MB, start-up included)"
        )
        out.append("")
        w2 = m.get("workers2_create")
        if w2:
            out.append(
                f"{name}: create, JSON, Basic with `--workers 2`: {w2['rps']:.0f} req/s, "
                f"p50 {w2['latency_ms']['p50']:.1f} ms, p99 {w2['latency_ms']['p99']:.1f} ms "
                "(one worker: the first row above)"
            )
            out.append("")
        out.append(f"{name}: latency at half of peak (JSON, Basic, paced)")
        out.append("")
        table(
            [
                "op",
                "target req/s",
                "achieved",
                "p50 ms",
                "p90 ms",
                "p99 ms",
                "p99.9 ms",
                "p99 of each run",
                "other CPU",
            ],
            [
                [
                    r["op"],
                    r["target_rps"],
                    f"{r['rps']:.0f}",
                    ms(r, "p50"),
                    ms(r, "p90"),
                    ms(r, "p99"),
                    ms(r, "p99_9"),
                    ", ".join(f"{x['latency_ms']['p99']:.1f}" for x in r.get("runs", [])),
                    f"{r.get('other_cpu', 0):.2f}",
                ]
                for r in m["half_peak"]
            ],
        )
    refs = results.get("references")
    if refs:
        out.append("### references")
        out.append("")
        rows = [["no-op route, sochat's stack (req/s)", f"{refs['noop']['rps']:.0f}", ms(refs["noop"], "p99")]]
        rows += [
            [f"FastAPI + SQLAlchemy ORM save, {k.split('_', 1)[1]} (req/s)", f"{v['rps']:.0f}", ms(v, "p99")]
            for k, v in refs.items()
            if k.startswith("fastapi_")
        ]
        rows += [[f"raw {k.replace('_', ' ')} (rows/s, one loop)", f"{v:.0f}", ""] for k, v in refs["raw"].items()]
        table(["reference", "rate", "p99 ms"], rows)
        calls = refs.get("store_calls_per_request", {})
        if calls:
            out.append("Store calls per request (each a hop to a database thread and back), from /metrics:")
            out.append("")
            table(
                ["request", "store calls"],
                [[k, ", ".join(f"{op} {n:g}" for op, n in v.items())] for k, v in calls.items()],
            )
        gc = refs.get("group_commit", {})
        if "skipped" in gc:
            out.append(f"Group commit check skipped: {gc['skipped']}")
        for label, g in gc.items():
            if isinstance(g, dict):
                out.append(
                    f"Group commit (SQLite, creates, {label}): {g['requests']} creates at {g['rps']:.0f}/s, "
                    f"{g['syncs']} disk syncs: {g['saves_per_sync']} saves per sync"
                )
                out.append("")
    for name, g in results.get("growth", {}).items():
        out.append(
            f"### growth, {name}: fixed rate (create {g['rates']['create']:.0f}/s, update "
            f"{g['rates']['update']:.0f}/s, get {g['rates']['get']:.0f}/s)"
        )
        out.append("")
        table(
            [
                "stored rows",
                "op",
                "achieved req/s",
                "p50 ms",
                "p90 ms",
                "p99 ms",
                "closed-loop req/s",
                "GET /metrics ms",
                "other CPU",
            ],
            [
                [
                    f"{s['size']:,}",
                    s["op"],
                    f"{s['rps']:.0f}",
                    ms(s, "p50"),
                    ms(s, "p90"),
                    ms(s, "p99"),
                    f"{s['closed_loop']['rps']:.0f}" if "closed_loop" in s else "-",
                    s["metrics_scrape_ms"],
                    f"{s.get('other_cpu', 0):.2f}",
                ]
                for s in g["steps"]
            ],
        )
    mem = results.get("memory")
    if mem:
        out.append(f"### memory: {mem['saves']:,} saves (SQLite, creates and updates in turn)")
        out.append("")
        points = mem["timeline"]
        step = max(1, len(points) // 8)
        table(
            ["saves", "RSS MB"],
            [
                [f"{p['saves']:,}", p["rss_mb"]]
                for p in points[::step] + ([points[-1]] if (len(points) - 1) % step else [])
            ],
        )
    for found in results.get("profiles", {}).values():
        for label, prof in found.items():
            if not isinstance(prof, dict):
                continue
            out.append(
                f"### where the save's time goes: {label} (py-spy, GIL holder only; "
                f"{prof['rps_while_profiled']:.0f} req/s while sampled)"
            )
            out.append("")
            table(
                ["part", "% of GIL time"],
                [[part, share] for part, share in sorted(prof["gil_share_by_part"].items(), key=lambda kv: -kv[1])],
            )
            out.append(f"Files: `{prof['gil']}`, `{prof['all_threads']}` (and .txt summaries)")
            out.append("")
    auth = results.get("auth_timing")
    if auth:
        out.append("### Basic auth timing: existing vs unknown user (sequential, shuffled)")
        out.append("")
        kinds = ("existing-wrong", "unknown", "existing-first", "existing-cached")
        table(
            ["kind", "n", "median ms", "p10 ms", "p90 ms"],
            [[k, auth[k]["n"], auth[k]["median_ms"], auth[k]["p10_ms"], auth[k]["p90_ms"]] for k in kinds],
        )
        out.append(
            f"median(existing-wrong) - median(unknown) = {auth['median_difference_ms']} ms, 95% interval "
            f"{auth['median_difference_ci95_ms']}: {auth['verdict']}"
        )
        out.append("")
    if "targets" in results:
        out.append("### targets")
        out.append("")
        table(
            ["target", "value", "goal", "met", "note"],
            [
                [t["target"], t["value"], t["goal"], {True: "yes", False: "**no**", None: "-"}[t["met"]], t["note"]]
                for t in results["targets"]
            ],
        )
    rerun = results.get("rerun")
    if rerun:
        out.append("### key ratios measured again at the end")
        out.append("")
        table(["ratio", "value"], [[k, v] for k, v in rerun.items() if k != "samples"])
    return "\n".join(out)


# -- main -----------------------------------------------------------------------------------------------


def versions() -> dict[str, Any]:
    import importlib.metadata as md

    found: dict[str, Any] = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    for package in ("sochat", "uvicorn", "h11", "msgspec", "fastapi", "sqlalchemy", "pydantic", "psycopg", "py-spy"):
        try:
            found[package] = md.version(package)
        except md.PackageNotFoundError:
            found[package] = None
    git = subprocess.run(
        ["git", "-C", str(BENCH.parent), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    dirty = subprocess.run(
        ["git", "-C", str(BENCH.parent), "status", "--porcelain", "--", "src"], capture_output=True, text=True
    )
    found["git_head"] = git.stdout.strip()
    tree = subprocess.run(
        ["git", "-C", str(BENCH.parent), "diff", "HEAD", "--", "src"], capture_output=True, text=True, check=False
    )
    found["src_diff_sha1"] = hashlib.sha1(tree.stdout.encode(), usedforsecurity=False).hexdigest()[:12]
    found["src_files_changed_since_head"] = len(dirty.stdout.splitlines())
    wrk_bin = shutil.which("wrk")
    if wrk_bin:
        first = subprocess.run([wrk_bin, "-v"], capture_output=True, text=True, check=False)
        found["wrk"] = (first.stdout or first.stderr).splitlines()[0].strip() if (first.stdout or first.stderr) else ""
    for package in ("uvloop", "httptools"):
        try:
            found[package] = md.version(package)
        except md.PackageNotFoundError:
            found[package] = None  # uvicorn then runs asyncio's own loop and the pure-Python h11 parser
    return found


def write_report(results: dict[str, Any], stems: list[str]) -> str:
    text = tables(results)
    before = results["machine_before"]
    for stem in stems:
        (RESULTS / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n")
        (RESULTS / f"{stem}.md").write_text(
            f"Command: `{results['command']}` ({results['minutes']} min, {before['time']})\n\n"
            f"Load average before: {before['loadavg']}, cores busy before: {before['busy_fraction']:.0%}\n\n"
            f"Source: git {results['versions'].get('git_head')} with "
            f"{results['versions'].get('src_files_changed_since_head')} uncommitted src file(s) at the start"
            + (
                f"; at the end {results['versions_after'].get('git_head')} with "
                f"{results['versions_after'].get('src_files_changed_since_head')}"
                if results.get("versions_after")
                and (
                    results["versions_after"].get("git_head") != results["versions"].get("git_head")
                    or results["versions_after"].get("src_diff_sha1") != results["versions"].get("src_diff_sha1")
                )
                else ""
            )
            + "\n\n"
            + text
            + "\n"
        )
    return text


def rebuild(path: Path) -> None:
    results = json.loads(path.read_text())
    results["targets"] = evaluate(results)
    stems = [path.stem]
    if path.stem in ("latest-full", "latest-quick"):
        stems.append("latest")
    print(write_report(results, stems))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs (a few minutes)")
    parser.add_argument("--only", default="", help=f"comma-separated phases: {', '.join(PHASES)}")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument(
        "--rebuild",
        type=Path,
        default=None,
        metavar="JSON",
        help="measure nothing: recompute the targets and tables of an earlier run's results file",
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=Path(os.environ.get("BENCH_WORK", "/tmp/sochat-bench")),
        help="folder for databases and server logs (default /tmp/sochat-bench)",
    )
    args = parser.parse_args()
    if args.rebuild is not None:
        rebuild(args.rebuild)
        return
    mode = MODES["quick" if args.quick else "full"]
    phases = tuple(p.strip() for p in args.only.split(",") if p.strip()) or PHASES
    unknown = set(phases) - set(PHASES)
    if unknown:
        parser.error(f"unknown phase(s): {', '.join(sorted(unknown))}")
    backends: tuple[str, ...] = ("sqlite",)
    pg_problem = "--no-postgres" if args.no_postgres else postgres_available()
    if pg_problem is None:
        backends = ("sqlite", "postgresql")
    else:
        log(f"PostgreSQL scenarios skipped: {pg_problem}")
    args.work.mkdir(parents=True, exist_ok=True)
    run = Run(mode, args.work, backends)
    command = "python bench/run.py" + (" --quick" if args.quick else "") + (f" --only {args.only}" if args.only else "")
    results = run.results
    results["_phases"] = phases
    log(f"mode {mode.name}, phases {', '.join(phases)}, backends {', '.join(backends)}; measuring the machine")
    results.update(
        {
            "command": command,
            "mode": asdict(mode),
            "connections": CONNECTIONS,
            "seed_rows": SEED_ROWS,
            "versions": versions(),
            "postgresql_skipped": pg_problem,
            "machine_before": machine_state(),
        }
    )
    log(f"machine before: {results['machine_before']}")
    started = time.monotonic()
    steps: list[tuple[str, Callable[[], None]]] = []
    if "matrix" in phases:
        results["matrix"] = {}
        for name in backends:
            steps.append(
                (f"matrix {name}", lambda name=name: results["matrix"].__setitem__(name, phase_matrix(run, name)))
            )
    if "references" in phases:
        steps.append(("references", lambda: results.__setitem__("references", phase_references(run))))
    if "growth" in phases:
        results["growth"] = {}

        def growth(name: str) -> None:
            m = results.get("matrix", {}).get(name)
            rates = (
                {r["op"]: float(r["target_rps"]) for r in m["half_peak"]}
                if m
                else {"create": 300.0, "update": 300.0, "get": 500.0}
            )
            results["growth"][name] = phase_growth(run, name, rates)

        for name in mode.growth_backends:
            if name in backends:
                steps.append((f"growth {name}", lambda name=name: growth(name)))
    if "profiles" in phases:
        results["profiles"] = {}
        for name in backends:
            steps.append(
                (f"profiles {name}", lambda name=name: results["profiles"].__setitem__(name, phase_profiles(run, name)))
            )
    if "memory" in phases:
        steps.append(("memory", lambda: results.__setitem__("memory", phase_memory(run))))
    if "auth" in phases:
        steps.append(
            (
                "auth timing",
                lambda: results.__setitem__("auth_timing", auth_timing.measure(run.work, mode.auth_samples)),
            )
        )
    for label, step in steps:
        log(f"== {label}")
        step()
    before = results["machine_before"]
    busy = before["busy_fraction"] > 0.1 or before["loadavg"][0] > 1.0
    if "rerun" in phases and (busy or mode.name == "full") and {"matrix", "references"} <= set(phases):
        log(f"== key ratios again ({'the machine was busy at the start' if busy else 'full mode'})")
        results["rerun"] = key_ratios(run)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "unfinished.json").write_text(
        json.dumps(results, indent=2, default=str) + "\n"
    )  # in case of a bug below
    results["targets"] = evaluate(results)
    results["machine_after"] = machine_state(1.0)
    # Servers start from the working tree throughout the run: say so if src changed meanwhile.
    results["versions_after"] = {
        k: v for k, v in versions().items() if k in ("git_head", "src_files_changed_since_head", "src_diff_sha1")
    }
    results["minutes"] = round((time.monotonic() - started) / 60, 1)
    del results["_phases"]
    results.pop("_half_create", None)
    complete = set(phases) == set(PHASES)
    names = [f"latest-{mode.name}", "latest"] if complete else ["partial"]
    text = write_report(results, names)
    print(text)
    print(f"\nresults: {RESULTS / (names[-1] + '.json')}  ({results['minutes']} min)")
    (RESULTS / "unfinished.json").unlink(missing_ok=True)
    shutil.rmtree(run.tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
