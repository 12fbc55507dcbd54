"""Trust policy files: the documented format loads; every malformed part is refused naming the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tongzhou.attest import KeyRing, load_policy, policy_from_dict
from tongzhou.errors import InputError


def _policy(ring: KeyRing, **evaluator: Any) -> dict[str, Any]:
    entry = {
        "name": "Lab",
        "public_key": ring.info("lab").public_pem,
        "recognised_for": [{"profile": "gbt45654", "jurisdictions": ["CN"]}],
        **evaluator,
    }
    return {"policy": "tongzhou-trust-policy/v1", "name": "p", "evaluators": [entry]}


def test_yaml_file_loads_with_dates_and_revocations(ring: KeyRing, tmp_path: Path) -> None:
    raw = _policy(ring, valid_from="2026-01-01", key_id=ring.info("lab").key_id)
    raw["revocations"] = [
        {"key_id": "ed25519:" + "1" * 32, "revoked_at": "2026-05-01T12:00:00+08:00", "reason": "rotated"}
    ]
    path = tmp_path / "trust.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True))
    policy = load_policy(path)
    (evaluator,) = policy.evaluators
    assert evaluator.key_id == ring.info("lab").key_id and evaluator.valid_from is not None
    assert evaluator.valid_from.isoformat() == "2026-01-01T00:00:00+00:00"
    assert policy.revocations[0].revoked_at is not None
    assert policy.revocations[0].revoked_at.isoformat() == "2026-05-01T04:00:00+00:00"
    assert evaluator.recognised_for[0].covers("gbt45654", "any-version")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.update(policy="v0"), "'policy' must be"),
        (lambda p: p["evaluators"][0].update(public_key="not a key"), r"evaluators\[0\].public_key"),
        (lambda p: p["evaluators"][0].update(key_id="ed25519:" + "f" * 32), "but public_key has id"),
        (lambda p: p["evaluators"][0].update(valid_until="next year"), "not an ISO-8601"),
        (lambda p: p["evaluators"][0].update(recognised_for=[{"jurisdictions": ["CN"]}]), "needs a profile"),
        (lambda p: p.update(revocations=[{"reason": "x"}]), "needs key_id"),
        (lambda p: p.update(require={"max_age_days": -3}), "positive integer"),
    ],
)
def test_malformed_policy_refused(ring: KeyRing, change: Any, message: str) -> None:
    raw = _policy(ring)
    change(raw)
    with pytest.raises(InputError, match=message):
        policy_from_dict(raw)


def test_unreadable_and_non_yaml_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read trust policy"):
        load_policy(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("policy: [unclosed")
    with pytest.raises(InputError, match="not valid YAML"):
        load_policy(bad)
