"""Real signed evaluations for the portal's tests: an evaluator key trusted by a site policy written
to TONGZHOU_HOME, a stranger's key it does not list, and envelopes of runs made for a registered
system (the report's ``system_profile_sha256`` is that system's registered profile digest)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.attest.summaries import make_summary
from tongzhou.attest import sign_run
from tongzhou.attest.keys import key_id, public_key_pem
from tongzhou.portal.evaluations import site_policy_path
from tongzhou.store import Store
from tongzhou.systems.registry import SystemRegistry, profile_digest

LAB = "Example AI Safety Lab"
POLICY_NAME = "portal test policy"
SIGNED_AT = "2026-11-20T09:00:00Z"


@dataclass
class Lab:
    """The trusted evaluator's key, a stranger's key, and a run summary to sign."""

    key: Ed25519PrivateKey
    stranger: Ed25519PrivateKey
    summary: dict[str, Any]
    store: Store

    @property
    def key_id(self) -> str:
        """The trusted key's id."""
        return key_id(self.key.public_key())

    def envelope(
        self,
        system_id: str,
        *,
        key: Ed25519PrivateKey | None = None,
        evaluator: str = LAB,
        **summary_changes: Any,
    ) -> dict[str, Any]:
        """A run made for ``system_id``, signed (by the lab unless ``key`` is given)."""
        profile = SystemRegistry(self.store).get(system_id)
        summary = {**self.summary, "system_profile_sha256": profile_digest(profile)[1], **summary_changes}
        return sign_run(summary, key or self.key, evaluator, signed_at=SIGNED_AT)

    def bundle_results(self) -> bytes:
        """The bundle's ``results.jsonl`` of the run (the items as the run recorded them)."""
        items = sorted(self.summary["items"], key=lambda i: (str(i["bank_id"]), str(i["item_id"])))
        return "".join(json.dumps(i, ensure_ascii=False, sort_keys=True) + "\n" for i in items).encode()


def write_site_policy(key: Ed25519PrivateKey, name: str = POLICY_NAME, evaluator: str = LAB) -> Path:
    """The site policy trusting ``key`` for gbt45654 (2025) in CN and EU."""
    policy = {
        "policy": "tongzhou-trust-policy/v1",
        "name": name,
        "evaluators": [
            {
                "name": evaluator,
                "public_key": public_key_pem(key.public_key()),
                "valid_from": "2026-01-01T00:00:00Z",
                "valid_until": "2030-12-31T23:59:59Z",
                "recognised_for": [
                    {"profile": "gbt45654", "versions": ["2025"], "jurisdictions": ["CN", "EU"]}
                ],
            }
        ],
        "require": {"complete_run": True},
    }
    path = site_policy_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(policy, allow_unicode=True), encoding="utf-8")
    return path


def make_lab(store: Store, banks: Path) -> Lab:
    """A lab whose key the site policy trusts (the policy is written to TONGZHOU_HOME)."""
    lab = Lab(
        Ed25519PrivateKey.generate(),
        Ed25519PrivateKey.generate(),
        make_summary(banks, 12, fail_every=5),
        store,
    )
    write_site_policy(lab.key)
    return lab


def tampered(envelope: dict[str, Any]) -> dict[str, Any]:
    """The envelope with one byte of the signed payload changed (the signature left as it was)."""
    payload = bytearray(base64.b64decode(envelope["payload"]))
    at = payload.index(b'"run_id"')
    payload[at + 10] ^= 0x01
    return {**envelope, "payload": base64.b64encode(bytes(payload)).decode("ascii")}


def resigned_under_lab_id(envelope: dict[str, Any], other: Ed25519PrivateKey) -> dict[str, Any]:
    """The envelope re-signed by ``other`` but still claiming the lab's key id (a wrong key)."""
    from tongzhou.attest.dsse import pae

    payload = base64.b64decode(envelope["payload"])
    sig = other.sign(pae(envelope["payloadType"], payload))
    entry = {**envelope["signatures"][0], "sig": base64.b64encode(sig).decode("ascii")}
    return {**envelope, "signatures": [entry]}
