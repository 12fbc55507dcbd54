"""Why an attestation is not recognised: stable reason codes and the finding that carries one."""

from __future__ import annotations

from dataclasses import dataclass

REASONS: dict[str, str] = {
    "malformed-envelope": "the file is not a DSSE envelope (payload, payloadType, signatures)",
    "wrong-payload-type": "the envelope does not carry an in-toto Statement (application/vnd.in-toto+json)",
    "bad-signature": "a trusted key's signature does not match the payload: it was altered or forged",
    "unknown-key": "no signature is by a key the verifier trusts",
    "revoked-key": "the signing key is revoked (for signatures made at or after the revocation time)",
    "expired-key": "the signature was made after the key's validity period in the trust policy ended",
    "key-not-yet-valid": "the signature was made before the key's validity period in the trust policy began",
    "signed-in-future": "the claimed signing time is later than the time of verification",
    "too-old": "the attestation is older than the policy's max_age_days",
    "profile-not-recognised": "the policy does not recognise the evaluator for the report's standard profile",
    "run-incomplete": "the run is partial and the policy requires complete runs",
    "malformed-payload": "the signed payload is not JSON",
    "not-an-in-toto-statement": "the signed payload is not an in-toto Statement v1",
    "wrong-predicate-type": "the Statement's predicate is not a Tongzhou evaluation report",
    "schema-invalid": "the report does not follow the report schema",
    "evaluator-mismatch": "the report names another evaluator key than the one that signed it",
    "subject-mismatch": "the Statement's subjects do not match the digests in the report",
    "results-digest-mismatch": "the report's results digest does not match its per-item results",
    "result-mismatch": "a per-item result in the bundle differs from the signed one",
    "result-missing": "the bundle lacks a per-item result that was signed",
    "result-extra": "the bundle has a per-item result that was not signed",
    "bank-mismatch": "a bank file in the bundle does not hash to the signed bank digest",
    "bank-item-mismatch": "an item of a bank file differs from the item digest that was signed",
    "bundle-invalid": "the bundle directory is missing or unreadable",
}
"""Every reason code, with what it means (docs/attest.md lists the same table)."""


@dataclass(frozen=True)
class Finding:
    """One reason an attestation fails verification or recognition."""

    code: str
    """A key of :data:`REASONS`."""
    message: str
    """What exactly was wrong, for a person."""

    def __post_init__(self) -> None:
        if self.code not in REASONS:
            raise ValueError(f"unknown reason code {self.code!r}")

    def to_dict(self) -> dict[str, str]:
        """JSON form."""
        return {"code": self.code, "message": self.message}
