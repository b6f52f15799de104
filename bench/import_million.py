"""How long `sochat import` takes for 1,000,000 chat sessions, and how much memory it needs.

Generates a JSON Lines file of chat sessions (every property set, links, dates with offsets, some non-ASCII text),
then runs `sochat import FILE` as a child process into a fresh SQLite database and, when it answers, into a fresh
schema of PostgreSQL (dropped afterwards). For each database it records the wall time, the rows per second and the
child's peak resident memory (ru_maxrss of exactly that child, from os.wait4), and checks the row count.

    python bench/import_million.py                   # 1,000,000 rows; SQLite, then PostgreSQL if reachable
    python bench/import_million.py --rows 200000     # a shorter run
    python bench/import_million.py --no-postgres

Prints a summary and writes bench/results/import_million.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results" / "import_million.json"
PG_BASE = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
# The console script's entry point, spelled so that the command line does not read "sochat import".
SOCHAT = [sys.executable, "-c", "import sys; from sochat.cli import main; sys.exit(main())"]

STATUSES = ("InQueue", "CustomerLast", "UserLast", "Finished", "Closed", "ClosedFromQueue", "PreChatForm", "Faq")
NAMES = ("Ingrid Haugen", "Ola Nordmann", "Kari Solberg", "Jonas Keller", "Sanne de Vries", "Zoë Ødegård", "李雷")
OPENERS = ("Hi, I cannot log in", "Where is my order?", "Can I change my plan?", "The invoice looks wrong")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def generate(path: Path, rows: int, seed: int = 1_000_000) -> int:
    """Write ``rows`` chat sessions (ids 1..rows) as JSON Lines; answer the file size."""
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as out:
        for number in range(1, rows + 1):
            name = rng.choice(NAMES)
            requested = start + timedelta(seconds=rng.randrange(0, 365 * 86400), microseconds=rng.randrange(10**6))
            started = requested + timedelta(seconds=rng.randrange(5, 900))
            ended = started + timedelta(seconds=rng.randrange(60, 3600))
            user = rng.choice((None, 2, 3, 1))
            row: dict[str, Any] = {
                "type": "ChatSession",
                "ChatSessionId": number,
                "TopicId": rng.randint(1, 3),
                "User": None if user is None else {"AssociateId": user},
                "Person": {"PersonId": rng.choice((1010, 1011, 1020, 1030))} if rng.random() < 0.7 else None,
                "CustomerAlias": name.split()[0].lower(),
                "CustomerHost": f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                "CustomerName": name,
                "CustomerEmail": f"customer{number}@example.com",
                "CustomerPhone": f"+47 9{rng.randrange(10**6, 10**7)}",
                "CustomerConsented": rng.random() < 0.8,
                "CustomerCompanyName": "Nordlys Energi AS",
                "Status": rng.choice(STATUSES),
                "FirstMessage": rng.choice(OPENERS),
                "LastMessage": "Thanks, that solved it!",
                "WhenRequested": requested.astimezone(UTC).isoformat(),
                "WhenStarted": started.isoformat(),
                "WhenEnded": ended.isoformat(),
                "WhenIdle": ended.isoformat(),
                "WhenFetched": ended.isoformat(),
                "SessionKey": f"bench-{number:07d}-{rng.getrandbits(32):08x}",
                "InitialQueuePos": rng.randint(1, 9),
                "AlertLevel": rng.choice((0, 0, 1, 2)),
                "Rank": rng.randint(0, 4),
                "Flags": rng.choice(("CustomerIsTyping", "UserIsTyping")),
                "Contact": {"ContactId": rng.choice((101, 102, 103))} if rng.random() < 0.6 else None,
                "Project": None,
                "Sale": {"SaleId": 301} if rng.random() < 0.05 else None,
                "Ticket": {"TicketId": 401} if rng.random() < 0.1 else None,
                "TransferTo": None,
                "ChatbotIsActive": rng.random() < 0.1,
                "Rating": rng.randint(0, 5),
            }
            out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
            out.write("\n")
    return path.stat().st_size


def run_import(source: Path, database_url: str, log_path: Path) -> dict[str, Any]:
    """`sochat import` in a child process; wall time and that child's own peak RSS (os.wait4)."""
    command = [*SOCHAT, "import", str(source), "--type", "ChatSession", "--database", database_url]
    with log_path.open("wb") as output:
        began = time.perf_counter()
        child = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - began
    child.returncode = os.waitstatus_to_exitcode(status)
    tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
    if child.returncode != 0:
        raise RuntimeError(f"sochat import failed ({child.returncode}):\n{tail}")
    return {
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux reports kilobytes
        "cpu_user_seconds": round(usage.ru_utime, 2),
        "cpu_system_seconds": round(usage.ru_stime, 2),
        "output": tail.strip().splitlines()[-1] if tail.strip() else "",
    }


def sqlite_count(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM chat_session").fetchone()[0])


def postgres_unavailable() -> str | None:
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    try:
        with psycopg.connect(PG_BASE, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # any failure to connect means: skip PostgreSQL, and say why
        return f"PostgreSQL at {PG_BASE} does not answer: {exc}"
    return None


def postgres_count(schema: str) -> int:
    import psycopg
    from psycopg import sql

    with psycopg.connect(PG_BASE) as conn:
        row = conn.execute(sql.SQL("SELECT COUNT(*) FROM {}.chat_session").format(sql.Identifier(schema))).fetchone()
        return int(row[0]) if row else 0


def drop_schema(schema: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def measure(rows: int, source: Path, work: Path, *, postgres: bool) -> dict[str, Any]:
    results: dict[str, Any] = {}

    database = work / "import.db"
    log(f"SQLite: importing {rows:,} rows into {database}")
    sqlite_result = run_import(source, f"sqlite:///{database}", work / "sqlite.log")
    sqlite_result["rows_loaded"] = sqlite_count(database)
    sqlite_result["database_bytes"] = database.stat().st_size
    results["sqlite"] = sqlite_result
    log(f"SQLite: {sqlite_result['seconds']} s, peak RSS {sqlite_result['peak_rss_mb']} MB")

    reason = postgres_unavailable() if postgres else "--no-postgres"
    if reason is not None:
        results["postgresql"] = {"skipped": reason}
        log(f"PostgreSQL skipped: {reason}")
        return results
    schema = f"bench_import_{secrets.token_hex(4)}"
    try:
        log(f"PostgreSQL: importing {rows:,} rows into schema {schema}")
        pg_result = run_import(source, f"{PG_BASE}?schema={schema}", work / "postgres.log")
        pg_result["rows_loaded"] = postgres_count(schema)
        pg_result["schema"] = schema
        results["postgresql"] = pg_result
        log(f"PostgreSQL: {pg_result['seconds']} s, peak RSS {pg_result['peak_rss_mb']} MB")
    finally:
        drop_schema(schema)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--no-postgres", action="store_true", help="Measure SQLite only.")
    parser.add_argument("--work", type=Path, default=None, help="Folder for the file and database (default: temp).")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sochat-import-bench-", dir=args.work) as folder:
        work = Path(folder)
        source = work / "sessions.jsonl"
        log(f"generating {args.rows:,} chat sessions")
        began = time.perf_counter()
        size = generate(source, args.rows)
        generated = time.perf_counter() - began
        log(f"generated {size / 2**20:.0f} MiB in {generated:.1f} s")
        databases = measure(args.rows, source, work, postgres=not args.no_postgres)

    for result in databases.values():
        if "seconds" in result:
            result["rows_per_second"] = round(args.rows / result["seconds"])
            if result["rows_loaded"] != args.rows:
                raise SystemExit(f"loaded {result['rows_loaded']} rows, expected {args.rows}")
    report = {
        "benchmark": "sochat import of chat sessions (JSON Lines)",
        "rows": args.rows,
        "file_bytes": size,
        "generate_seconds": round(generated, 1),
        "databases": databases,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")

    print(f"sochat import, {args.rows:,} chat sessions ({size / 2**20:.0f} MiB of JSON Lines)")
    for name, result in databases.items():
        if "skipped" in result:
            print(f"  {name:<10} skipped: {result['skipped']}")
            continue
        print(
            f"  {name:<10} {result['seconds']:>8.1f} s  {result['rows_per_second']:>8,} rows/s"
            f"  peak RSS {result['peak_rss_mb']:>7.1f} MB  ({result['rows_loaded']:,} rows stored)"
        )
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
