"""Fixtures for the authentication tests: the app on the test's demo store (both databases), seen from a remote address,
and an OpenID Connect issuer's keys generated for the test."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path

import jwt
import pytest
from auth_support import AUDIENCE, ISSUER, REMOTE
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from sochat.store.store import Store
from support.client import Client
from support.databases import Backend
from support.inprocess import InProcess, opener

AuthFactory = Callable[..., AbstractAsyncContextManager[Client]]


@pytest.fixture
def auth_factory(store: Store, store_backend: Backend) -> AuthFactory:
    """Open the app with the given Settings fields on the test's store (both databases), as an async context
    manager yielding a Client seen from a non-loopback address and with no credentials of its own: each test
    sends exactly the credentials it means to."""

    def wrap(opened: InProcess) -> Client:
        return Client(opened.client, app=opened.app, store=store, backend=store_backend, auth=None)

    return opener(store, wrap, address=(REMOTE, 5000))


@pytest.fixture
async def auth(auth_factory: AuthFactory, anyio_backend: str) -> AsyncIterator[Client]:
    """The app with default settings."""
    async with auth_factory() as opened:
        yield opened


@dataclass
class Issuer:
    """An OpenID Connect issuer of the test: an RSA and an EC P-256 key, published in a JWKS file."""

    jwks_path: Path
    rsa_key: rsa.RSAPrivateKey
    ec_key: ec.EllipticCurvePrivateKey
    published: list[dict[str, object]] = field(default_factory=list)

    def publish(self, *keys: tuple[str, object]) -> None:
        """Write the JWKS file with these (kid, public key) pairs."""
        self.published = []
        for kid, key in keys:
            algorithm = RSAAlgorithm if isinstance(key, rsa.RSAPublicKey) else ECAlgorithm
            jwk = json.loads(algorithm.to_jwk(key))  # type: ignore[attr-defined]
            jwk["kid"] = kid
            self.published.append(jwk)
        self.jwks_path.write_text(json.dumps({"keys": self.published}))

    def claims(self, user: str = "tje0", **changes: object) -> dict[str, object]:
        now = int(time.time())
        claims: dict[str, object] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            "preferred_username": user,
        }
        claims.update(changes)
        return {name: value for name, value in claims.items() if value is not None}

    def rs256(self, user: str = "tje0", *, kid: str = "rsa-1", **changes: object) -> str:
        return jwt.encode(self.claims(user, **changes), self.rsa_key, algorithm="RS256", headers={"kid": kid})

    def es256(self, user: str = "tje0", *, kid: str = "ec-1", **changes: object) -> str:
        return jwt.encode(self.claims(user, **changes), self.ec_key, algorithm="ES256", headers={"kid": kid})

    def public_pem(self) -> bytes:
        return self.rsa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def settings(self) -> dict[str, object]:
        return {"oidc_jwks": str(self.jwks_path), "oidc_issuer": ISSUER, "oidc_audience": AUDIENCE}


@pytest.fixture(scope="session")
def issuer_keys() -> tuple[rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey]:
    """Keys generated once per run (RSA generation takes a moment)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048), ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def issuer(tmp_path: Path, issuer_keys: tuple[rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey]) -> Issuer:
    """An issuer whose JWKS file publishes its RSA key as kid rsa-1 and its EC key as ec-1."""
    rsa_key, ec_key = issuer_keys
    made = Issuer(tmp_path / "jwks.json", rsa_key, ec_key)
    made.publish(("rsa-1", rsa_key.public_key()), ("ec-1", ec_key.public_key()))
    return made
