"""Issue 12's hostile patch: how fast is an 870-byte JSON Patch that would double the entity per operation
refused, and what does it do to the server's memory and to other requests?

One `sochat serve --demo` process (SQLite; PostgreSQL too with --postgres). Each hostile body is sent
``--rounds`` times on one keep-alive connection, as PATCH /api/v1/ChatSession/{id} and as
SaveChatSessionEntity, while a second thread asks /health/live every 10 ms: its slowest answer shows whether
the event loop was held up. RSS and its peak (VmHWM) are read from /proc before and after the hostile
requests: an unchanged peak means no request needed more memory than the server had already used.

Bodies:
    copy-doubling   copy the whole document to a new member, as many times as 870 bytes hold (2^21 copies)
    copy-append     copy an array onto its own end, as many times as 870 bytes hold
    deep-value      an add whose value is nested 900 arrays deep
    deep-merge      a merge patch nested 900 objects deep
    ordinary        one replace (for comparison)

    python bench/hostile_patch.py [--rounds 50] [--postgres] [--out bench/results/hostile_patch.json]
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    BASIC,
    SAVE_PATH,
    Server,
    fresh_pg_schema,
    fresh_sqlite,
    log,
    pg_url,
    postgres_available,
    running,
    sqlite_url,
    start_sochat,
)

REST = "/api/v1/ChatSession"
JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"


def copy_doubling(size: int = 870) -> bytes:
    operations: list[dict[str, str]] = []
    while len(json.dumps([*operations, {"op": "copy", "from": "", "path": f"/{len(operations)}"}])) <= size:
        operations.append({"op": "copy", "from": "", "path": f"/{len(operations)}"})
    return json.dumps(operations).encode()


def copy_append(size: int = 870) -> bytes:
    operations: list[dict[str, Any]] = [{"op": "add", "path": "/a", "value": ["x" * 40]}]
    while len(json.dumps([*operations, {"op": "copy", "from": "/a", "path": "/a/-"}])) <= size:
        operations.append({"op": "copy", "from": "/a", "path": "/a/-"})
    return json.dumps(operations).encode()


BODIES: dict[str, tuple[str, bytes]] = {
    "copy-doubling": (JSON_PATCH, copy_doubling()),
    "copy-append": (JSON_PATCH, copy_append()),
    "deep-value": (JSON_PATCH, b'[{"op": "add", "path": "/deep", "value": ' + b"[" * 900 + b"]" * 900 + b"}]"),
    "deep-merge": (MERGE_PATCH, b'{"deep": ' + b'{"a": ' * 900 + b"1" + b"}" * 901),
    "ordinary": (JSON_PATCH, b'[{"op": "replace", "path": "/Rank", "value": 3}]'),
}


class Pinger(threading.Thread):
    """Asks /health/live every 10 ms on its own connection; keeps the slowest answer."""

    def __init__(self, server: Server) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.stopping = threading.Event()
        self.times_ms: list[float] = []

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=120)
        while not self.stopping.is_set():
            started = time.perf_counter()
            conn.request("GET", "/health/live")
            conn.getresponse().read()
            self.times_ms.append((time.perf_counter() - started) * 1000)
            time.sleep(0.01)
        conn.close()


def _send(
    conn: http.client.HTTPConnection, method: str, path: str, content_type: str, body: bytes
) -> tuple[int, float]:
    headers = {"Authorization": BASIC, "Content-Type": content_type, "Accept": "application/json"}
    started = time.perf_counter()
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    return response.status, (time.perf_counter() - started) * 1000


def _create(conn: http.client.HTTPConnection) -> int:
    conn.request(
        "POST",
        SAVE_PATH,
        body=b'{"CustomerName": "hostile patch bench"}',
        headers={"Authorization": BASIC, "Content-Type": "application/json"},
    )
    response = conn.getresponse()
    answer = json.loads(response.read())
    if response.status != 200:
        raise RuntimeError(f"create answered {response.status}: {answer}")
    return int(answer["ChatSessionId"])


def measure_server(server: Server, rounds: int) -> dict[str, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    chat_session_id = _create(conn)
    for _ in range(20):  # warm up: imports, caches, the first allocations
        _send(conn, "PATCH", f"{REST}/{chat_session_id}", *BODIES["ordinary"])
    rss_before = server.rss_mb()
    peak_before = server.peak_rss_mb()  # startup's argon2 hashes (64 MiB each) set the peak so far
    pinger = Pinger(server)
    pinger.start()
    results: dict[str, Any] = {}
    for name, (content_type, body) in BODIES.items():
        for method, path in (("PATCH", f"{REST}/{chat_session_id}"), ("POST", SAVE_PATH)):
            statuses: set[int] = set()
            times: list[float] = []
            for _ in range(rounds):
                status, ms = _send(conn, method, path, content_type, body)
                statuses.add(status)
                times.append(ms)
            results[f"{name} {method}"] = {
                "body_bytes": len(body),
                "statuses": sorted(statuses),
                "median_ms": round(statistics.median(times), 2),
                "max_ms": round(max(times), 2),
            }
            log(f"{name} {method}: {sorted(statuses)} median {statistics.median(times):.2f} ms")
    pinger.stopping.set()
    pinger.join()
    conn.close()
    server.check_alive()
    return {
        "requests": results,
        "rss_before_mb": round(rss_before, 1),
        "rss_after_mb": round(server.rss_mb(), 1),
        "peak_rss_before_mb": round(peak_before, 1),
        "peak_rss_after_mb": round(server.peak_rss_mb(), 1),
        "health_live_during": {
            "n": len(pinger.times_ms),
            "median_ms": round(statistics.median(pinger.times_ms), 2),
            "max_ms": round(max(pinger.times_ms), 2),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Hostile JSON Patch bodies against a real sochat server")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--postgres", action="store_true", help="also run against PostgreSQL")
    parser.add_argument("--work", type=Path, default=Path("/tmp/sochat-bench"))
    parser.add_argument("--out", type=Path, help="also write the result (JSON) here")
    args = parser.parse_args()
    outcome: dict[str, Any] = {"rounds": args.rounds}
    db = fresh_sqlite(args.work / "hostile-patch.db")
    with running(start_sochat(sqlite_url(db), args.work / "hostile-patch-sqlite.log")) as server:
        outcome["sqlite"] = measure_server(server, args.rounds)
    if args.postgres:
        missing = postgres_available()
        if missing:
            raise SystemExit(missing)
        schema = "bench_hostile_patch"
        fresh_pg_schema(schema)
        with running(start_sochat(pg_url(schema), args.work / "hostile-patch-postgresql.log")) as server:
            outcome["postgresql"] = measure_server(server, args.rounds)
        fresh_pg_schema(schema)
    text = json.dumps(outcome, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
