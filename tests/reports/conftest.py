"""A signed, verified 400-item run for the report tests (real signing and verification)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.attest.summaries import make_summary
from tongzhou.attest import KeyRing, sign_run, verify_attestation
from tongzhou.attest.verify import Verification


@pytest.fixture
def verified(tmp_path: Path) -> Verification:
    """A verification of a freshly signed run (trusted via the key ring, no policy)."""
    ring = KeyRing(tmp_path / "keys")
    ring.generate("lab")
    summary = make_summary(tmp_path / "banks", n_items=400, fail_every=13)
    envelope = sign_run(summary, ring.private_key("lab"), "Example AI Safety Lab 示例安全实验室")
    result = verify_attestation(envelope, trusted_keys={ring.info("lab").key_id: ring.public_key("lab")})
    assert result.ok, result.failures
    return result
