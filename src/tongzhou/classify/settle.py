"""The last step of a jurisdiction's classification: who each duty binds, evidence, one entry per tier,
refusal reasons on the tiers they concern, and a prohibition's single duty.

A prohibited practice has one duty: not to place it on the market, put it into service or use
it (EU AI Act Art. 5(1)). When a prohibition applies on the as-of date, every other duty of the
regime is withdrawn (a compliance plan for a system that may not exist would mislead) and the
other tiers are marked as superseded. When the prohibition is still to come, duties that would
bite only after it are withdrawn and the others end on the day it starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tongzhou.classify.findings import EvidenceRef, JurisdictionResult, TierFinding
from tongzhou.classify.qualifiers import NoteFinding

_PROVIDER_ROLES = frozenset({"provider", "provider_and_deployer"})
_DEPLOYER_ROLES = frozenset({"deployer", "provider_and_deployer"})


def settle(
    result: JurisdictionResult,
    facts: dict[str, Any],
    role: str,
    evidence: Mapping[str, list[EvidenceRef]],
    stop_duties: frozenset[str],
) -> None:
    """Finish ``result`` in place (see the module docstring)."""
    is_provider = role in _PROVIDER_ROLES or facts.get(f"@{result.jurisdiction}.acts_as_provider") is True
    is_deployer = role in _DEPLOYER_ROLES
    for o in result.obligations:
        o.applies_to_registrant = (
            o.addressee == "any"
            or (o.addressee == "provider" and is_provider)
            or (o.addressee == "deployer" and is_deployer)
        )
        o.evidence = evidence.get(o.id, [])
    if len(result.tiers) > 1:
        result.tiers = _one_per_tier(result.tiers)
    if result.refusals:
        for t in result.tiers:
            t.refused = [
                f"{r.exemption} refused: {r.reason} ({r.legal_basis})"
                for r in result.refusals
                if r.tier == t.id
            ]
    if any(t.exclusive for t in result.tiers):
        _prohibition(result, stop_duties)


def _one_per_tier(tiers: list[TierFinding]) -> list[TierFinding]:
    """One entry per tier: the earliest-biting rule wins; the others join its ``because``."""
    merged: dict[tuple[str, str], TierFinding] = {}
    for t in tiers:
        key = (t.regime, t.id)
        kept = merged.get(key)
        if kept is None:
            merged[key] = t
            continue
        if _bites_earlier(t, kept):
            t.because.append(kept.rule_id)
            merged[key] = t
        else:
            kept.because.append(t.rule_id)
    return sorted(merged.values(), key=lambda t: -t.rank)


_STATUS_ORDER = {"applies": 0, "undetermined": 1, "upcoming": 2}


def _bites_earlier(t: TierFinding, kept: TierFinding) -> bool:
    """A rule that applies beats one whose date is undetermined, which beats one still to come."""
    a, b = _STATUS_ORDER.get(t.status, 3), _STATUS_ORDER.get(kept.status, 3)
    if a != b:
        return a < b
    if t.applies_from is None or kept.applies_from is None:
        return t.applies_from is None and kept.applies_from is not None
    return t.applies_from < kept.applies_from


def _prohibition(result: JurisdictionResult, stop_duties: frozenset[str]) -> None:
    stops = [t for t in result.tiers if t.exclusive and t.status != "undetermined"]
    applying = [t for t in stops if t.status == "applies"]
    if applying:
        head = max(applying, key=lambda t: t.rank)
        withdrawn = [o.id for o in result.obligations if o.id not in stop_duties]
        result.obligations = [o for o in result.obligations if o.id in stop_duties]
        for t in result.tiers:
            if not t.exclusive:
                t.superseded_by = head.id
        if withdrawn:
            result.notes.append(
                NoteFinding(
                    head.rule_id,
                    head.regime,
                    f"{head.label}: the only duty is not to place it on the market, put it into service or "
                    "use "
                    f"it; the {len(withdrawn)} duties that would otherwise attach are not listed "
                    f"({', '.join(withdrawn)}).",
                    head.legal_basis,
                    "禁止的实践只有一项义务：不得投放市场、投入使用或使用；其他义务不予列出。",
                )
            )
        return
    starts = [t.applies_from for t in stops if t.applies_from is not None]
    if not starts:
        return
    cutoff = min(starts)
    kept = []
    for o in result.obligations:
        if o.id in stop_duties:
            kept.append(o)
        elif o.applies_from is None or o.applies_from < cutoff:
            if o.applies_until is None or o.applies_until > cutoff:
                o.applies_until = cutoff
            kept.append(o)
    result.obligations = kept
    result.notes.append(
        NoteFinding(
            stops[0].rule_id,
            stops[0].regime,
            f"From {cutoff} the practice is prohibited: the duties listed end on that date.",
            stops[0].legal_basis,
            f"自{cutoff}起该实践被禁止：所列义务于该日终止。",
        )
    )
