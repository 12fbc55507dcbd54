"""From a classification to tracked items, and what a re-plan changes.

A plan is the set of obligations a classification gives the registrant (``applies_to_registrant``),
each with the date the law makes it bite. Its key is ``(jurisdiction, obligation_id)``: a re-plan
(a new as-of date, corrected rules, a changed profile) compares the new set with the items on file
and reports four kinds of change — added, restored (an inactive item given again), removed (made
inactive, never deleted) and re-dated — so owners, statuses and evidence of items that persist are
kept untouched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from tongzhou.classify.findings import Classification, ObligationFinding

ItemKey = tuple[str, str]
"""``(jurisdiction, obligation_id)``."""


@dataclass(frozen=True, slots=True)
class PlannedObligation:
    """An obligation the classification gives the registrant, with the date it bites."""

    jurisdiction: str
    regime: str
    obligation_id: str
    title: str
    title_zh: str
    legal_basis: str
    addressee: str
    binding: bool
    due_date: dt.date | None
    applies_until: dt.date | None

    @property
    def key(self) -> ItemKey:
        return self.jurisdiction, self.obligation_id

    @classmethod
    def from_finding(cls, jurisdiction: str, binding: bool, finding: ObligationFinding) -> PlannedObligation:
        return cls(
            jurisdiction,
            finding.regime,
            finding.id,
            finding.title,
            finding.title_zh,
            finding.legal_basis,
            finding.addressee,
            binding,
            finding.applies_from,
            finding.applies_until,
        )


def planned_obligations(classification: Classification) -> dict[ItemKey, PlannedObligation]:
    """Every obligation of the registrant, by key (the earliest date wins if one repeats)."""
    planned: dict[ItemKey, PlannedObligation] = {}
    for result in classification.jurisdictions:
        for finding in result.obligations:
            if not finding.applies_to_registrant:
                continue
            item = PlannedObligation.from_finding(result.jurisdiction, result.binding, finding)
            known = planned.get(item.key)
            if known is None or _earlier(item.due_date, known.due_date):
                planned[item.key] = item
    return planned


def _earlier(a: dt.date | None, b: dt.date | None) -> bool:
    return a is not None and (b is None or a < b)


@dataclass(frozen=True, slots=True)
class ItemChange:
    """One item a re-plan touched."""

    item_id: int
    jurisdiction: str
    obligation_id: str
    title: str
    legal_basis: str
    old_due: dt.date | None
    new_due: dt.date | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "item_id": self.item_id,
            "jurisdiction": self.jurisdiction,
            "obligation_id": self.obligation_id,
            "title": self.title,
            "legal_basis": self.legal_basis,
            "old_due": None if self.old_due is None else self.old_due.isoformat(),
            "new_due": None if self.new_due is None else self.new_due.isoformat(),
        }


@dataclass(slots=True)
class PlanChange:
    """What a plan or re-plan did to a system's items."""

    system_id: str
    revision: int
    as_of: dt.date
    ruleset_version: str
    previous_as_of: dt.date | None = None
    previous_ruleset_version: str | None = None
    profile_changed: bool = False
    added: list[ItemChange] = field(default_factory=list)
    restored: list[ItemChange] = field(default_factory=list)
    """Items a previous re-plan had removed, given again (with their owner, status and evidence)."""
    removed: list[ItemChange] = field(default_factory=list)
    redated: list[ItemChange] = field(default_factory=list)
    kept: int = 0
    """Items that persist unchanged (re-dated ones are counted in :attr:`redated` instead)."""

    @property
    def changed(self) -> bool:
        """Whether any item was added, restored, removed or re-dated."""
        return bool(self.added or self.restored or self.removed or self.redated)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "system_id": self.system_id,
            "revision": self.revision,
            "as_of": self.as_of.isoformat(),
            "ruleset_version": self.ruleset_version,
            "previous_as_of": None if self.previous_as_of is None else self.previous_as_of.isoformat(),
            "previous_ruleset_version": self.previous_ruleset_version,
            "profile_changed": self.profile_changed,
            "changed": self.changed,
            "added": [c.to_dict() for c in self.added],
            "restored": [c.to_dict() for c in self.restored],
            "removed": [c.to_dict() for c in self.removed],
            "redated": [c.to_dict() for c in self.redated],
            "kept": self.kept,
        }

    def lines(self) -> list[str]:
        """A readable account, one change a line (bilingual headings)."""
        head = f"{self.system_id}: plan revision {self.revision} as of {self.as_of.isoformat()}"
        if self.previous_as_of is not None and self.previous_as_of != self.as_of:
            head += f" (was {self.previous_as_of.isoformat()})"
        out = [head]
        if (
            self.previous_ruleset_version is not None
            and self.previous_ruleset_version != self.ruleset_version
        ):
            out.append(
                f"rules changed / 规则已变更: {self.previous_ruleset_version} → {self.ruleset_version}"
            )
        if self.profile_changed:
            out.append("the registered profile changed / 系统档案已变更")

        def due(d: dt.date | None) -> str:
            return "no date" if d is None else d.isoformat()

        for c in self.added:
            out.append(
                f"+ added / 新增   #{c.item_id} {c.jurisdiction} {c.obligation_id} due {due(c.new_due)}"
            )
        for c in self.restored:
            out.append(
                f"+ restored / 恢复 #{c.item_id} {c.jurisdiction} {c.obligation_id} due {due(c.new_due)} "
                "(owner, status and evidence kept)"
            )
        for c in self.removed:
            out.append(
                f"- removed / 移除 #{c.item_id} {c.jurisdiction} {c.obligation_id} "
                "(kept inactive with its evidence)"
            )
        for c in self.redated:
            out.append(
                f"~ re-dated / 改期 #{c.item_id} {c.jurisdiction} {c.obligation_id}: "
                f"{due(c.old_due)} → {due(c.new_due)}"
            )
        if not self.changed:
            out.append("no item changed / 无变化")
        out.append(f"{self.kept} item(s) unchanged / 未变")
        return out
