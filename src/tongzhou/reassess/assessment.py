"""One review of one system: run the plan's checks and return the entry to record.

Nothing is written here: :mod:`tongzhou.reassess.tick` stores the entry, its "needs review" flags
and its notifications in one transaction, so a review is recorded whole or not at all. The
evaluation run (when the plan has an endpoint) is the evaluate module's own run, stored by it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tongzhou.classify import Classifier, load_ruleset
from tongzhou.errors import TongzhouError
from tongzhou.reassess import attestation_check, classification_check, evaluation_check
from tongzhou.reassess.findings import Finding
from tongzhou.reassess.plans import ReviewPlan
from tongzhou.reassess.policy import ReviewInterval, ReviewPolicy
from tongzhou.store import Store
from tongzhou.systems.profile import SystemProfile

SAFETY_EVIDENCE = frozenset({"safety-evaluation-report", "adversarial-test-report", "security-assessment"})
"""Artefacts an evaluation run stands for: items relying on them need review when the refusal rate drops."""


@dataclass
class PreviousReview:
    """What the last reviews of a system kept, for comparison."""

    as_of: dt.date | None = None
    classification: dict[str, Any] | None = None
    attestations: dict[str, Any] | None = None
    evaluation: dict[str, Any] | None = None
    """The last review that ran the evaluation (its refusal rate with interval)."""


@dataclass
class AssessmentDraft:
    """A review's outcome, ready to be recorded."""

    system_id: str
    cycle_due: dt.date
    as_of: dt.date
    overdue: bool
    interval: ReviewInterval
    ruleset_version: str
    profile_sha256: str
    classification: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)
    evaluation: evaluation_check.RefusalRate | None = None
    flags: dict[tuple[str, str], str] = field(default_factory=dict)
    """``(jurisdiction, obligation_id)`` → why that compliance item needs review."""

    @property
    def alerts(self) -> int:
        return sum(1 for f in self.findings if f.severity == "alert")

    @property
    def next_due(self) -> dt.date:
        return self.as_of + dt.timedelta(days=self.interval.interval_days)


class Classifiers:
    """One compiled classifier per rule overlay directory (rules are compiled once per tick)."""

    def __init__(self) -> None:
        self._by_dir: dict[str | None, Classifier] = {}

    def get(self, rules_dir: str | None) -> Classifier:
        found = self._by_dir.get(rules_dir)
        if found is None:
            ruleset = None if rules_dir is None else load_ruleset(overlay=Path(rules_dir))
            found = self._by_dir[rules_dir] = Classifier(ruleset)
        return found


def _flag(draft: AssessmentDraft, key: tuple[str, str], reason: str) -> None:
    draft.flags[key] = f"{draft.flags[key]}; {reason}" if key in draft.flags else reason


def assess(
    store: Store,
    plan: ReviewPlan,
    profile: SystemProfile,
    profile_sha256: str,
    previous: PreviousReview,
    *,
    as_of: dt.date,
    policy: ReviewPolicy,
    classifiers: Classifiers,
    workspace_attestations: dict[str, list[tuple[str, str]]],
    site_trust_policy: Path | None,
    run_evaluations: bool = True,
) -> AssessmentDraft:
    """Run the plan's checks for ``profile`` on ``as_of`` against what the last review kept."""
    classifier = classifiers.get(plan.rules_dir)
    codes = classifier.parse_jurisdictions(plan.jurisdictions or None)
    classification = classifier.classify(profile, as_of, codes)
    snap = classification_check.snapshot(classification)
    interval = policy.interval_for(classification_check.headline_tiers(snap))
    overdue = as_of > plan.next_due + dt.timedelta(days=plan.grace_days)
    draft = AssessmentDraft(
        plan.system_id,
        plan.next_due,
        as_of,
        overdue,
        interval,
        classification.ruleset_version,
        profile_sha256,
        snap,
    )
    draft.evidence["interval"] = {
        "rule": interval.rule_id,
        "days": interval.interval_days,
        "grace_days": interval.grace_days,
        "basis": interval.basis,
        "policy": policy.source,
    }
    checks = set(plan.checks)
    if "classification" in checks:
        found, changes = classification_check.compare(
            previous.classification, snap, since=previous.as_of, as_of=as_of
        )
        draft.findings += found
        for change in changes:
            if change.change != "removed":
                _flag(draft, (change.jurisdiction, change.obligation_id), f"obligation {change.change}")
    if "attestations" in checks:
        _check_attestations(draft, plan, previous, as_of, workspace_attestations, site_trust_policy)
    if "evaluation" in checks and plan.endpoint and run_evaluations:
        _check_evaluation(store, draft, plan, previous)
    if overdue:
        draft.findings.append(_overdue_finding(plan.next_due, plan.grace_days, as_of))
    return draft


def _overdue_finding(due: dt.date, grace: int, as_of: dt.date) -> Finding:
    late = (as_of - due).days
    return Finding(
        "overdue",
        "overdue",
        "alert",
        f"the review due on {due} (grace {grace} days) is {late} days late on {as_of}",
        f"应于 {due} 完成的复审（宽限 {grace} 天）至 {as_of} 已逾期 {late} 天",
    )


def _check_attestations(
    draft: AssessmentDraft,
    plan: ReviewPlan,
    previous: PreviousReview,
    as_of: dt.date,
    workspace_attestations: dict[str, list[tuple[str, str]]],
    site_trust_policy: Path | None,
) -> None:
    paths = list(dict.fromkeys([*plan.attestations, *workspace_attestations]))
    if not paths:
        return
    policy_path = Path(plan.trust_policy) if plan.trust_policy else site_trust_policy
    digest = attestation_check.policy_digest(policy_path)
    record: dict[str, Any] = {
        "policy": None if policy_path is None else str(policy_path),
        "policy_sha256": digest,
    }
    if policy_path is None or digest is None:
        draft.findings.append(
            Finding(
                "attestations",
                "attestation-failed",
                "alert",
                f"{len(paths)} attestation(s) could not be checked: no readable trust policy "
                f"({policy_path or 'none set; give one with `tongzhou reassess configure --trust-policy`'})",
                "无可读的信任策略，无法核验证明",
            )
        )
        record["results"] = [
            attestation_check.AttestationResult(p, False, ["no-policy"]).to_dict() for p in paths
        ]
        draft.evidence["attestations"] = record
        return
    from tongzhou.attest import load_policy as load_trust_policy

    try:
        trust = load_trust_policy(policy_path)
    except TongzhouError as exc:
        draft.findings.append(
            Finding(
                "attestations",
                "attestation-failed",
                "alert",
                f"trust policy unreadable: {exc}",
                f"信任策略无法读取：{exc.zh or exc}",
            )
        )
        draft.evidence["attestations"] = record
        return
    results = []
    for path in paths:
        result = attestation_check.check_one(path, trust, as_of)
        result.items = workspace_attestations.get(path, [])
        results.append(result)
        if not result.ok:
            for key in result.items:
                _flag(
                    draft,
                    key,
                    f"attestation {Path(path).name} no longer stands ({', '.join(result.reasons)})",
                )
    record["results"] = [r.to_dict() for r in results]
    draft.evidence["attestations"] = record
    draft.findings += attestation_check.compare(results, previous.attestations, digest)


def _check_evaluation(
    store: Store, draft: AssessmentDraft, plan: ReviewPlan, previous: PreviousReview
) -> None:
    assert plan.endpoint is not None
    try:
        rate = evaluation_check.run_suite(
            store,
            plan.endpoint,
            suite=plan.suite,
            profile=plan.eval_profile,
            limit=plan.eval_limit,
            cycle=evaluation_check.cycle_name(plan.system_id, draft.cycle_due),
            api_key_env=plan.api_key_env,
        )
    except TongzhouError as exc:
        draft.findings.append(
            Finding(
                "evaluation",
                "evaluation-failed",
                "alert",
                f"the evaluation of {plan.endpoint} could not run: {exc}",
                f"无法对 {plan.endpoint} 开展评测：{exc.zh or exc}",
            )
        )
        draft.evidence["evaluation"] = {"endpoint": plan.endpoint, "error": str(exc)}
        return
    draft.evaluation = rate
    draft.evidence["evaluation"] = {
        "endpoint": plan.endpoint,
        "suite": plan.suite,
        "profile": plan.eval_profile,
        "limit": plan.eval_limit,
        **rate.to_dict(),
        "previous": previous.evaluation,
    }
    found = evaluation_check.compare(rate, previous.evaluation)
    draft.findings += found
    if any(f.code == "refusal-drop" for f in found):
        for code, j in draft.classification["jurisdictions"].items():
            for oid, ob in j["obligations"].items():
                if SAFETY_EVIDENCE & set(ob.get("evidence", [])):
                    _flag(draft, (code, oid), "refusal rate dropped: the evaluation evidence needs review")


def previous_from_rows(rows: list[Any]) -> PreviousReview:
    """The comparison base from a system's earlier assessment rows, newest first."""
    prev = PreviousReview()
    if not rows:
        return prev
    last = rows[0]
    prev.as_of = last.as_of
    prev.classification = json.loads(last.classification_json)
    prev.attestations = json.loads(last.evidence_json).get("attestations")
    for row in rows:
        if row.refusal_rate is not None:
            ev = json.loads(row.evidence_json).get("evaluation") or {}
            prev.evaluation = {
                "run_id": row.eval_run_id,
                "value": row.refusal_rate,
                "ci_low": row.refusal_low,
                "ci_high": row.refusal_high,
                "n": row.refusal_n,
                "as_of": row.as_of.isoformat(),
                "status": ev.get("status"),
            }
            break
    return prev
