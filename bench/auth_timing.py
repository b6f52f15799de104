"""Issue 4's timing check: does a Basic login answer as fast for a user name that does not exist as for one that
does (with a wrong password)? If not, response times reveal which user names exist.

One `sochat serve --demo` process (SQLite, lockout at its defaults), one keep-alive connection, requests one at
a time in a shuffled order, so both kinds see the same machine. Kinds:

    existing-wrong   a real user, wrong password (each user at most 4 times: lockout slows answers after 5)
    unknown          a user name that does not exist (a new one every time)
    existing-first   a real user's right password, the first time (argon2 verify, then cached)
    existing-cached  the right password again (the verified-credentials cache; the fast path)

    python bench/auth_timing.py [--samples 300]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BASIC, GET_PATH, Server, fresh_sqlite, log, running, sqlite_url, start_sochat

PASSWORD = "Bench-Pass-1"  # a fixed test password for generated bench users
WRONG = "not-the-password"


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _add_users(database_url: str, names: list[str]) -> None:
    from sochat.domain.principal import Role
    from sochat.security.passwords import hash_password
    from sochat.store.records import NewAssociate
    from sochat.store.url import open_store

    hashed = hash_password(PASSWORD)
    store = open_store(database_url)
    try:
        store.run_admin(
            lambda unit: [unit.users.add(NewAssociate(name, Role.AGENT, hashed, name=name)) for name in names]
        )
    finally:
        store.close()


def _timed(conn: http.client.HTTPConnection, authorization: str) -> tuple[int, float]:
    started = time.perf_counter()
    conn.request("POST", f"{GET_PATH}?chatSessionEntityId=1", body=b"", headers={"Authorization": authorization})
    response = conn.getresponse()
    response.read()
    return response.status, (time.perf_counter() - started) * 1000


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    return {
        "n": len(values),
        "median_ms": round(statistics.median(values), 2),
        "mean_ms": round(statistics.fmean(values), 2),
        "p10_ms": round(pct(10), 2),
        "p90_ms": round(pct(90), 2),
    }


def _bootstrap_median_difference(a: list[float], b: list[float], rounds: int = 2000) -> tuple[float, float]:
    rng = random.Random(8)
    diffs = sorted(
        statistics.median(rng.choices(a, k=len(a))) - statistics.median(rng.choices(b, k=len(b))) for _ in range(rounds)
    )
    return round(diffs[int(0.025 * rounds)], 2), round(diffs[int(0.975 * rounds)], 2)


def measure(work: Path, samples: int) -> dict[str, Any]:
    db = fresh_sqlite(work / "auth-timing.db")
    url = sqlite_url(db)
    wrong_users = [f"benchwrong{i}" for i in range((samples + 3) // 4)]
    first_users = [f"benchfirst{i}" for i in range(max(10, samples // 3))]
    with running(start_sochat(url, work / "auth-timing.log")) as server:
        _add_users(url, wrong_users + first_users)
        plan = (
            [("existing-wrong", _basic(wrong_users[i // 4], WRONG)) for i in range(samples)]
            + [("unknown", _basic(f"nobody{i}-{random.randrange(10**9)}", WRONG)) for i in range(samples)]
            + [("existing-first", _basic(name, PASSWORD)) for name in first_users]
            + [("existing-cached", BASIC) for _ in range(samples)]
        )
        random.Random(4).shuffle(plan)
        timings: dict[str, list[float]] = {kind: [] for kind, _ in plan}
        conn = _connect(server)
        _timed(conn, BASIC)  # fill the cache for the demo user
        for kind, authorization in plan:
            status, ms = _timed(conn, authorization)
            expected = 200 if kind.startswith("existing-") and kind != "existing-wrong" else 401
            if status != expected:
                raise RuntimeError(f"{kind}: expected {expected}, got {status}")
            timings[kind].append(ms)
        conn.close()
    result: dict[str, Any] = {kind: _summary(values) for kind, values in timings.items()}
    a, b = timings["existing-wrong"], timings["unknown"]
    diff = statistics.median(a) - statistics.median(b)
    low, high = _bootstrap_median_difference(a, b)
    result["median_difference_ms"] = round(diff, 2)
    result["median_difference_ci95_ms"] = [low, high]
    result["relative_difference"] = round(diff / statistics.median(b), 4)
    result["verdict"] = (
        "alike: the 95% interval of the difference includes 0"
        if low <= 0 <= high
        else f"differ by {diff:+.2f} ms ({100 * diff / statistics.median(b):+.1f}%)"
    )
    return result


def _connect(server: Server) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description="Basic auth: response time for existing vs unknown users")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--work", type=Path, default=Path("/tmp/sochat-bench"))
    args = parser.parse_args()
    log(f"auth timing: {args.samples} samples per kind")
    print(json.dumps(measure(args.work, args.samples), indent=2))


if __name__ == "__main__":
    main()
