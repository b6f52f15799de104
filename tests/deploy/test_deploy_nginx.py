"""deploy/nginx/sochat.conf in front of two sochat processes on one PostgreSQL schema, as docs/deployment.md
describes: requests succeed through it and spread over both, a login on one works on the other, a stopped
replica is routed around, the proxy headers are set (and cannot be forged), and each process holds
--db-pool-size + 1 connections.

nginx comes from Debian's packages (apt-get install nginx-light); where it is missing or cannot start, the
test is skipped with the reason.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from support.api import GET, SAVE, TJE0
from support.databases import Backend, postgres_backend, prepare_demo, unique_name, with_query
from support.ports import free_port
from support.servers import Server, Servers

pytestmark = pytest.mark.deploy

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "nginx" / "sochat.conf"
LOGIN = "/api/v1/Authentication/Login"
POOL_SIZE = 3
LOCK_AFTER = 3


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    if found is None:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx-light)")
    return found


def site_config(proxy_port: int, replica_ports: list[int]) -> str:
    """deploy/nginx/sochat.conf with only its port numbers changed to the test's."""
    text = CONFIG.read_text()
    text, listens = re.subn(r"listen 8080;", f"listen 127.0.0.1:{proxy_port};", text)
    assert listens == 1, "deploy/nginx/sochat.conf no longer listens on 8080"
    for example, port in zip((8001, 8002), replica_ports, strict=True):
        text, count = re.subn(rf"server 127\.0\.0\.1:{example} ", f"server 127.0.0.1:{port} ", text)
        assert count == 1, f"deploy/nginx/sochat.conf no longer names the replica on port {example}"
    return text


@dataclass
class Nginx:
    binary: str
    prefix: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def error_log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """SIGQUIT (graceful) to the master this test started, SIGKILL to its process group if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGQUIT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def start_nginx(replica_ports: list[int]) -> Nginx:
    """nginx in the foreground with the example site and a minimal main configuration around it."""
    binary = nginx_binary()
    prefix = Path(tempfile.mkdtemp(prefix="sochat-nginx-"))
    prefix.chmod(0o755)  # nginx's workers run as an unprivileged user when nginx starts as root
    for folder in ("client_body", "proxy"):
        (prefix / folder).mkdir(mode=0o777)
        (prefix / folder).chmod(0o777)
    port = free_port()
    (prefix / "sochat.conf").write_text(site_config(port, replica_ports))
    (prefix / "nginx.conf").write_text(
        f"pid {prefix}/nginx.pid;\n"
        f"error_log {prefix}/error.log warn;\n"
        "worker_processes 2;\n"
        "events { worker_connections 512; }\n"
        "http {\n"
        f"    access_log {prefix}/access.log;\n"
        f"    client_body_temp_path {prefix}/client_body;\n"
        f"    proxy_temp_path {prefix}/proxy;\n"
        f"    include {prefix}/sochat.conf;\n"
        "}\n"
    )
    command = [binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf")]
    check = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    assert check.returncode == 0, f"nginx -t refuses the example configuration:\n{check.stderr}"
    nginx = Nginx(binary, prefix, port)
    with (prefix / "stderr").open("wb") as stderr:
        nginx.process = subprocess.Popen(
            [*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True
        )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if nginx.process.poll() is not None:
            reason = (prefix / "stderr").read_text(errors="replace").strip() or nginx.error_log()
            shutil.rmtree(prefix)
            pytest.skip(f"nginx cannot start here: {reason}")
        try:
            with httpx.Client(trust_env=False, timeout=1) as probe:
                probe.get(f"{nginx.base_url}/health/live")
            return nginx
        except httpx.TransportError:
            time.sleep(0.05)
    nginx.stop()
    raise AssertionError(f"nginx did not listen on port {port}:\n{nginx.error_log()}")


@pytest.fixture
def pg_schema(postgres_url: str) -> Iterator[Backend]:
    """A fresh PostgreSQL schema with the demo users, its connections named so that they can be counted."""
    application = unique_name("sochat_deploy")
    with postgres_backend(with_query(postgres_url, f"application_name={application}")) as backend:
        yield prepare_demo(backend)


def access_counts(servers: list[Server], total: int) -> list[int]:
    """How many saves each sochat process logged (its access log: JSON lines on stderr), once ``total`` are
    logged in all (a line is written just after its answer is sent) or 5 s have passed."""
    deadline = time.monotonic() + 5
    while True:
        counts = []
        for server in servers:
            lines = [json.loads(line) for line in server.stderr().splitlines() if line.startswith("{")]
            counts.append(sum(1 for e in lines if e.get("logger") == "sochat.access" and e.get("path") == SAVE))
        if sum(counts) >= total or time.monotonic() > deadline:
            return counts
        time.sleep(0.05)


def application_name(backend: Backend) -> str:
    return parse_qs(urlsplit(backend.url).query)["application_name"][0]


def test_nginx_spreads_requests_over_two_replicas_on_postgresql(pg_schema: Backend, tmp_path: Path) -> None:
    """Through the example nginx config: every save works, both replicas take a share, reads see every write."""
    servers = [
        Server(pg_schema.url, tmp_path, name=f"replica{i}", args=["--db-pool-size", str(POOL_SIZE)], log_level="info")
        for i in range(2)
    ]
    with Servers(servers):
        nginx = start_nginx([s.port for s in servers])
        try:
            with httpx.Client(base_url=nginx.base_url, auth=TJE0, trust_env=False, timeout=30) as client:
                ids = []
                for number in range(40):
                    response = client.post(SAVE, json={"CustomerName": f"via nginx {number}", "Status": "InQueue"})
                    assert response.status_code == 200, response.text
                    ids.append(response.json()["ChatSessionId"])
                names = [client.post(GET, params={"chatSessionEntityId": i}).json()["CustomerName"] for i in ids]
            counts = access_counts(servers, 40)
            connections = pg_schema.sql(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = ? AND pid <> pg_backend_pid()",
                application_name(pg_schema),
            )[0][0]
        finally:
            nginx.stop()
            shutil.rmtree(nginx.prefix)

    assert len(set(ids)) == 40
    assert names == [f"via nginx {number}" for number in range(40)]
    assert sum(counts) == 40, counts
    assert min(counts) >= 10, f"nginx did not spread the saves: {counts}"
    # docs/deployment.md: each process holds --db-pool-size connections for requests plus one for administration.
    assert connections == 2 * (POOL_SIZE + 1)


def test_login_on_one_replica_works_on_the_other_and_a_stopped_replica_is_skipped(
    pg_schema: Backend, tmp_path: Path
) -> None:
    """A ticket from a login through nginx works on both replicas; with one stopped every save still works."""
    servers = [Server(pg_schema.url, tmp_path, name=f"replica{i}", log_level="info") for i in range(2)]
    with Servers(servers):
        nginx = start_nginx([s.port for s in servers])
        try:
            with httpx.Client(base_url=nginx.base_url, trust_env=False, timeout=30) as client:
                origin = nginx.base_url
                login = client.post(
                    LOGIN,
                    json={"Username": "tje0", "Password": "Tje0"},
                    headers={"Origin": origin, "X-Forwarded-Proto": "https"},
                )
                assert login.status_code == 200, login.text
                ticket = {"Authorization": f"SOTicket {login.json()['Ticket']}"}
                with_ticket = [client.post(SAVE, json={"CustomerName": "t"}, headers=ticket) for _ in range(10)]
                ticket_counts = access_counts(servers, 10)
                servers[1].stop()
                with_one_replica = [client.post(SAVE, json={"CustomerName": "one"}, auth=TJE0) for _ in range(10)]
        finally:
            nginx.stop()
            shutil.rmtree(nginx.prefix)

    assert [r.status_code for r in with_ticket] == [200] * 10
    assert min(ticket_counts) >= 2, f"the ticket was not used on both replicas: {ticket_counts}"
    assert [r.status_code for r in with_one_replica] == [200] * 10
    # The client's forged X-Forwarded-Proto was replaced by nginx's own scheme (http): no Secure cookie.
    assert all("secure" not in cookie.lower() for cookie in login.headers.get_list("set-cookie"))


def test_forwarded_headers_are_trusted_from_the_proxy_but_cannot_be_forged_through_it(
    pg_schema: Backend, tmp_path: Path
) -> None:
    """sochat locks out by the X-Forwarded-For a local proxy sends; nginx replaces the one a client forges."""
    args = ["--lockout-after", str(LOCK_AFTER)]
    servers = [Server(pg_schema.url, tmp_path, name=f"replica{i}", args=args) for i in range(2)]

    def attack(client: httpx.Client, address: str) -> int:
        """LOCK_AFTER failed logins (each for another unknown user) claiming ``address``; then a good one."""
        forged = {"X-Forwarded-For": address}
        for number in range(LOCK_AFTER):
            refused = client.post(SAVE, json={}, auth=(f"nobody{number}", "wrong"), headers=forged)
            assert refused.status_code == 401, refused.text
        return client.post(SAVE, json={"CustomerName": "after"}, auth=TJE0, headers=forged).status_code

    with Servers(servers):
        nginx = start_nginx([s.port for s in servers])
        try:
            with httpx.Client(base_url=nginx.base_url, trust_env=False, timeout=30) as through_proxy:
                via_nginx = attack(through_proxy, "203.0.113.7")
            with httpx.Client(base_url=servers[0].base_url, trust_env=False, timeout=30) as direct:
                from_local_proxy = attack(direct, "203.0.113.8")
                secure_login = direct.post(
                    LOGIN, json={"Username": "tje0", "Password": "Tje0"}, headers={"X-Forwarded-Proto": "https"}
                )
        finally:
            nginx.stop()
            shutil.rmtree(nginx.prefix)

    # Straight from 127.0.0.1, sochat takes X-Forwarded-For as the client: that address is now locked out ...
    assert from_local_proxy == 401
    # ... but through nginx the forged address was replaced by the real one (loopback, never locked by address).
    assert via_nginx == 200
    cookies = secure_login.headers.get_list("set-cookie")
    assert cookies and all("Secure" in cookie for cookie in cookies), cookies
    locked = {row[0] for row in pg_schema.sql("SELECT key FROM auth_failure WHERE key LIKE ?", "addr:%")}
    assert locked == {"addr:203.0.113.8"}
