"""Passwords, tickets, tokens and cookies never appear in any log record or error answer."""

from __future__ import annotations

import logging

import pytest
from auth_support import (
    LOGIN,
    LOGOUT,
    SAVE_BODY,
    TOKEN,
    basic,
    grant_token,
    log_in,
    register_app,
    run_cli,
)

pytestmark = pytest.mark.anyio

PASSWORD = "Tje0"
WRONG_PASSWORD = "Wr0ng-Pa55-zq"


def record_text(record: logging.LogRecord) -> str:
    """Everything a handler could write for a record: message, arguments, extra fields, exception text."""
    parts = [record.getMessage(), repr(record.args)]
    parts.extend(repr(value) for value in vars(record).values())
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)


async def test_no_secret_reaches_the_logs_or_error_bodies(auth_factory, issuer, caplog, anyio_backend):
    """A run through every scheme, right and wrong, logs (at DEBUG, all loggers) none of the secrets used."""
    caplog.set_level(logging.DEBUG)
    answers: list[str] = []
    async with auth_factory(**issuer.settings(), lockout_slow_after=50) as auth:
        app_token = await register_app(auth, "secret-check", owner="tje0")
        login = await log_in(auth)
        token = await grant_token(auth)
        grant = await auth.client.post(
            TOKEN, data={"grant_type": "client_credentials", "client_id": "secret-check", "client_secret": app_token}
        )
        client_token = grant.json()["access_token"]
        jwt_token = issuer.rs256()
        good = [
            {"Authorization": basic("tje0", PASSWORD)},
            {"Authorization": f"SOTicket {login.ticket}"},
            {"Authorization": f"Bearer {token}"},
            {"Authorization": f"Bearer {client_token}"},
            {"Authorization": f"Bearer {jwt_token}"},
            login.cookie_headers(),
            {"Authorization": basic("tje0", PASSWORD), "SO-AppToken": app_token},
            # an unregistered SO-AppToken is accepted and logged as unregistered, never with its value
            {"Authorization": basic("tje0", PASSWORD), "SO-AppToken": app_token + "x"},
        ]
        for headers in good:
            response = await auth.save(SAVE_BODY, headers=headers)
            assert response.status_code == 200, response.text
        bad = [
            {"Authorization": basic("tje0", WRONG_PASSWORD)},
            {"Authorization": basic("nobody", WRONG_PASSWORD)},
            {"Authorization": f"SOTicket {login.ticket}x"},
            {"Authorization": f"Bearer {token}x"},
            {"Authorization": f"Bearer {jwt_token[:-3]}"},
            {"Authorization": f"Bearer {issuer.rs256(aud='other')}"},
            login.cookie_headers(xsrf_header=login.xsrf + "x"),
        ]
        for headers in bad:
            response = await auth.save(SAVE_BODY, headers=headers)
            assert response.status_code == 401, response.text
            answers.append(response.text)
        wrong_login = await auth.client.post(LOGIN, json={"Username": "tje0", "Password": WRONG_PASSWORD})
        wrong_grant = await auth.client.post(
            TOKEN, data={"grant_type": "password", "username": "tje0", "password": WRONG_PASSWORD}
        )
        wrong_client = await auth.client.post(
            TOKEN,
            data={"grant_type": "client_credentials", "client_id": "secret-check", "client_secret": WRONG_PASSWORD},
        )
        answers += [wrong_login.text, wrong_grant.text, wrong_client.text]
        assert (
            await auth.client.post(LOGOUT, headers={"Authorization": f"SOTicket {login.ticket}"})
        ).status_code == 204
        assert (await auth.client.post(LOGOUT, headers=login.cookie_headers())).status_code == 204
        result = await run_cli(auth, "ticket", "revoke", token)
        assert result.exit_code == 0, result.output

    secrets = {
        "password": PASSWORD,
        "wrong password": WRONG_PASSWORD,
        "ticket": login.ticket,
        "ticket body": login.ticket[3:],
        "session cookie": login.session,
        "xsrf value": login.xsrf,
        "access token": token,
        "access token body": token[3:],
        "client-credentials token": client_token,
        "app token": app_token,
        "jwt": jwt_token,
        "jwt signature": jwt_token.rsplit(".", 1)[1],
        "basic credentials": basic("tje0", PASSWORD).split()[1],
        "wrong basic credentials": basic("tje0", WRONG_PASSWORD).split()[1],
    }
    records = caplog.records
    assert any(r.name == "sochat.access" for r in records), "the access log was not captured"
    assert any(r.name == "sochat.http.auth" for r in records), "the auth log was not captured"
    logged = "\n".join(record_text(r) for r in records)
    leaked = sorted(name for name, value in secrets.items() if value in logged)
    assert not leaked, f"secrets in the log: {leaked}"
    answered = "\n".join(answers)
    shown = sorted(name for name, value in secrets.items() if value in answered)
    assert not shown, f"secrets in error answers: {shown}"
