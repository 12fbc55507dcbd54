"""Gateway test fixtures: issuer keys, a trust policy naming them, and a gateway in front of an upstream."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tongzhou.attest import KeyRing
from tongzhou.gateway.halt_order import HaltOrder
from tongzhou.gateway.policy import GatewayPolicy, load_policy
from tongzhou.gateway.stub_upstream import make_stub_app

REGULATOR = "national-ai-safety-office"


@dataclass
class Issuers:
    """Keys: the regulator (trusted for everything), an operator (PAUSE on models only), a stranger."""

    regulator: Ed25519PrivateKey
    operator: Ed25519PrivateKey
    stranger: Ed25519PrivateKey

    def order(self, action: str, scope: str = "all", reason: str = "test order", **kw: object) -> HaltOrder:
        """A fresh order by the regulator."""
        return HaltOrder.create(action, scope, REGULATOR, reason, **kw)  # type: ignore[arg-type]


@pytest.fixture
def issuers(tongzhou_home: Path) -> Issuers:
    ring = KeyRing()
    for name in ("regulator", "operator", "stranger"):
        ring.generate(name)
    return Issuers(ring.private_key("regulator"), ring.private_key("operator"), ring.private_key("stranger"))


STUB_MODELS = "upstream: {models: [stub-model], default_model: stub-model, unknown_model: refused}"
"""How the stub upstream picks a model: the one it is asked for, ``stub-model`` when none is named."""


def write_policy(directory: Path, extra: str = "") -> Path:
    """A gateway.yaml trusting the key ring's regulator and operator keys (and, unless ``extra``
    says otherwise, describing the stub upstream's models)."""
    if "upstream:" not in extra:
        extra = STUB_MODELS + "\n" + extra
    path = directory / "gateway.yaml"
    path.write_text(
        f"""
service: {{system_id: demo-system, organisation: demo-org}}
halt:
  stream_cut_seconds: 0.2
  trust:
    - issuer: {REGULATOR}
      key: regulator
    - issuer: model-operator
      key: operator
      actions: [PAUSE]
      scopes: ["model:*"]
labels: {{explicit: true, implicit: true, language: en, position: prefix}}
{extra}
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def policy(issuers: Issuers, tmp_path: Path) -> GatewayPolicy:
    return load_policy(write_policy(tmp_path))


@pytest.fixture
def policy_path(issuers: Issuers, tmp_path: Path) -> Iterator[Path]:
    yield write_policy(tmp_path)


@pytest.fixture
def stub_upstream() -> Iterator[str]:
    """The stub upstream served from a thread: yields its /v1 base URL."""
    import asyncio

    from aiohttp import web

    loop = asyncio.new_event_loop()
    runner = web.AppRunner(make_stub_app())
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/v1"
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
