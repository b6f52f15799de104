"""The lockout's delays as a client feels them (tests/auth checks the delays the lockout asks for, not the
clock): how long a wrong Basic password takes to be refused, failure after failure, for a stored user and for
a name that is not stored, against docs/authentication.md: answers at once up to lockout_slow_after (5)
failures, then a second more per failure, up to 5 s; after lockout_after (10) the user is locked.

One `sochat serve --demo` process (SQLite), its defaults, requests one at a time from loopback (loopback is
not locked by address, so only the user's counter and the name's bucket count). Exits 1 when an answer's
time is off the documented delay by more than ``--slack`` seconds.

    python bench/lockout_delay.py [--failures 10] [--slack 0.5] [--out bench/results/lockout_delay.json]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import SAVE_PATH, fresh_sqlite, log, running, sqlite_url, start_sochat

SLOW_AFTER = 5  # Settings.lockout_slow_after's default
MAX_DELAY = 5  # seconds, the lockout's cap


def documented_delay(failure: int) -> float:
    """Seconds docs/authentication.md promises for the ``failure``-th failure in a row (1-based)."""
    return float(min(max(failure - SLOW_AFTER, 0), MAX_DELAY))


def _refusal_seconds(port: int, user: str, attempt: int) -> tuple[int, float]:
    credentials = base64.b64encode(f"{user}:wrong-{attempt}".encode()).decode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        started = time.perf_counter()
        conn.request(
            "POST",
            SAVE_PATH,
            body=b"{}",
            headers={"Authorization": f"Basic {credentials}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        conn.close()


def measure(port: int, user: str, failures: int, slack: float) -> tuple[list[dict[str, Any]], list[str]]:
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    for failure in range(1, failures + 1):
        status, seconds = _refusal_seconds(port, user, failure)
        expected = documented_delay(failure)
        rows.append({"failure": failure, "status": status, "seconds": round(seconds, 3), "documented": expected})
        log(f"{user} failure {failure}: {status} in {seconds:.3f}s (documented {expected:.0f}s)")
        if status != 401 or not expected <= seconds <= expected + slack:
            problems.append(f"{user} failure {failure}: {status} in {seconds:.3f}s, documented {expected:.0f}s")
    return rows, problems


def main() -> None:
    parser = argparse.ArgumentParser(description="The lockout's delays as a client sees them")
    parser.add_argument(
        "--failures", type=int, default=10, help="at most lockout_after (10): a locked user is not slowed"
    )
    parser.add_argument("--slack", type=float, default=0.5, help="seconds an answer may take beyond the delay")
    parser.add_argument("--work", type=Path, default=Path("/tmp/sochat-bench"))
    parser.add_argument("--out", type=Path, help="also write the result (JSON) here")
    args = parser.parse_args()
    db = fresh_sqlite(args.work / "lockout-delay.db")
    outcome: dict[str, Any] = {"slack_seconds": args.slack}
    problems: list[str] = []
    with running(start_sochat(sqlite_url(db), args.work / "lockout-delay.log")) as server:
        for user in ("agent1", "no-such-user-bench"):
            outcome[user], found = measure(server.port, user, args.failures, args.slack)
            problems += found
        server.check_alive()
    outcome["met"] = not problems
    text = json.dumps(outcome, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    if problems:
        raise SystemExit("off the documented delays:\n  " + "\n  ".join(problems))


if __name__ == "__main__":
    main()
