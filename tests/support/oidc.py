"""A real OpenID provider for the single sign-on tests: django-oauth-toolkit with OpenID
Connect on, in a process of its own (tests/support/oidc_provider/), with its own SQLite
database, port, and an RS256 key made when it starts."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.processes import Service, wait_for
from tests.support.smtp import free_port

CLIENT_ID = "oversight-tests"
CLIENT_SECRET = "test-only-client-secret-for-the-oidc-tests"  # nosec: a throwaway provider
PROVIDER_PASSWORD = "provider-test-password"  # nosec


class OidcProvider:
    """Start with the people it knows ({username: claims}) and Oversight's callback URL."""

    def __init__(self, workdir: Path, *, people: dict[str, dict[str, Any]], redirect_uri: str):
        self.workdir = workdir
        self.port = free_port()
        self.people = people
        self.redirect_uri = redirect_uri
        self.record = workdir / "pkce.jsonl"
        self.service: Service | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}/o"

    def start(self) -> OidcProvider:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        key_file = self.workdir / "provider-key.pem"
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        users = self.workdir / "provider-people.json"
        users.write_text(
            json.dumps(
                {
                    name: {"password": PROVIDER_PASSWORD, "claims": claims}
                    for name, claims in self.people.items()
                }
            )
        )
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "OVERSIGHT_"))
        }
        env |= {
            "OIDC_TEST_PORT": str(self.port),
            "OIDC_TEST_DB": str(self.workdir / "provider.sqlite3"),
            "OIDC_TEST_KEY": str(key_file),
            "OIDC_TEST_USERS": str(users),
            "OIDC_TEST_RECORD": str(self.record),
            "OIDC_TEST_CLIENT_ID": CLIENT_ID,
            "OIDC_TEST_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_TEST_REDIRECT_URI": self.redirect_uri,
        }
        self.service = Service(
            [sys.executable, "-m", "tests.support.oidc_provider.serve"],
            env,
            self.workdir / "provider.log",
        ).start()
        wait_for(self._up, timeout=60, what="the test OpenID provider")
        return self

    def _up(self) -> bool:
        assert self.service and self.service.process
        if self.service.process.poll() is not None:
            raise AssertionError(f"The test OpenID provider stopped:\n{self.service.output()}")
        try:
            url = f"{self.issuer}/.well-known/openid-configuration"
            return requests.get(url, timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def stop(self) -> None:
        if self.service:
            self.service.stop()

    def requests_seen(self) -> list[dict[str, Any]]:
        """What Oversight sent to the authorize and token endpoints, in order."""
        if not self.record.exists():
            return []
        return [json.loads(line) for line in self.record.read_text().splitlines() if line]
