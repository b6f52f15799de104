"""Every scheme against a real `sochat serve` process, with credentials from its HTTP calls and from the CLI
run on the same database while the server runs."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import jwt
import pytest
from auth_support import (
    AUDIENCE,
    ISSUER,
    LOGIN,
    SAVE_BODY,
    TOKEN,
    basic,
    python_sochat,
)
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from support.api import AGENT1, DELETE, SAVE, TJE0
from support.servers import Server, clean_env, running

pytestmark = pytest.mark.e2e


@dataclass
class Live:
    server: Server
    database: Path
    jwt_key: rsa.RSAPrivateKey

    def client(self) -> httpx.Client:
        return self.server.sync_client(None, timeout=15.0)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run `python -m sochat ARGS --database <the server's database>` as its own process."""
        return subprocess.run(
            [*python_sochat(), *args, "--database", f"sqlite:///{self.database}"],
            capture_output=True,
            text=True,
            env=clean_env(),
            timeout=60,
            check=False,
        )

    def jwt(self, user: str) -> str:
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 300, "preferred_username": user}
        return jwt.encode(claims, self.jwt_key, algorithm="RS256", headers={"kid": "e2e"})


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """`python -m sochat serve --demo` on a fresh database, trusting a JWKS file made for the test."""
    folder = tmp_path_factory.mktemp("auth-e2e")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwk["kid"] = "e2e"
    jwks = folder / "jwks.json"
    jwks.write_text(json.dumps({"keys": [jwk]}))
    database = folder / "sochat.db"
    options = ("--demo", "--oidc-jwks", str(jwks), "--oidc-issuer", ISSUER, "--oidc-audience", AUDIENCE)
    server = Server(f"sqlite:///{database}", folder, args=options, log_level=None)
    with running(server):
        yield Live(server, database, key)


def save(client: httpx.Client, headers: dict[str, str]) -> httpx.Response:
    return client.post(SAVE, json=SAVE_BODY, headers=headers)


def test_login_ticket_saves_on_the_real_server(live):
    """Login over HTTP answers a ticket that saves; a wrong ticket is a 401 with the challenges."""
    with live.client() as client:
        login = client.post(LOGIN, json={"Username": "tje0", "Password": "Tje0"})
        assert login.status_code == 200, login.text
        ticket = login.json()["Ticket"]
        client.cookies.clear()
        response = save(client, {"Authorization": f"SoTicket {ticket}"})
        assert response.status_code == 200, response.text
        refused = save(client, {"Authorization": f"SOTicket {ticket}x"})
        assert refused.status_code == 401
        assert len(refused.headers.get_list("www-authenticate")) == 3


def test_cookie_and_xsrf_save_on_the_real_server(live):
    """The login cookies with the X-XSRF-TOKEN header save; without the header it is a 401."""
    with live.client() as client:
        login = client.post(LOGIN, json={"Username": "agent1", "Password": "Agent1"})
        assert login.status_code == 200, login.text
        xsrf = client.cookies["XSRF-TOKEN"]
        assert client.cookies["SOCHAT_SESSION"]
        assert save(client, {}).status_code == 401
        response = save(client, {"X-XSRF-TOKEN": xsrf})
        assert response.status_code == 200, response.text


def test_oauth_bearer_and_basic_save_on_the_real_server(live):
    """The password grant's 8A: token saves, and so does Basic."""
    with live.client() as client:
        grant = client.post(TOKEN, data={"grant_type": "password", "username": "tje0", "password": "Tje0"})
        assert grant.status_code == 200, grant.text
        token = grant.json()["access_token"]
        assert save(client, {"Authorization": f"Bearer {token}"}).status_code == 200
        assert save(client, {"Authorization": basic(*TJE0)}).status_code == 200


def test_jwt_saves_on_the_real_server(live):
    """A JWT signed with the key of the configured JWKS file saves as its user; a forged one is a 401."""
    with live.client() as client:
        assert save(client, {"Authorization": f"Bearer {live.jwt('agent1')}"}).status_code == 200
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        forged = jwt.encode(
            {"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 60, "preferred_username": "tje0"},
            other,
            algorithm="RS256",
            headers={"kid": "e2e"},
        )
        assert save(client, {"Authorization": f"Bearer {forged}"}).status_code == 401


def test_cli_ticket_for_viewer_works_on_the_running_server_and_revoke_ends_it(live):
    """`sochat ticket issue viewer` against the server's database reads but cannot save; revoke ends it at once."""
    issued = live.cli("ticket", "issue", "viewer")
    assert issued.returncode == 0, issued.stderr
    ticket = issued.stdout.strip()
    assert ticket.startswith("7T:")
    header = {"Authorization": f"SOTicket {ticket}"}
    with live.client() as client:
        read = client.get("/api/v1/ChatSession", headers=header)
        assert read.status_code == 200, read.text
        assert save(client, header).status_code == 403
        revoked = live.cli("ticket", "revoke", ticket)
        assert revoked.returncode == 0, revoked.stderr
        assert client.get("/api/v1/ChatSession", headers=header).status_code == 401


def test_cli_revoke_of_a_login_ticket_is_effective_at_once(live):
    """A ticket from the HTTP login, revoked by the CLI, fails on the very next request."""
    with live.client() as client:
        ticket = client.post(LOGIN, json={"Username": "tje0", "Password": "Tje0"}).json()["Ticket"]
        client.cookies.clear()
        header = {"Authorization": f"SOTicket {ticket}"}
        assert save(client, header).status_code == 200
        assert live.cli("ticket", "revoke", ticket).returncode == 0
        assert save(client, header).status_code == 401


def test_cli_app_token_and_client_credentials_work_on_the_running_server(live):
    """`sochat app add` prints a token that the running server accepts as SO-AppToken and as client secret."""
    added = live.cli("app", "add", "e2e-sync", "--owner", "agent1")
    assert added.returncode == 0, added.stderr
    app_token = added.stdout.strip().splitlines()[-1]
    listed = live.cli("app", "list")
    assert "e2e-sync" in listed.stdout
    with live.client() as client:
        response = save(client, {"Authorization": basic(*AGENT1), "SO-AppToken": app_token})
        assert response.status_code == 200, response.text
        # an unregistered token is accepted (and logged) unless --require-app-token: decision 19
        assert save(client, {"Authorization": basic(*AGENT1), "SO-AppToken": "unknown"}).status_code == 200
        grant = client.post(
            TOKEN, data={"grant_type": "client_credentials", "client_id": "e2e-sync", "client_secret": app_token}
        )
        assert grant.status_code == 200, grant.text
        bearer = {"Authorization": f"Bearer {grant.json()['access_token']}"}
        created = save(client, bearer)
        assert created.status_code == 200, created.text
        chat_session_id = created.json()["ChatSessionId"]
        # the token acts as agent1: agents may not delete
        deleted = client.post(DELETE, params={"ChatSessionEntityId": chat_session_id}, headers=bearer)
        assert deleted.status_code == 403, deleted.text
