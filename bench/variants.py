"""What the save would gain from changes outside sochat's code: the same server under other settings, measured
back to back in rounds (A B C D, A B C D, ...) so that a busy machine hurts every variant alike.

Variants: the default (`sochat serve`, log level info: one JSON access-log line per request), --log-level
warning (no access-log lines), and, with --fast-python, the same two under an interpreter whose environment
also has uvloop and httptools (uvicorn then uses them instead of asyncio's loop and the pure-Python h11).

    python -m venv /tmp/vfast && /tmp/vfast/bin/pip install -e . uvloop httptools
    python bench/variants.py --fast-python /tmp/vfast/bin/python [--seconds 5] [--rounds 3]

Writes bench/results/variants.json and prints a table (median of the rounds).
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
from common import BASIC, Load, fresh_sqlite, log, machine_state, running, sqlite_url, wrk

RESULTS = common.BENCH / "results"


def measure(python: str, log_level: str, work: Path, seconds: float) -> dict[str, float]:
    """Creates, gets (JSON, Basic) and the no-op route, each closed loop with 32 connections."""
    db = fresh_sqlite(work / "variants.db")
    found: dict[str, float] = {}
    tmp = work / "tmp"
    with running(
        common.start_sochat(
            sqlite_url(db), work / "logs" / "variants.log", extra=["--log-level", log_level], python=python
        )
    ) as s:
        dbwork.sqlite_grow(db, 10_000, offline=False)
        ids = dbwork.sqlite_id_range(db)
        common.request(s, "POST", f"{common.GET_PATH}?chatSessionEntityId=1", b"", {"Authorization": BASIC})
        for op in ("create", "get"):
            load = Load(op, ids=ids, seconds=seconds)
            wrk(s, Load(op, ids=ids, seconds=1), tmp)
            found[op] = wrk(s, load, tmp).rps
    fresh_sqlite(db)
    with running(common.start_noop(sqlite_url(db), work / "logs" / "variants-noop.log", python=python)) as s:
        wrk(s, Load("noop", auth="", seconds=1), tmp)
        found["noop"] = wrk(s, Load("noop", auth="", seconds=seconds), tmp).rps
    fresh_sqlite(db)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description="the save under other server settings, back to back")
    parser.add_argument("--fast-python", default="", help="an interpreter whose environment has uvloop and httptools")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("BENCH_WORK", "/tmp/sochat-bench")))
    args = parser.parse_args()
    variants = {"default (asyncio + h11, log info)": (sys.executable, "info")}
    variants["log level warning"] = (sys.executable, "warning")
    if args.fast_python:
        variants["uvloop + httptools, log info"] = (args.fast_python, "info")
        variants["uvloop + httptools, log warning"] = (args.fast_python, "warning")
    before = machine_state()
    log(f"machine before: {before}")
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in variants}
    for round_ in range(args.rounds):
        for name, (python, level) in variants.items():
            result = measure(python, level, args.work, args.seconds)
            runs[name].append(result)
            log(f"round {round_ + 1} {name}: " + ", ".join(f"{k} {v:.0f}/s" for k, v in result.items()))
    summary: dict[str, Any] = {}
    for name, results in runs.items():
        summary[name] = {op: round(statistics.median(r[op] for r in results)) for op in ("create", "get", "noop")}
        summary[name]["create_over_noop"] = round(summary[name]["create"] / summary[name]["noop"], 3)
    base = summary["default (asyncio + h11, log info)"]
    lines = ["| variant | create req/s | get req/s | no-op req/s | create / no-op | create vs default |"]
    lines.append("|---|---|---|---|---|---|")
    for name, row in summary.items():
        lines.append(
            f"| {name} | {row['create']} | {row['get']} | {row['noop']} | {row['create_over_noop']} | "
            f"x{row['create'] / base['create']:.2f} |"
        )
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    command = "python bench/variants.py" + (" --fast-python PATH" if args.fast_python else "")
    payload = {"command": command, "machine_before": before, "rounds": runs, "median": summary, "table": text}
    (RESULTS / "variants.json").write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
