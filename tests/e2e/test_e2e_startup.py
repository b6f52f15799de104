"""The first hour with `sochat serve`, as real processes: startup failures are one line and a non-zero exit,
"listening" is printed once connections are taken, readiness knows a database that cannot take writes, the
schema of a PostgreSQL URL is named, and the edges found by probing (ids at int32's end, tenant segments, Host
headers) hold over real sockets on both databases."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from psycopg import sql

from sochat.domain.fields import INT32_MAX
from support.api import SAVE, TJE0
from support.databases import Backend, postgres_backend, prepare_demo, sqlite_backend, unique_name
from support.ports import free_port
from support.servers import Server, Servers, installed_sochat, run_sochat, unprivileged

pytestmark = pytest.mark.e2e

TIMEOUT = 30.0


def clean_env(**extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("SOCHAT_", "PG"))}
    return {**env, **extra}


def sochat(*args: str, cwd: Path, prefix: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_sochat(*args, cwd=cwd, prefix=prefix or (), env=clean_env())


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single line a failed start prints: non-zero exit, no traceback, nothing else."""
    assert result.returncode != 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert "listening" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), lines[0]
    return lines[0]


# -- startup failures --------------------------------------------------------------------------------------------


def test_a_taken_port_is_one_line_and_touches_no_database(tmp_path: Path) -> None:
    """Another program on the port: one line naming the address and the reason, exit 1, and the database is not
    even created (the port is bound first)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = sochat("serve", "--port", str(port), "--database", "sqlite:///new.db", "--demo", cwd=tmp_path)
    line = one_error_line(result)
    assert f"127.0.0.1:{port}" in line
    assert "in use" in line
    assert not (tmp_path / "new.db").exists()


@pytest.mark.parametrize("port", ["99999", "65536", "-1"])
def test_a_port_out_of_range_is_one_line(tmp_path: Path, port: str) -> None:
    """--port 99999 is one line naming the option and the range (it was a traceback from bind)."""
    line = one_error_line(sochat("serve", "--port", port, "--database", "sqlite:///x.db", cwd=tmp_path))
    assert f"--port {port}" in line
    assert "65535" in line


def test_a_missing_database_folder_is_one_line_naming_it(tmp_path: Path) -> None:
    database = tmp_path / "no-such-folder" / "sochat.db"
    line = one_error_line(
        sochat("serve", "--port", str(free_port()), "--database", f"sqlite:///{database}", cwd=tmp_path)
    )
    assert str(database) in line
    assert f"{database.parent} does not exist" in line


def test_a_relative_missing_folder_is_named_absolutely(tmp_path: Path) -> None:
    """sqlite:///data/sochat.db from another folder: the message shows where sochat looked."""
    line = one_error_line(
        sochat("serve", "--port", str(free_port()), "--database", "sqlite:///data/x.db", cwd=tmp_path)
    )
    assert str(tmp_path / "data" / "x.db") in line


def test_a_read_only_database_folder_is_one_line_naming_it_and_the_reason(tmp_path: Path) -> None:
    """SQLite must create the database and its -wal and -shm files beside it: a folder this user cannot write
    is one line naming the folder, the reason and the files."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        result = sochat(
            "serve",
            "--port",
            str(free_port()),
            "--database",
            f"sqlite:///{folder / 'sochat.db'}",
            cwd=tmp_path,
            prefix=unprivileged(),
        )
    finally:
        folder.chmod(0o755)
    line = one_error_line(result)
    assert str(folder) in line
    assert "read-only" in line
    assert "sochat.db-wal" in line
    assert list(folder.iterdir()) == []


# -- a server that started --------------------------------------------------------------------------------------


def wait_for_line(server: Server, text: str) -> str:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        for line in server.stderr().splitlines():
            if text in line:
                return line
        assert server.process is not None
        assert server.process.poll() is None, server.stderr()
        time.sleep(0.01)
    raise AssertionError(f"no line with {text!r} within {TIMEOUT}s:\n{server.stderr()}")


@pytest.fixture
def started() -> Iterator[list[Server]]:
    servers: list[Server] = []
    yield servers
    for server in servers:
        server.stop()


@pytest.mark.parametrize("workers", [1, 2])
def test_listening_is_printed_once_connections_are_taken(tmp_path: Path, started: list[Server], workers: int) -> None:
    """The moment "listening" appears, the port takes connections and answers (it was printed before the
    socket was bound)."""
    backend = prepare_demo(sqlite_backend(tmp_path / "sochat.db"))
    server = Server(backend.url, tmp_path, args=["--workers", str(workers)], log_level="warning")
    started.append(server.start())
    line = wait_for_line(server, "listening on")
    assert f"http://127.0.0.1:{server.port} " in line
    with socket.create_connection(("127.0.0.1", server.port), timeout=5):
        pass  # refused before the fix when the line came first
    with httpx.Client(trust_env=False, timeout=10.0) as client:
        assert client.get(f"{server.base_url}/health/live").status_code == 200


def test_a_read_only_database_file_is_not_ready_until_it_is_writable(tmp_path: Path, started: list[Server]) -> None:
    """Started on a read-only SQLite file, sochat serves reads and says why it is not ready (a warning at start,
    /health/ready 503 with SQLite's reason); once the file is writable, it is ready without a restart."""
    backend = prepare_demo(sqlite_backend(tmp_path / "sochat.db"))
    database = tmp_path / "sochat.db"
    database.chmod(0o444)  # prepare_demo closed its store: no -wal or -shm file is left
    server = Server(backend.url, tmp_path, prefix=unprivileged(), ready_path="/health/live")
    started.append(server.start())
    server.wait_ready()
    warning = wait_for_line(server, "warning")
    assert "cannot take writes" in warning
    with httpx.Client(base_url=server.base_url, trust_env=False, timeout=10.0) as client:
        not_ready = client.get("/health/ready")
        assert not_ready.status_code == 503, not_ready.text
        body = not_ready.json()
        assert body["Error"] is True
        assert "readonly" in body["ErrorMessage"]
        assert str(database.name) in body["ErrorMessage"]
        assert client.post("/api/v1/Agents/Chat/GetChatSessionEntity?chatSessionEntityId=1", auth=TJE0).status_code in (
            200,
            503,  # a process's first login of a user clears its failed logins: a write
        )
        for path in tmp_path.glob("sochat.db*"):
            path.chmod(0o644)
        deadline = time.monotonic() + TIMEOUT
        while client.get("/health/ready").status_code != 200:
            assert time.monotonic() < deadline, "not ready after the file became writable"
            time.sleep(0.05)
        assert client.post(SAVE, json={"CustomerName": "writable"}, auth=TJE0).status_code == 200


def test_a_postgresql_url_without_schema_names_the_schema_it_migrates(
    tmp_path: Path, postgres_url: str, started: list[Server]
) -> None:
    """Without ?schema=, serve says which schema it is about to migrate (here the one PGOPTIONS puts first on
    the search_path, standing in for a role's or database's default) before it migrates it; the banner masks
    the URL's password; with ?schema= nothing extra is said."""
    import psycopg

    from sochat.store.postgres import postgres_conninfo

    schema = unique_name("sochat_default")
    with postgres_backend(postgres_url, schema):  # dropped afterwards
        with psycopg.connect(postgres_conninfo(postgres_url)[0], autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        url = postgres_url.replace("://postgres@", "://postgres:not-a-secret@", 1)
        server = Server(url, tmp_path, name="no-schema", log_level="warning")
        server.env["PGOPTIONS"] = f"-c search_path={schema}"
        started.append(server.start())
        server.wait_ready()
        note = wait_for_line(server, "names no schema")
        assert f"schema {schema} " in note
        assert "?schema=NAME" in note
        banner = wait_for_line(server, "listening on")
        assert "not-a-secret" not in server.stderr()
        assert ":***@" in banner
        with psycopg.connect(postgres_conninfo(postgres_url)[0]) as conn:
            tables = conn.execute(
                "SELECT count(*) FROM information_schema.tables"
                " WHERE table_schema = %s AND table_name = 'chat_session'",
                (schema,),
            ).fetchone()
        assert tables == (1,)

    with postgres_backend(postgres_url) as backend:
        named = Server(backend.url, tmp_path, name="named", log_level="warning")
        started.append(named.start())
        named.wait_ready()
        wait_for_line(named, "listening on")
        assert "names no schema" not in named.stderr()


def test_serve_help_shows_both_database_url_forms_and_one_percent() -> None:
    result = subprocess.run(
        [*installed_sochat(), "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    flat = " ".join(result.stdout.split())
    assert "sqlite:///FILE" in flat
    assert "postgresql://USER@HOST:5432/DB?schema=NAME" in flat
    assert "10% answered 503" in flat
    assert "%%" not in result.stdout


@pytest.mark.parametrize("then", ["--help", "--demo"])
def test_an_option_where_the_database_url_should_be_is_not_taken_as_a_file(tmp_path: Path, then: str) -> None:
    """`sochat serve --database --help` shows the help (both URL forms); `--database --demo` is a one-line usage
    error. Neither creates a database file named after the option."""
    result = subprocess.run(
        [*installed_sochat(), "serve", "--database", then],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
        cwd=tmp_path,
        check=False,
    )
    if then == "--help":
        assert result.returncode == 0, result.stderr
        assert "postgresql://USER@HOST:5432/DB?schema=NAME" in " ".join(result.stdout.split())
    else:
        assert result.returncode == 2, result.stdout
        assert "'--demo' looks like an option" in result.stderr
        assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


# -- edges over real sockets, both databases ----------------------------------------------------------------------


def test_an_imported_highest_id_makes_creates_507_not_500(demo_backend: Backend, tmp_path: Path) -> None:
    """`sochat import` of ChatSessionId 2147483647, then creates over HTTP: 507 in SuperOffice's error body
    (never an id above int32, never a 500), and the server stays healthy; the imported session still updates."""
    rows = tmp_path / "last.jsonl"
    rows.write_text(json.dumps({"type": "ChatSession", "ChatSessionId": INT32_MAX, "CustomerName": "last"}) + "\n")
    imported = sochat("import", str(rows), "--database", demo_backend.url, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    with Servers([Server(demo_backend.url, tmp_path)]) as (server,), server_client(server) as client:
        for _ in range(2):
            refused = client.post(SAVE, json={"CustomerName": "one more"})
            assert refused.status_code == 507, refused.text
            assert set(refused.json()) == {"Error", "ErrorType", "ErrorMessage", "ErrorSource"}
            assert "2147483647" in refused.json()["ErrorMessage"]
        updated = client.post(SAVE, json={"ChatSessionId": INT32_MAX, "CustomerName": "changed"})
        assert updated.status_code == 200, updated.text
        assert client.get("/health/ready").status_code == 200
    assert demo_backend.sql("SELECT max(chat_session_id), count(*) FROM chat_session") == [(INT32_MAX, 1)]
    again = sochat("import", str(rows), "--database", demo_backend.url, cwd=tmp_path)
    assert again.returncode == 0, again.stderr


def server_client(server: Server) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, auth=TJE0, trust_env=False, timeout=10.0)


def raw_get(server: Server, target: str, host: str) -> tuple[int, bytes]:
    """A GET with the request target and Host exactly as given (clients normalise '..' away)."""
    request = f"GET {target} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Basic dGplMDpUamUw\r\nConnection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(request.encode("latin-1"))
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def test_tenant_segments_and_host_headers_over_a_real_socket(demo_backend: Backend, tmp_path: Path) -> None:
    """Through uvicorn: '..' and %2e%2e as the tenant are 404, a plain tenant is kept in links, and a hostile
    Host is replaced by the server's address in links."""
    with Servers([Server(demo_backend.url, tmp_path)]) as (server,):
        for target in (
            "/../api/v1/ChatSession/default",
            "/%2e%2e/api/v1/ChatSession/default",
            "/a%22b/api/v1/ChatSession",
        ):
            status, _ = raw_get(server, target, f"127.0.0.1:{server.port}")
            assert status == 404, target
        status, body = raw_get(server, "/Cust7/api/v1/ChatSession?$top=1", f"127.0.0.1:{server.port}")
        assert status == 200, body
        assert json.loads(body)["odata.metadata"] == f"http://127.0.0.1:{server.port}/Cust7/api/v1/archive$metadata"
        status, body = raw_get(server, "/api/v1/ChatSession?$top=1", 'evil.example/"><x')
        assert status == 200, body
        assert json.loads(body)["odata.metadata"].startswith(f"http://127.0.0.1:{server.port}/api/v1/")


@pytest.mark.parametrize("workers", [1, 2])
def test_every_serving_process_starts_its_app_in_the_asgi_lifespan(
    tmp_path: Path, started: list[Server], workers: int
) -> None:
    """One startup path: the lifespan is on with one process as with several; each serving process reports its
    app started through it, and one process also stops it through it."""
    backend = prepare_demo(sqlite_backend(tmp_path / "sochat.db"))
    server = Server(backend.url, tmp_path, args=["--workers", str(workers)], log_level="info")
    started.append(server.start())
    server.wait_ready()
    deadline = time.monotonic() + TIMEOUT
    while server.stderr().count("Application startup complete.") < workers:  # workers may still be starting
        assert time.monotonic() < deadline, server.stderr()
        time.sleep(0.05)
    server.stop()
    assert server.stderr().count("Application startup complete.") == workers, server.stderr()
    if workers == 1:
        assert "Application shutdown complete." in server.stderr(), server.stderr()
