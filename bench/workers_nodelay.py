"""`sochat serve --workers 2` answers a keep-alive connection about 40 ms late; this shows it and the fix.

With --workers > 1, uvicorn binds the listening socket itself as socket.socket(AF_INET) (protocol 0). asyncio
turns on TCP_NODELAY for an accepted socket only when its protocol is IPPROTO_TCP, so with workers Nagle's
algorithm stays on. sochat answers with two writes (the ASGI response start, then the body), and the second
waits for the client's delayed ACK of the first: about 40 ms on every request after the first on a connection.

Measured here, one after the other on the same SQLite database (Gets, JSON, Basic):
  A  `sochat serve --workers 1`
  B  `sochat serve --workers 2`, as shipped
  C  the same two workers with the listening socket bound by the caller with TCP_NODELAY set (Linux copies it
     to every accepted socket) and handed to uvicorn as fd=: the fix now in src/sochat/cli/listening.py.

    python bench/workers_nodelay.py
"""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
import dbwork
from common import BASIC, GET_PATH, PYTHON, Load, fresh_sqlite, log, running, sqlite_url, start_server, wrk

RESULTS = common.BENCH / "results"


def serve_prebound(port: int, database_url: str) -> None:
    """Variant C, run in its own process: sochat's workers path with a listening socket made here."""
    import uvicorn

    from sochat.app import SETTINGS_ENVIRONMENT, settings_to_json
    from sochat.settings import Settings

    os.environ[SETTINGS_ENVIRONMENT] = settings_to_json(Settings(port=port, database_url=database_url))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", port))
    sock.set_inheritable(True)
    uvicorn.run(
        "sochat.app:app_from_environment",
        factory=True,
        workers=2,
        fd=sock.fileno(),
        log_config=None,
        access_log=False,
        lifespan="on",
        server_header=False,
    )


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--serve-prebound":
        serve_prebound(int(sys.argv[2]), sys.argv[3])
        return
    work = Path(os.environ.get("BENCH_WORK", "/tmp/sochat-bench"))
    db = fresh_sqlite(work / "nodelay.db")
    url = sqlite_url(db)
    with running(common.start_sochat(url, work / "logs" / "nodelay-demo.log")):
        pass
    dbwork.sqlite_grow(db, 10_000)
    ids = dbwork.sqlite_id_range(db)
    results: dict[str, dict[str, float]] = {}
    variants = {
        "A: --workers 1": lambda: common.start_sochat(url, work / "logs" / "nodelay-a.log", demo=False),
        "B: --workers 2 (as shipped)": lambda: common.start_sochat(
            url, work / "logs" / "nodelay-b.log", demo=False, extra=["--workers", "2"]
        ),
        "C: --workers 2, listening socket with TCP_NODELAY": lambda: _prebound(url, work),
    }
    for name, start in variants.items():
        with running(start()) as server:
            for _ in range(8):  # each worker verifies the password once, then caches it
                common.request(server, "POST", f"{GET_PATH}?chatSessionEntityId=1", b"", {"Authorization": BASIC})
            row: dict[str, float] = {}
            for connections in (1, 32):
                wrk(server, Load("get", ids=ids, seconds=1, connections=connections), work / "tmp")
                outcome = wrk(server, Load("get", ids=ids, seconds=5, connections=connections), work / "tmp")
                row[f"get_rps_{connections}_conn"] = round(outcome.rps)
                row[f"get_p50_ms_{connections}_conn"] = outcome.latency_ms["p50"]
            results[name] = row
            log(f"{name}: {row}")
    fresh_sqlite(db)
    lines = [
        "| server | Get req/s, 1 connection | p50 ms | Get req/s, 32 connections | p50 ms |",
        "|---|---|---|---|---|",
    ]
    for name, row in results.items():
        lines.append(
            f"| {name} | {row['get_rps_1_conn']} | {row['get_p50_ms_1_conn']:.2f} | "
            f"{row['get_rps_32_conn']} | {row['get_p50_ms_32_conn']:.2f} |"
        )
    print("\n".join(lines))
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {"command": "python bench/workers_nodelay.py", "results": results, "table": "\n".join(lines)}
    (RESULTS / "workers_nodelay.json").write_text(json.dumps(payload, indent=2) + "\n")


def _prebound(url: str, work: Path) -> common.Server:
    port = common.free_port()
    argv = [PYTHON, str(Path(__file__).resolve()), "--serve-prebound", str(port), url]
    return start_server("prebound", argv, work / "logs" / "nodelay-c.log", port)


if __name__ == "__main__":
    main()
