"""The compliance workspace: each dated obligation of a registered system as tracked work.

From a system's classification (``tongzhou.classify``) every obligation the law gives the
registrant becomes an item with an owner, a due date from the law, a status and evidence attached
(a signed attestation, a label report, an energy report, any file by its SHA-256). The crosswalk
says which evidence each obligation accepts, so "evidence required vs on file" is computed per
jurisdiction; a re-plan (new as-of date, other rules, a changed profile) says what changed and
keeps everything attached to items that persist. ``dashboards`` holds the portal's numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tongzhou.lazy_names import lazy_names

if TYPE_CHECKING:
    from tongzhou.workspace.coverage import (
        ItemCoverage,
        JurisdictionCoverage,
        coverage_by_jurisdiction,
        item_coverage,
    )
    from tongzhou.workspace.items import ComplianceItem, EvidenceKind, EvidenceRecord, ItemStatus
    from tongzhou.workspace.planning import ItemChange, PlanChange
    from tongzhou.workspace.service import ComplianceWorkspace

__all__ = [
    "ComplianceItem",
    "ComplianceWorkspace",
    "EvidenceKind",
    "EvidenceRecord",
    "ItemChange",
    "ItemCoverage",
    "ItemStatus",
    "JurisdictionCoverage",
    "PlanChange",
    "coverage_by_jurisdiction",
    "item_coverage",
]

_HOMES = {
    "ComplianceItem": "tongzhou.workspace.items",
    "EvidenceKind": "tongzhou.workspace.items",
    "EvidenceRecord": "tongzhou.workspace.items",
    "ItemStatus": "tongzhou.workspace.items",
    "ItemChange": "tongzhou.workspace.planning",
    "PlanChange": "tongzhou.workspace.planning",
    "ComplianceWorkspace": "tongzhou.workspace.service",
    "ItemCoverage": "tongzhou.workspace.coverage",
    "JurisdictionCoverage": "tongzhou.workspace.coverage",
    "coverage_by_jurisdiction": "tongzhou.workspace.coverage",
    "item_coverage": "tongzhou.workspace.coverage",
}
"""Where each public name lives: loaded on first use, because the store imports ``workspace._tables``
for its metadata and that must not pull the classification engine along."""

__getattr__ = lazy_names(__name__, _HOMES)
