"""Before and after a change to the request path: two builds of sochat measured back to back, in one run.

The "before" build is another checkout of sochat with its own environment; the "after" build is this one.
Each round starts both servers in turn on a fresh database of each backend (10,000 stored sessions) and
measures create, update and Get (JSON, Basic, 32 connections, closed loop), so that a busy machine hurts both
builds alike. The table shows the median of the rounds and after / before.

    git worktree add /tmp/sochat-before <commit>
    python3 -m venv /tmp/sochat-before/.venv
    /tmp/sochat-before/.venv/bin/pip install -c /tmp/sochat-before/requirements/constraints.txt -e /tmp/sochat-before
    python bench/before_after.py --before /tmp/sochat-before/.venv/bin/python [--seconds 5] [--rounds 3]

Writes bench/results/before_after.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
import dbwork
from common import Load, fresh_pg_schema, fresh_sqlite, log, machine_state, pg_url, running, sqlite_url, wrk

RESULTS = common.BENCH / "results"
SEED_ROWS = 10_000
OPS = ("create", "update", "get")


def measure(python: str, backend: str, work: Path, seconds: float) -> dict[str, float]:
    """Requests per second of each operation on one build and one backend, on a fresh database."""
    tmp = work / "tmp"
    if backend == "sqlite":
        db = fresh_sqlite(work / "before_after.db")
        url = sqlite_url(db)
    else:
        schema = "bench_before_after"
        fresh_pg_schema(schema)
        url = pg_url(schema)
    found: dict[str, float] = {}
    with running(common.start_sochat(url, work / "logs" / f"before_after-{backend}.log", python=python)) as server:
        if backend == "sqlite":
            dbwork.sqlite_grow(db, SEED_ROWS, offline=False)
            ids = dbwork.sqlite_id_range(db)
        else:
            dbwork.pg_grow(url, SEED_ROWS, vacuum=True)
            ids = dbwork.pg_id_range(url)
        for op in OPS:
            wrk(server, Load(op, ids=ids, seconds=1), tmp)  # warm-up: caches, connections, the verified Basic
            outcome = wrk(server, Load(op, ids=ids, seconds=seconds), tmp)
            if outcome.failed:
                raise RuntimeError(f"{backend} {op}: {outcome.errors} errors; see {server.log_path}")
            found[op] = outcome.rps
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="the interpreter of the environment with the older build")
    parser.add_argument("--after", default=sys.executable, help="the interpreter of the newer build (this one)")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("BENCH_WORK", "/tmp/sochat-bench")))
    args = parser.parse_args()
    backends = ["sqlite"]
    problem = "--no-postgres" if args.no_postgres else common.postgres_available()
    if problem is None:
        backends.append("postgresql")
    else:
        log(f"PostgreSQL skipped: {problem}")
    builds = {"before": args.before, "after": args.after}
    machine = machine_state()
    log(f"machine before: {machine}")
    runs: dict[str, dict[str, list[dict[str, float]]]] = {b: {name: [] for name in builds} for b in backends}
    for round_ in range(args.rounds):
        for backend in backends:
            for name, python in builds.items():
                result = measure(python, backend, args.work, args.seconds)
                runs[backend][name].append(result)
                log(f"round {round_ + 1} {backend} {name}: " + ", ".join(f"{k} {v:.0f}/s" for k, v in result.items()))
    lines = ["| backend | operation | before req/s | after req/s | after / before |", "|---|---|---|---|---|"]
    median: dict[str, Any] = {}
    for backend in backends:
        for op in OPS:
            before = statistics.median(r[op] for r in runs[backend]["before"])
            after = statistics.median(r[op] for r in runs[backend]["after"])
            median[f"{backend}/{op}"] = {
                "before": round(before),
                "after": round(after),
                "ratio": round(after / before, 3),
            }
            lines.append(f"| {backend} | {op} | {before:.0f} | {after:.0f} | {after / before:.2f} |")
    table = "\n".join(lines)
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {
        "command": f"python bench/before_after.py --before PATH --seconds {args.seconds:g} --rounds {args.rounds}",
        "machine_before": machine,
        "rounds": runs,
        "median": median,
        "table": table,
    }
    (RESULTS / "before_after.json").write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
