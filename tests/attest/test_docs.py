"""docs/attest.md documents every reason code and the trust-policy example in it loads."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tongzhou.attest import REASONS, KeyRing, policy_from_dict

DOC = Path(__file__).resolve().parents[2] / "docs" / "attest.md"


def test_every_reason_code_is_documented() -> None:
    section = DOC.read_text("utf-8").split("Reason codes:", 1)[1].split("The mutation tests", 1)[0]
    documented = dict(re.findall(r"^\| `([a-z-]+)` \| (.+) \|$", section, re.M))
    assert documented == REASONS


def test_documented_policy_example_loads(tmp_path: Path) -> None:
    text = DOC.read_text("utf-8")
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    ring = KeyRing(tmp_path)
    info = ring.generate("lab")
    pem = "\n".join("      " + line for line in info.public_pem.strip().splitlines())
    placeholder = "      -----BEGIN PUBLIC KEY-----\n      …\n      -----END PUBLIC KEY-----"
    example = example.replace(placeholder, pem)
    example = example.replace("key_id: ed25519:…                   # optional; checked against public_key",
                              f"key_id: {info.key_id}")
    raw = yaml.safe_load(example)
    raw["revocations"][0]["key_id"] = "ed25519:" + "1" * 32
    policy = policy_from_dict(raw)
    assert policy.evaluators[0].recognised_for[0].jurisdictions == ("CN", "EU")
    assert policy.max_age_days == 730
