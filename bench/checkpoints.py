"""Why SQLite write latency grows with the table: the same raw update (one row, one commit, WAL,
synchronous=FULL) timed commit by commit on a table of 10,000 and of 5,000,000 generated sessions, with SQLite's
automatic checkpoint (every 1,000 WAL pages, what sochat's writer connection runs with) and without it.

Random updates on a big table dirty a different page (and index pages) with nearly every commit, so each
automatic checkpoint has ~1,000 distinct pages to copy into the database file and sync, inside the COMMIT of
whichever write crossed the threshold. On a small table the same pages are rewritten over and over and a
checkpoint copies few. If the p99 and max of the commit time move with the checkpoint and not with the table
size, the checkpoint is what a save waits for at 5M rows.

    python bench/checkpoints.py [--seconds 10]

Writes bench/results/checkpoints.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
import dbwork
from common import fresh_sqlite, log, migrate, sqlite_url

RESULTS = common.BENCH / "results"


def commit_times(path: Path, seconds: float, *, autocheckpoint: bool) -> dict[str, Any]:
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute(f"PRAGMA wal_autocheckpoint = {1000 if autocheckpoint else 0}")
    low, high = dbwork.sqlite_id_range(path)
    sql = dbwork.update_sql("?")
    times: list[float] = []
    deadline = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < deadline:
        n += 1
        values = [*dbwork.sample_row(n, sqlite=True), random.randint(low, high)]
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(sql, values)
        conn.execute("COMMIT")
        times.append((time.perf_counter() - started) * 1000)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    times.sort()

    def pct(p: float) -> float:
        return round(times[min(len(times) - 1, int(p / 100 * len(times)))], 3)

    return {
        "commits": len(times),
        "per_second": round(len(times) / seconds),
        "p50_ms": pct(50),
        "p99_ms": pct(99),
        "p99_9_ms": pct(99.9),
        "max_ms": round(times[-1], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="SQLite commit time vs table size and automatic checkpoints")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("BENCH_WORK", "/tmp/sochat-bench")))
    args = parser.parse_args()
    results: dict[str, Any] = {}
    for rows in (10_000, 5_000_000):
        db = fresh_sqlite(args.work / "checkpoints.db")
        migrate(sqlite_url(db))
        dbwork.sqlite_grow(db, rows)
        os.sync()
        for autocheckpoint in (True, False):
            label = f"{rows:,} rows, {'automatic checkpoint' if autocheckpoint else 'no checkpoint'}"
            results[label] = commit_times(db, args.seconds, autocheckpoint=autocheckpoint)
            log(f"{label}: {results[label]}")
        fresh_sqlite(db)
    lines = ["| table, checkpoints | commits/s | p50 ms | p99 ms | p99.9 ms | max ms |", "|---|---|---|---|---|---|"]
    for label, r in results.items():
        lines.append(
            f"| {label} | {r['per_second']} | {r['p50_ms']} | {r['p99_ms']} | {r['p99_9_ms']} | {r['max_ms']} |"
        )
    print("\n".join(lines))
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {
        "command": "python bench/checkpoints.py",
        "seconds": args.seconds,
        "results": results,
        "table": "\n".join(lines),
    }
    (RESULTS / "checkpoints.json").write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
