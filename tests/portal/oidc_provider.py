"""A real OpenID Provider on loopback for the single sign-on tests: panva's node-oidc-provider
(tests/portal/oidc_op, installed by ``make setup`` with ``npm ci``), behind a pass-through proxy.

The proxy is the provider's public address (its ``issuer``); it forwards every request unchanged
unless a test sets :attr:`LiveProvider.tamper`, which rewrites the token endpoint's answer: the
man in the middle, or a compromised provider, that the hostile tests play. The test knows the
provider's signing key, so it can forge tokens that differ from a real one in exactly one claim.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.conftest import free_port, wait_http

OP_DIR = Path(__file__).parent / "oidc_op"
_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "host"}


def need_node_provider() -> None:
    """Fail with the fix unless node and the provider's npm packages are installed."""
    if shutil.which("node") is None or not (OP_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail(
            "the test OpenID Provider is not installed: run `make setup` "
            "(npm ci --prefix tests/portal/oidc_op; Node.js from system-packages.txt)",
            pytrace=False,
        )


def claims_of(token: str) -> dict[str, Any]:
    """The payload of a compact JWT, unverified (to copy a real token's claims into a forgery)."""
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


def sign(claims: dict[str, Any], key: RSAKey, kid: str | None = None) -> str:
    """``claims`` as an RS256 JWT signed with ``key``."""
    return jwt.encode({"alg": "RS256", "kid": kid or str(key.kid)}, claims, key)


def unsigned(claims: dict[str, Any]) -> str:
    """``claims`` as a JWT with ``alg: none`` and no signature (RFC 7519 §6)."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


@dataclass
class LiveProvider:
    """The provider as the tests see it."""

    issuer: str
    key: RSAKey
    """The provider's signing key (its private part: the tests forge with it)."""
    tamper: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    """Rewrites the token endpoint's JSON answer (None: pass it through)."""
    token_requests: list[dict[str, str]] = field(default_factory=list)
    """The form bodies the token endpoint received (PKCE verifier, code, redirect URI)."""


@contextmanager
def running_provider(
    workdir: Path, clients: list[dict[str, Any]], accounts: dict[str, dict[str, Any]]
) -> Iterator[LiveProvider]:
    """node-oidc-provider on one loopback port, the proxy (its issuer) on another."""
    need_node_provider()
    upstream_port, proxy_port = free_port(), free_port()
    issuer = f"http://127.0.0.1:{proxy_port}"
    key = RSAKey.generate_key(
        2048, parameters={"kid": "op-key-1", "alg": "RS256", "use": "sig"}, private=True
    )
    config = {
        "port": upstream_port,
        "issuer": issuer,
        "clients": clients,
        "jwks": {"keys": [key.as_dict(private=True)]},
        "accounts": accounts,
    }
    config_file = workdir / "op.json"
    config_file.write_text(json.dumps(config), encoding="utf-8")
    live = LiveProvider(issuer, key)
    process = subprocess.Popen(
        ["node", str(OP_DIR / "server.mjs"), str(config_file)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    proxy = ThreadingHTTPServer(
        ("127.0.0.1", proxy_port), _proxy_handler(f"http://127.0.0.1:{upstream_port}", live)
    )
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        wait_http(f"{issuer}/.well-known/openid-configuration", timeout=30, process=process)
        yield live
    finally:
        proxy.shutdown()
        proxy.server_close()
        process.terminate()
        process.wait(timeout=10)


def _proxy_handler(upstream: str, live: LiveProvider) -> type[BaseHTTPRequestHandler]:
    class Proxy(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _forward(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
            headers["host"] = self.headers.get("host", "")
            try:
                answer = httpx.request(
                    self.command, upstream + self.path, headers=headers, content=body, timeout=10
                )
            except httpx.HTTPError:  # the provider is still starting
                self.send_error(502)
                return
            content = answer.content
            if self.path.startswith("/token"):
                live.token_requests.append(dict(httpx.QueryParams(body.decode())))
                if live.tamper is not None and answer.status_code == 200:
                    content = json.dumps(live.tamper(answer.json())).encode()
            self.send_response(answer.status_code)
            for name, value in answer.headers.multi_items():
                if name.lower() not in _HOP:
                    self.send_header(name, value)
            self.send_header("content-length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = _forward

    return Proxy
