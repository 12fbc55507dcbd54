"""A trust policy with three regulators, a quorum of two for TERMINATE and for lifting one, and keys."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tongzhou.attest import KeyRing
from tongzhou.gateway.halt_order import HaltOrder

REGULATORS = ("regulator-a", "regulator-b", "regulator-c")


@dataclass
class Board:
    """The keys of a cooperation body of three regulators, a second key of regulator-a, a stranger."""

    a: Ed25519PrivateKey
    b: Ed25519PrivateKey
    c: Ed25519PrivateKey
    a_spare: Ed25519PrivateKey
    stranger: Ed25519PrivateKey

    @staticmethod
    def order(action: str, issuer: str = "regulator-a", scope: str = "all", **kw: object) -> HaltOrder:
        """A fresh order by ``issuer``."""
        return HaltOrder.create(action, scope, issuer, f"{action} by {issuer}", **kw)  # type: ignore[arg-type]


def make_board() -> Board:
    """Generate the keys in the current key ring ($TONGZHOU_HOME/keys)."""
    ring = KeyRing()
    names = ("reg-a", "reg-b", "reg-c", "reg-a-spare", "stranger")
    for name in names:
        ring.generate(name)
    return Board(*(ring.private_key(n) for n in names))


def write_quorum_policy(directory: Path, quorum: str | None = None) -> Path:
    """gateway.yaml trusting the three regulators (regulator-a with two keys); ``quorum`` replaces
    the default rules (TERMINATE 2 of 3 within an hour; a RESUME lifting a TERMINATE, 2 of 3)."""
    if quorum is None:
        quorum = """
  quorum:
    - actions: [TERMINATE]
      required: 2
      window_seconds: 3600
    - actions: [RESUME]
      lifting: [TERMINATE]
      required: 2
      window_seconds: 3600
"""
    path = directory / "gateway.yaml"
    path.write_text(
        f"""
service: {{system_id: demo-system, organisation: demo-org}}
upstream: {{models: [stub-model], default_model: stub-model, unknown_model: refused}}
labels: {{explicit: false, implicit: false}}
halt:
  trust:
    - {{issuer: regulator-a, key: reg-a}}
    - {{issuer: regulator-a, key: reg-a-spare}}
    - {{issuer: regulator-b, key: reg-b}}
    - {{issuer: regulator-c, key: reg-c}}
{quorum}
""",
        encoding="utf-8",
    )
    return path
