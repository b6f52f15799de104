"""Issue 12 section 4: hostile JWTs from a configured OpenID Connect issuer, correctly signed, so that every
claim reaches sochat's checks: exp, nbf and iat that are not numbers or not finite, user names with NUL,
control characters or no end. No 5xx, every 4xx in SuperOffice's error body, the server healthy afterwards."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fuzz_strategies import OPERATIONS, Raw, draw_target, texts, to_json, values
from fuzz_support import RawRequest, make, run_fuzz
from hypothesis import strategies as st
from jwt import api_jws
from jwt.algorithms import ECAlgorithm

# Hostile inputs are large on purpose; hypothesis' note that their repr is large is expected.
pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore:Generating overly large repr")]

EXAMPLES = 200
ISSUER = "https://issuer.fuzz.invalid"
AUDIENCE = "sochat-fuzz"
KEY = ec.generate_private_key(ec.SECP256R1())
KID = "fuzz-ec"


def server_args(directory: Path) -> tuple[str, ...]:
    """Publish the test's key as the issuer's JWKS and point the server at it."""
    jwk = json.loads(ECAlgorithm.to_jwk(KEY.public_key()))
    jwk["kid"] = KID
    jwks = directory / "jwks.json"
    jwks.write_text(json.dumps({"keys": [jwk]}))
    return ("--oidc-jwks", str(jwks), "--oidc-issuer", ISSUER, "--oidc-audience", AUDIENCE)


def signed(claims: dict[str, Any]) -> str:
    """A JWT with exactly these claims (JSON text made by to_json: Raw numbers and all), signed by KEY."""
    return api_jws.encode(
        to_json(claims).encode("utf-8", "surrogatepass"), KEY, algorithm="ES256", headers={"kid": KID}
    )


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "iat": now, "nbf": now, "exp": now + 300, "preferred_username": "tje0"}
    claims.update(changes)
    return claims


def _bearer(claims: dict[str, Any]) -> RawRequest:
    return make("GET", "/api/v1/ChatSession", [("Authorization", f"Bearer {signed(claims)}")], role=None)


NOT_NUMBERS = (Raw("1e400"), Raw("-1e400"), Raw("9" * 4301), "never", "1700000000", [1], {"n": 1}, True, None, 1.5)


def test_hostile_jwt_claims(fuzz_target):
    """Signed tokens whose time claims are not numbers or not finite, and hostile user names."""
    findings = fuzz_target.findings()
    explicit = [_bearer(_claims(**{claim: value})) for claim in ("exp", "nbf", "iat") for value in NOT_NUMBERS]
    explicit += [
        _bearer(_claims(preferred_username="tje0\u0000")),
        _bearer(_claims(preferred_username="x" * 100_000)),
        _bearer(_claims(preferred_username="tj\u0001e0")),
        _bearer(_claims(preferred_username="\ud800")),
    ]
    claim_value = st.one_of(values(), st.sampled_from(NOT_NUMBERS))

    def build(draw: Any) -> RawRequest:
        changes = draw(
            st.dictionaries(
                st.sampled_from(("exp", "nbf", "iat", "iss", "aud", "preferred_username")), claim_value, max_size=3
            )
        )
        if draw(st.booleans()):
            changes["preferred_username"] = draw(texts())
        path, method = draw(st.sampled_from(OPERATIONS))
        headers = [("Authorization", f"Bearer {signed(_claims(**changes))}")]
        return make(method, draw_target(draw, path, fuzz_target.stored_ids), headers, role=None)

    run_fuzz(findings, EXAMPLES, build, explicit)
    try:
        fuzz_target.assert_healthy()
    finally:
        findings.assert_none(f"JWT claims on {fuzz_target.database}")
