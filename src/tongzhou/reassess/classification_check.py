"""Re-classification check: classify again under the rules in force on the as-of date and compare
with the snapshot the last assessment kept.

The snapshot is small on purpose (it is stored with every assessment): per jurisdiction the
headline tier and its rank, and every obligation addressed to the registrant with the date it
bites. The comparison flags a headline tier that moved, obligations that are new or re-dated, ones
that started to bite since the last review, and ones the rules no longer give.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tongzhou.classify import Classification
from tongzhou.reassess.findings import Finding


def snapshot(classification: Classification) -> dict[str, Any]:
    """The part of a classification the next review compares against (JSON-ready)."""
    out: dict[str, Any] = {"ruleset_version": classification.ruleset_version, "jurisdictions": {}}
    for result in classification.jurisdictions:
        summary = result.summary()  # computed once: headline and its text come from it
        head = summary.tier
        out["jurisdictions"][result.jurisdiction] = {
            "binding": result.binding,
            "in_scope": result.in_scope,
            "tier": None if head is None else head.id,
            "tier_label": None if head is None else head.label,
            "rank": None if head is None else head.rank,
            "headline": summary.text,
            "obligations": {
                o.id: {
                    "applies_from": None if o.applies_from is None else o.applies_from.isoformat(),
                    "legal_basis": o.legal_basis,
                    "title": o.title,
                    "title_zh": o.title_zh,
                    "evidence": [e.artefact for e in o.evidence],
                }
                for o in result.obligations
                if o.applies_to_registrant
            },
        }
    return out


def headline_tiers(snap: dict[str, Any]) -> dict[str, str | None]:
    """Jurisdiction → headline tier id, as the review policy matches it."""
    return {code: j["tier"] for code, j in snap["jurisdictions"].items()}


@dataclass(frozen=True, slots=True)
class ObligationChange:
    """One obligation that a review found new, re-dated, now biting or gone."""

    jurisdiction: str
    obligation_id: str
    change: str
    """``new``, ``re-dated``, ``now-applies`` or ``removed``."""


def compare(
    previous: dict[str, Any] | None, current: dict[str, Any], *, since: dt.date | None, as_of: dt.date
) -> tuple[list[Finding], list[ObligationChange]]:
    """Findings for what changed between ``previous`` (None on the first review) and ``current``."""
    findings: list[Finding] = []
    changes: list[ObligationChange] = []
    if previous is None:
        return findings, changes
    if previous.get("ruleset_version") != current["ruleset_version"]:
        findings.append(
            Finding(
                "classification",
                "rules-changed",
                "info",
                f"the rule set changed since the last review ({previous.get('ruleset_version')} → "
                f"{current['ruleset_version']})",
                "自上次复审以来规则集已变更",
            )
        )
    old_j: dict[str, Any] = previous.get("jurisdictions", {})
    for code, now in current["jurisdictions"].items():
        before = old_j.get(code, {"tier": None, "rank": None, "obligations": {}})
        if before.get("tier") != now["tier"]:
            up = (now["rank"] or 0) > (before.get("rank") or 0)
            findings.append(
                Finding(
                    "classification",
                    "tier-moved",
                    "alert" if up and now["binding"] else "warning",
                    f"{code}: headline tier moved from {before.get('tier') or 'none'} "
                    f"to {now['tier'] or 'none'}"
                    f" ({now['headline']})",
                    f"{code}：主要等级由 {before.get('tier') or '无'} 变为 {now['tier'] or '无'}",
                )
            )
        old_ob: dict[str, Any] = before.get("obligations", {})
        for oid, ob in sorted(now["obligations"].items()):
            when = ob["applies_from"]
            if oid not in old_ob:
                changes.append(ObligationChange(code, oid, "new"))
                findings.append(
                    Finding(
                        "classification",
                        "new-obligation",
                        "alert" if now["binding"] else "info",
                        f"{code}: new dated obligation {oid} ({ob['legal_basis']}) "
                        f"from {when or 'now'}: {ob['title']}",
                        f"{code}：新增有日期的义务 {oid}（{ob['legal_basis']}），"
                        f"自 {when or '现在'} 起：{ob['title_zh']}",
                    )
                )
            elif old_ob[oid]["applies_from"] != when:
                changes.append(ObligationChange(code, oid, "re-dated"))
                bites_now = when is not None and dt.date.fromisoformat(when) <= as_of
                findings.append(
                    Finding(
                        "classification",
                        "obligation-re-dated",
                        "alert" if bites_now and now["binding"] else "warning",
                        f"{code}: {oid} ({ob['legal_basis']}) now bites from {when}, "
                        f"not {old_ob[oid]['applies_from']}",
                        f"{code}：{oid} 的适用日期由 {old_ob[oid]['applies_from']} 变为 {when}",
                    )
                )
            elif when is not None and since is not None and since < dt.date.fromisoformat(when) <= as_of:
                changes.append(ObligationChange(code, oid, "now-applies"))
                findings.append(
                    Finding(
                        "classification",
                        "obligation-now-applies",
                        "alert" if now["binding"] else "info",
                        f"{code}: {oid} ({ob['legal_basis']}) started to apply on {when}: {ob['title']}",
                        f"{code}：{oid}（{ob['legal_basis']}）已于 {when} 开始适用",
                    )
                )
        for oid in sorted(set(old_ob) - set(now["obligations"])):
            changes.append(ObligationChange(code, oid, "removed"))
            findings.append(
                Finding(
                    "classification",
                    "obligation-removed",
                    "info",
                    f"{code}: {oid} is no longer given by the rules in force on {as_of}",
                    f"{code}：{oid} 在 {as_of} 生效的规则下不再适用",
                )
            )
    return findings, changes
