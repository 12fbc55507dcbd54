"""The evidence crosswalk: the shared artefact ids, every reference resolving, and recognition_for()."""

from __future__ import annotations

import pytest

from tongzhou.classify import default_ruleset, recognition_for
from tongzhou.classify.crosswalk import default_crosswalk
from tongzhou.errors import InputError

CONTRACT_IDS = {
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


def test_contract_artefact_ids_are_all_present() -> None:
    assert set(default_crosswalk().artefacts) >= CONTRACT_IDS


def test_every_recognition_points_at_a_real_obligation_with_rationale() -> None:
    ruleset = default_ruleset()
    regimes = {r.id: r for r in ruleset.regimes}
    for artefact in default_crosswalk().artefacts.values():
        assert artefact.recognitions, artefact.id
        for rec in artefact.recognitions:
            assert rec.regime in regimes, (artefact.id, rec.regime)
            assert rec.obligation_id in regimes[rec.regime].obligations, (artefact.id, rec.obligation_id)
            assert regimes[rec.regime].jurisdiction == rec.jurisdiction
            assert rec.rationale and rec.source and rec.requirement


def test_recognition_for_adversarial_report_spans_regimes() -> None:
    recs = recognition_for("adversarial-test-report")
    assert {r.jurisdiction for r in recs} >= {"eu", "kr"}
    art55 = next(r for r in recs if r.obligation_id == "eu.art55_1a")
    assert art55.requirement == "Art. 55(1)(a)" and art55.regime == "eu-ai-act"


def test_unknown_artefact_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown evidence artefact 'selfie'"):
        recognition_for("selfie")


def test_obligation_evidence_lists_where_else_it_counts() -> None:
    refs = default_crosswalk().evidence_for("cn.genai.art17")
    by_id = {r.artefact: r for r in refs}
    assert {"safety-evaluation-report", "security-assessment", "algorithm-filing"} <= set(by_id)
    assert any(x.startswith("eu-ai-act:") for x in by_id["safety-evaluation-report"].recognised_elsewhere)
