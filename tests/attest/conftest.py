"""Fixtures for attest tests: a key ring with an evaluator key, a signed run, and a trust policy for it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.attest.summaries import make_summary
from tongzhou.attest import KeyRing, policy_from_dict, sign_run
from tongzhou.attest.policy import TrustPolicy


@pytest.fixture
def ring(tmp_path: Path) -> KeyRing:
    """A key ring with keys ``lab`` (the evaluator) and ``stranger``."""
    keys = KeyRing(tmp_path / "keys")
    keys.generate("lab")
    keys.generate("stranger")
    return keys


@pytest.fixture
def summary(tmp_path: Path) -> dict[str, Any]:
    """A 30-item run summary over three real bank files."""
    return make_summary(tmp_path / "banks", n_items=30, fail_every=7)


@pytest.fixture
def envelope(summary: dict[str, Any], ring: KeyRing) -> dict[str, Any]:
    """The run signed by ``lab`` on 2026-11-20."""
    return sign_run(
        summary, ring.private_key("lab"), "Example AI Safety Lab", signed_at="2026-11-20T09:00:00Z"
    )


PolicyFactory = Callable[..., TrustPolicy]


@pytest.fixture
def make_policy(ring: KeyRing) -> PolicyFactory:
    """Build a policy trusting ``lab`` for gbt45654 in CN and EU; keyword arguments override parts."""

    def build(evaluator: dict[str, Any] | None = None, **top: Any) -> TrustPolicy:
        entry = {
            "name": "Example AI Safety Lab",
            "public_key": ring.info("lab").public_pem,
            "valid_from": "2026-01-01T00:00:00Z",
            "valid_until": "2027-12-31T23:59:59Z",
            "recognised_for": [{"profile": "gbt45654", "versions": ["2025"], "jurisdictions": ["CN", "EU"]}],
        }
        entry.update(evaluator or {})
        raw = {"policy": "tongzhou-trust-policy/v1", "name": "test policy", "evaluators": [entry]}
        raw.update(top)
        return policy_from_dict(raw)

    return build
