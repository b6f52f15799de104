"""JWT Bearer tokens from a configured OpenID Connect issuer, with keys generated here (RS256 and ES256)."""

from __future__ import annotations

import json
import logging
import time

import anyio
import jwt
import pytest
from auth_support import (
    SAVE_BODY,
    assert_refused,
    b64url,
    hand_made_jwt,
    hs256_jwt,
)
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from sochat.security import oidc

pytestmark = pytest.mark.anyio


def access_users(caplog) -> list[str]:
    """The user of each save in the access log."""
    return [r.user for r in caplog.records if r.name == "sochat.access" and r.path.endswith("SaveChatSessionEntity")]


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
async def test_valid_jwt_acts_as_the_claimed_user(auth_factory, issuer, caplog, anyio_backend, algorithm):
    """A valid RS256 or ES256 token saves as the user its preferred_username names."""
    caplog.set_level(logging.INFO, logger="sochat.access")
    token = issuer.rs256("agent1") if algorithm == "RS256" else issuer.es256("agent1")
    async with auth_factory(**issuer.settings()) as auth:
        response = await auth.save(SAVE_BODY, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        assert auth.row_count() == 1
    assert access_users(caplog) == ["agent1"]


async def test_jwt_user_claim_is_configurable(auth_factory, issuer, caplog, anyio_backend):
    """oidc_user_claim picks the claim that names the user."""
    caplog.set_level(logging.INFO, logger="sochat.access")
    token = issuer.rs256("nobody", email="agent1")
    async with auth_factory(**issuer.settings(), oidc_user_claim="email") as auth:
        assert (await auth.save(SAVE_BODY, headers={"Authorization": f"Bearer {token}"})).status_code == 200
    assert access_users(caplog) == ["agent1"]


async def test_jwt_of_readonly_user_cannot_save(auth_factory, issuer, anyio_backend):
    """A valid token for viewer has viewer's rights: save is 403."""
    async with auth_factory(**issuer.settings()) as auth:
        assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": f"Bearer {issuer.es256('viewer')}"}), 403)
        assert auth.row_count() == 0


def _refused_tokens(issuer) -> dict[str, str]:
    now = int(time.time())
    claims = issuer.claims()
    return {
        "wrong-issuer": issuer.rs256(iss="https://other.example.test/"),
        "wrong-audience": issuer.rs256(aud="someone-else"),
        "no-audience": issuer.rs256(aud=None),
        "no-issuer": issuer.es256(iss=None),
        "no-expiry": issuer.es256(exp=None),
        "expired-beyond-leeway": issuer.rs256(exp=now - 120, iat=now - 600, nbf=now - 600),
        "not-yet-valid-beyond-leeway": issuer.es256(nbf=now + 120, exp=now + 600),
        "algorithm-none": hand_made_jwt({"alg": "none", "typ": "JWT", "kid": "rsa-1"}, claims),
        "algorithm-none-no-kid": hand_made_jwt({"alg": "none", "typ": "JWT"}, claims),
        "hs256-with-public-key-pem": hs256_jwt(
            {"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}, claims, issuer.public_pem()
        ),
        "unknown-kid": issuer.rs256(kid="rsa-unknown"),
        "no-kid-with-two-keys": jwt.encode(claims, issuer.rsa_key, algorithm="RS256"),
        "signed-by-another-key": jwt.encode(
            claims,
            rsa.generate_private_key(public_exponent=65537, key_size=2048),
            algorithm="RS256",
            headers={"kid": "rsa-1"},
        ),
        "signed-by-another-ec-key": jwt.encode(
            claims, ec.generate_private_key(ec.SECP256R1()), algorithm="ES256", headers={"kid": "ec-1"}
        ),
        "claim-names-no-user": issuer.rs256("nobody"),
        "claim-missing": issuer.rs256(preferred_username=None),
        "claim-not-a-string": issuer.rs256(preferred_username=["tje0"]),
        "tampered-payload": _tamper(issuer.rs256("viewer"), issuer.claims("tje0")),
        "rs384-not-accepted": jwt.encode(claims, issuer.rsa_key, algorithm="RS384", headers={"kid": "rsa-1"}),
    }


def _tamper(token: str, claims: dict[str, object]) -> str:
    header, _, signature = token.split(".")
    return f"{header}.{b64url(json.dumps(claims).encode())}.{signature}"


REFUSED = [
    "wrong-issuer",
    "wrong-audience",
    "no-audience",
    "no-issuer",
    "no-expiry",
    "expired-beyond-leeway",
    "not-yet-valid-beyond-leeway",
    "algorithm-none",
    "algorithm-none-no-kid",
    "hs256-with-public-key-pem",
    "unknown-kid",
    "no-kid-with-two-keys",
    "signed-by-another-key",
    "signed-by-another-ec-key",
    "claim-names-no-user",
    "claim-missing",
    "claim-not-a-string",
    "tampered-payload",
    "rs384-not-accepted",
]


@pytest.mark.parametrize("case", REFUSED)
async def test_unacceptable_jwt_is_401_and_saves_nothing(auth_factory, issuer, anyio_backend, case):
    """Every unacceptable token (see the case id) is a 401 and stores nothing."""
    token = _refused_tokens(issuer)[case]
    async with auth_factory(**issuer.settings()) as auth:
        assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": f"Bearer {token}"}))
        assert auth.row_count() == 0


@pytest.mark.parametrize(
    "header",
    [
        pytest.param({"alg": "RS256", "kid": "ec-1"}, id="rs256-naming-the-ec-key"),
        pytest.param({"alg": "ES256", "kid": "rsa-1"}, id="es256-naming-the-rsa-key"),
    ],
)
async def test_jwt_whose_algorithm_does_not_fit_its_key_is_401(auth_factory, issuer, anyio_backend, header):
    """A token whose alg does not match the type of the key its kid names is a 401 (not a server error)."""
    token = hand_made_jwt({**header, "typ": "JWT"}, issuer.claims(), b"\x01" * 64)
    async with auth_factory(**issuer.settings()) as auth:
        assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": f"Bearer {token}"}))
        assert auth.row_count() == 0


async def test_jwt_within_leeway_is_accepted(auth_factory, issuer, anyio_backend):
    """exp 30 s ago and nbf 30 s ahead are inside the 60 s leeway: accepted."""
    now = int(time.time())
    async with auth_factory(**issuer.settings()) as auth:
        expired_a_little = issuer.rs256(exp=now - 30, iat=now - 600, nbf=now - 600)
        early_a_little = issuer.es256(nbf=now + 30)
        assert (await auth.save(SAVE_BODY, headers={"Authorization": f"Bearer {expired_a_little}"})).status_code == 200
        assert (await auth.save(SAVE_BODY, headers={"Authorization": f"Bearer {early_a_little}"})).status_code == 200


async def test_leeway_is_configurable(auth_factory, issuer, anyio_backend):
    """With oidc_leeway_seconds=0 a token that expired 30 s ago is refused."""
    now = int(time.time())
    token = issuer.rs256(exp=now - 30, iat=now - 600, nbf=now - 600)
    async with auth_factory(**issuer.settings(), oidc_leeway_seconds=0) as auth:
        assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": f"Bearer {token}"}))


async def test_audience_list_containing_ours_is_accepted(auth_factory, issuer, anyio_backend):
    """An aud array that includes the configured audience is accepted (RFC 7519)."""
    async with auth_factory(**issuer.settings()) as auth:
        token = issuer.es256(aud=["other", "sochat"])
        assert (await auth.save(SAVE_BODY, headers={"Authorization": f"Bearer {token}"})).status_code == 200


@pytest.mark.parametrize(
    "make_header",
    [
        pytest.param(lambda t: f"Bearer {t[:-6]}", id="truncated-signature"),
        pytest.param(lambda t: f"Bearer {t.rsplit('.', 1)[0]}", id="two-segments"),
        pytest.param(lambda t: f"Bearer {t}.x", id="four-segments"),
        pytest.param(lambda t: f"Bearer {t[:20]} {t[20:]}", id="space-inside"),
        pytest.param(lambda t: f"JWT {t}", id="wrong-scheme"),
        pytest.param(lambda t: f"Bearer {t}".encode() + b"\xff", id="non-utf8-byte"),
        pytest.param(lambda t: b"Bearer \xff\xfe." + t.split(".", 1)[1].encode(), id="non-utf8-header-segment"),
    ],
)
async def test_malformed_jwt_header_is_401(auth_factory, issuer, anyio_backend, make_header):
    """Malformed Authorization headers around a valid JWT are a 401 and store nothing."""
    async with auth_factory(**issuer.settings()) as auth:
        assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": make_header(issuer.rs256())}))
        assert auth.row_count() == 0


async def test_jwt_refused_when_no_issuer_is_configured(auth, issuer):
    """Without oidc_jwks, even a well-signed JWT is a 401."""
    assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": f"Bearer {issuer.rs256()}"}))


async def test_unknown_kid_fails_at_once_and_a_background_refresh_picks_the_key_up(
    auth_factory, issuer, monkeypatch, anyio_backend
):
    """A rotated-in key: the first token is refused without waiting; the refresh it starts makes it work."""
    monkeypatch.setattr(oidc, "_REFRESH_INTERVAL", 0.0)  # the once-a-minute limit, shortened for the test
    async with auth_factory(**issuer.settings()) as auth:
        new_key = ec.generate_private_key(ec.SECP256R1())
        issuer.publish(
            ("rsa-1", issuer.rsa_key.public_key()), ("ec-1", issuer.ec_key.public_key()), ("ec-2", new_key.public_key())
        )
        token = jwt.encode(issuer.claims("agent1"), new_key, algorithm="ES256", headers={"kid": "ec-2"})
        header = {"Authorization": f"Bearer {token}"}
        assert_refused(await auth.save(SAVE_BODY, headers=header))
        status = 401
        with anyio.move_on_after(5):
            while status != 200:
                await anyio.sleep(0.05)
                status = (await auth.save(SAVE_BODY, headers=header)).status_code
        assert status == 200, "the background JWKS refresh never picked up the new key"
        assert auth.row_count() == 1


async def test_unknown_kid_refreshes_at_most_once_a_minute(auth_factory, issuer, anyio_backend):
    """Right after a load, unknown kids do not reload the JWKS: the rotated key is not used yet."""
    async with auth_factory(**issuer.settings()) as auth:
        new_key = ec.generate_private_key(ec.SECP256R1())
        issuer.publish(("ec-2", new_key.public_key()))
        token = jwt.encode(issuer.claims(), new_key, algorithm="ES256", headers={"kid": "ec-2"})
        for _ in range(3):
            assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": f"Bearer {token}"}))
            await anyio.sleep(0.1)
        # the old keys stay in use until a refresh is due
        assert (await auth.save(SAVE_BODY, headers={"Authorization": f"Bearer {issuer.rs256()}"})).status_code == 200


async def test_failed_refresh_keeps_the_old_keys(auth_factory, issuer, monkeypatch, anyio_backend):
    """A refresh that finds a broken JWKS file keeps the keys already loaded."""
    monkeypatch.setattr(oidc, "_REFRESH_INTERVAL", 0.0)
    async with auth_factory(**issuer.settings()) as auth:
        issuer.jwks_path.write_text("{not json")
        assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": f"Bearer {issuer.rs256(kid='unknown')}"}))
        await anyio.sleep(0.3)
        assert (await auth.save(SAVE_BODY, headers={"Authorization": f"Bearer {issuer.rs256()}"})).status_code == 200


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        pytest.param("exp", "9999999999", id="exp-string-of-digits"),
        pytest.param("exp", "tomorrow", id="exp-string"),
        pytest.param("exp", {"seconds": 1}, id="exp-object"),
        pytest.param("exp", [9999999999], id="exp-array"),
        pytest.param("exp", True, id="exp-boolean"),
        pytest.param("exp", float("inf"), id="exp-infinity"),
        pytest.param("exp", float("nan"), id="exp-nan"),
        pytest.param("exp", 10**30, id="exp-beyond-year-9999"),
        pytest.param("nbf", "0", id="nbf-string"),
        pytest.param("nbf", {"seconds": 0}, id="nbf-object"),
        pytest.param("nbf", float("-inf"), id="nbf-minus-infinity"),
        pytest.param("iat", "0", id="iat-string"),
    ],
)
async def test_jwt_dates_must_be_numbers(auth_factory, issuer, anyio_backend, claim, value):
    """exp, nbf and iat are NumericDates: a correctly signed token with a string, object, boolean, infinite or
    out-of-range value there is a 401 (not a 500), and stores nothing."""
    token = issuer.rs256(**{claim: value})
    async with auth_factory(**issuer.settings()) as auth:
        assert_refused(await auth.save(SAVE_BODY, headers={"Authorization": f"Bearer {token}"}))
        assert auth.row_count() == 0


async def test_jwt_with_fractional_dates_is_accepted(auth_factory, issuer, anyio_backend):
    """NumericDates may carry fractions of a second (RFC 7519): such a token is accepted."""
    now = time.time()
    token = issuer.rs256(exp=now + 300.5, nbf=now - 0.25, iat=now - 0.25)
    async with auth_factory(**issuer.settings()) as auth:
        response = await auth.save(SAVE_BODY, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
