"""Attestation check: verify every attestation linked to a system again, as of the review day.

Linked means linked to the review plan (``tongzhou reassess link``) or filed as evidence in the
system's compliance workspace. Each is verified with :func:`tongzhou.attest.verify_attestation`
under the plan's trust policy (or the site's), with the verification time set to the end of the
as-of day: so an attestation older than the policy's ``max_age_days`` fails as ``too-old``
(expired), a key revoked since fails as ``revoked-key``, and a key whose validity the policy has
since cut fails as ``expired-key``. The policy's digest is kept, so a changed trust policy is said,
and an attestation that verified at the last review and fails now is an alert.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tongzhou.errors import InputError
from tongzhou.reassess.findings import Finding

EXPIRY_REASONS = {
    "too-old": "expired: older than the trust policy's max_age_days",
    "revoked-key": "the signing key is revoked",
    "expired-key": "the signing key's validity in the trust policy ended before it signed",
    "profile-not-recognised": "the trust policy no longer recognises the evaluator for this profile",
}


@dataclass
class AttestationResult:
    """What the check read from one attestation file."""

    path: str
    ok: bool
    reasons: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    envelope_sha256: str | None = None
    signer_key_id: str | None = None
    signed_at: str | None = None
    items: list[tuple[str, str]] = field(default_factory=list)
    """Workspace items ``(jurisdiction, obligation_id)`` that rely on it."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "ok": self.ok,
            "reasons": self.reasons,
            "messages": self.messages,
            "envelope_sha256": self.envelope_sha256,
            "signer_key_id": self.signer_key_id,
            "signed_at": self.signed_at,
            "items": [list(i) for i in self.items],
        }


def verification_time(as_of: dt.date) -> dt.datetime:
    """The instant a review on ``as_of`` verifies at: the end of that day, UTC."""
    return dt.datetime.combine(as_of, dt.time(23, 59, 59), dt.UTC)


def policy_digest(path: Path | None) -> str | None:
    """``sha256:<hex>`` of the trust policy file's bytes, or None when there is none or it is unreadable."""
    if path is None:
        return None
    try:
        return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def check_one(path: str, policy: Any, as_of: dt.date) -> AttestationResult:
    """Verify the attestation at ``path`` under ``policy`` (a :class:`tongzhou.attest.TrustPolicy`)."""
    from tongzhou.attest import read_attestation, verify_attestation

    try:
        envelope = read_attestation(Path(path))
    except InputError as exc:
        return AttestationResult(path, False, ["attestation-missing"], [exc.bilingual()])
    verification = verify_attestation(envelope, policy=policy, now=verification_time(as_of))
    return AttestationResult(
        path,
        verification.ok,
        verification.reasons(),
        [f"{f.code}: {f.message}" for f in verification.failures],
        verification.envelope_sha256,
        verification.signer_key_id,
        verification.signed_at,
    )


def compare(
    results: list[AttestationResult],
    previous: dict[str, Any] | None,
    policy_sha256: str | None,
) -> list[Finding]:
    """Findings for this review's results against the last review's evidence (``previous``)."""
    findings: list[Finding] = []
    before: dict[str, Any] = {a["path"]: a for a in (previous or {}).get("results", [])}
    old_policy = (previous or {}).get("policy_sha256")
    if previous is not None and old_policy != policy_sha256:
        findings.append(
            Finding(
                "attestations",
                "trust-policy-changed",
                "warning",
                f"the trust policy changed since the last review ({old_policy} → {policy_sha256})",
                "自上次复审以来信任策略已变更",
            )
        )
    for result in results:
        was = before.get(result.path)
        if result.ok:
            if was is not None and not was["ok"]:
                findings.append(
                    Finding(
                        "attestations",
                        "attestation-recovered",
                        "info",
                        f"{result.path} verifies again",
                        f"{result.path} 重新通过核验",
                    )
                )
            continue
        code = "attestation-missing" if result.reasons == ["attestation-missing"] else "attestation-failed"
        why = "; ".join(EXPIRY_REASONS.get(r, r) for r in result.reasons)
        already = was is not None and not was["ok"] and was["reasons"] == result.reasons
        findings.append(
            Finding(
                "attestations",
                code,
                "warning" if already else "alert",
                f"{result.path} no longer stands: {why}" + (" (as at the last review)" if already else ""),
                f"{result.path} 已不再有效：{', '.join(result.reasons)}",
            )
        )
    return findings
