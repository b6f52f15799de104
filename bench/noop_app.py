"""Reference point (a): sochat's own server stack with one extra, no-op route.

Run like `sochat serve` (one worker): the same Settings, logging, app start-up and the same uvicorn call
(the uvicorn arguments of `sochat.cli.serve`). Every path but one goes to sochat's app unchanged; POST /bench/noop
only reads the body, parses it with sochat's JSON codec and answers it re-encoded with that codec. It is the
ceiling for any route on this stack: HTTP parsing, the ASGI hops and the JSON codec, no auth, no database.

    python bench/noop_app.py --port 8001 --database sqlite:////tmp/noop.db
"""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn

from sochat import logs
from sochat.app import Receive, Scope, Send, create_app
from sochat.http.codecs import json as json_codec
from sochat.settings import Settings

NOOP_PATH = "/bench/noop"


class WithNoop:
    def __init__(self, app: Any) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != NOOP_PATH:
            await self._app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        answer = json_codec.encode(json_codec.decode(b"".join(chunks)))
        headers = [
            (b"content-type", b"application/json; charset=utf-8"),
            (b"content-length", str(len(answer)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": answer})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args()
    settings = Settings(port=args.port, database_url=args.database, log_level=args.log_level)
    logs.configure(settings.log_level)
    app = create_app(settings)
    app.startup()
    try:
        # The arguments sochat.cli.serve gives uvicorn; serve runs the lifespan "on", which only finds the app
        # already started, as it is here.
        uvicorn.run(
            WithNoop(app),
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            lifespan="off",
            server_header=False,
        )
    finally:
        app.shutdown()


if __name__ == "__main__":
    main()
