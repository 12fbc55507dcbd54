"""A report view from a verification result (the signed report plus how its signature checked out)."""

from __future__ import annotations

from tongzhou.attest.recognition import recognition_view
from tongzhou.attest.verify import Verification
from tongzhou.errors import InputError
from tongzhou.reports.view import ReportView, SignatureInfo, report_view


def signature_info(verification: Verification) -> SignatureInfo:
    """Describe the signature of a verified attestation for readers."""
    if verification.report is None or verification.signer_key_id is None:
        reasons = "; ".join(f"{f.code}: {f.message}" for f in verification.failures)
        raise InputError(f"the attestation does not verify, so no report is rendered from it ({reasons})")
    if verification.ok and verification.policy_name:
        status = (
            f"signature verified; recognised by trust policy {verification.policy_name!r} "
            f"in {', '.join(verification.jurisdictions) or 'no jurisdiction'}"
        )
    elif verification.ok:
        status = "signature verified against the local key ring; no trust policy applied"
    else:
        status = "signature verified but NOT recognised: " + "; ".join(f.code for f in verification.failures)
    return SignatureInfo(
        evaluator=verification.evaluator_name or verification.report["evaluator"]["name"],
        key_id=verification.signer_key_id,
        signed_at=verification.signed_at or "",
        envelope_sha256=verification.envelope_sha256,
        verified=True,
        status=status,
    )


def view_of_attestation(verification: Verification) -> ReportView:
    """The report view of a verified attestation, with the obligations it serves when it is recognised."""
    info = signature_info(verification)
    assert verification.report is not None
    recognition = recognition_view(verification)
    obligations = [o.to_dict() for o in recognition.obligations]
    return report_view(verification.report, info, obligations)
