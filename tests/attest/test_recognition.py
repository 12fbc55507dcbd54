"""Recognition view: the obligations a verified attestation serves, from the classify crosswalk."""

from __future__ import annotations

from typing import Any

from tests.attest.conftest import PolicyFactory
from tongzhou.attest import verify_attestation
from tongzhou.attest.recognition import evidence_claims, recognition_view
from tongzhou.classify import crosswalk


def test_evidence_map_uses_contract_ids() -> None:
    ids = {
        "adversarial-test-report",
        "safety-evaluation-report",
        "technical-documentation",
        "impact-assessment",
        "risk-management-file",
        "content-labeling-conformance",
        "incident-report",
        "energy-documentation",
        "training-data-audit",
        "audit-log",
        "halt-procedure",
        "algorithm-filing",
        "security-assessment",
    }
    claims = evidence_claims("gbt45654")
    assert {c.artefact for c in claims} <= ids and claims[0].artefact == "safety-evaluation-report"
    # The quick demo profile is not a GB/T 45654 assessment: it falls back to the default claim only.
    assert [c.artefact for c in evidence_claims("gbt45654-quick")] == ["safety-evaluation-report"]


def test_recognition_through_the_real_crosswalk(envelope: dict[str, Any], make_policy: PolicyFactory) -> None:
    policy = make_policy({"recognised_for": [{"profile": "gbt45654", "jurisdictions": ["CN"]}]})
    view = recognition_view(verify_attestation(envelope, policy=policy))
    assert view.unavailable is None
    expected = {
        (c.artefact, r.obligation_id) for c in view.claims for r in crosswalk.recognition_for(c.artefact)
    }
    assert {(o.artefact, o.obligation_id) for o in view.obligations} == expected and expected
    grouped = view.by_jurisdiction()
    china = next(j for j in grouped if j.upper() == "CN")
    assert all(o.policy_recognises for o in grouped[china])
    others = [o for j, obs in grouped.items() if j != china for o in obs]
    assert all(o.policy_recognises is False for o in others)
    assert all(o.rationale and o.source for o in view.obligations)


def test_unverified_attestation_is_evidence_for_nothing(
    envelope: dict[str, Any], make_policy: PolicyFactory
) -> None:
    view = recognition_view(verify_attestation(envelope, policy=make_policy({"valid_until": "2026-01-02"})))
    assert view.obligations == [] and view.unavailable is not None and "did not verify" in view.unavailable
