"""Evidence required vs evidence on file, per item and per jurisdiction, from the crosswalk.

The crosswalk (``classify/crosswalk.yaml``) says which artefacts satisfy each obligation. An item
is covered when evidence of one of those artefacts is on file for the same system — attached to the
item itself or to another of the system's items (one adversarial test report serves Art. 15 and
Art. 55(1)(a) alike; that is the point of the crosswalk). An obligation the crosswalk names no
artefact for is covered by anything attached to the item itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tongzhou.workspace.items import ComplianceItem, EvidenceRecord, ItemStatus


def accepted_artefacts(obligation_id: str) -> list[str]:
    """The crosswalk artefacts that satisfy ``obligation_id`` (empty when it names none)."""
    from tongzhou.classify.crosswalk import default_crosswalk

    return sorted({e.artefact for e in default_crosswalk().evidence_for(obligation_id)})


@dataclass(frozen=True, slots=True)
class ItemCoverage:
    """What one item needs and what is on file for it."""

    item: ComplianceItem
    accepted: list[str]
    """Artefacts that would satisfy it (empty: the crosswalk names none, any attached file does)."""
    on_file: list[EvidenceRecord]
    """Evidence that satisfies it: its own, then other items' of an accepted artefact (one per file)."""
    reused_from: list[int] = field(default_factory=list)
    """Ids of the other items whose evidence counts here."""

    @property
    def covered(self) -> bool:
        """Whether evidence for it is on file."""
        return bool(self.on_file)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "item_id": self.item.id,
            "obligation_id": self.item.obligation_id,
            "accepted": self.accepted,
            "covered": self.covered,
            "on_file": [
                {"evidence_id": e.id, "artefact": e.artefact, "sha256": e.sha256} for e in self.on_file
            ],
            "reused_from": self.reused_from,
        }


def item_coverage(item: ComplianceItem, siblings: Iterable[ComplianceItem]) -> ItemCoverage:
    """The coverage of ``item`` given every item of its system (``siblings`` may include it)."""
    accepted = accepted_artefacts(item.obligation_id)
    own = [e for e in item.evidence if not accepted or e.artefact in accepted]
    seen = {e.sha256 for e in own}
    reused: list[EvidenceRecord] = []
    sources: list[int] = []
    if accepted:
        for other in siblings:
            if other.id == item.id or other.system_id != item.system_id:
                continue
            for e in other.evidence:
                if e.artefact in accepted and e.sha256 not in seen:
                    seen.add(e.sha256)
                    reused.append(e)
                    if other.id not in sources:
                        sources.append(other.id)
    return ItemCoverage(item, accepted, own + reused, sources)


@dataclass(slots=True)
class JurisdictionCoverage:
    """Evidence required vs on file in one jurisdiction."""

    jurisdiction: str
    items: list[ItemCoverage] = field(default_factory=list)

    @property
    def covered(self) -> int:
        """Items with evidence on file."""
        return sum(1 for c in self.items if c.covered)

    @property
    def missing(self) -> list[ItemCoverage]:
        """Items still without evidence (those set aside as not applicable are not counted)."""
        return [c for c in self.items if not c.covered and c.item.status != ItemStatus.NOT_APPLICABLE]

    @property
    def required_artefacts(self) -> list[str]:
        """Every artefact some item here accepts."""
        return sorted({a for c in self.items for a in c.accepted})

    @property
    def artefacts_on_file(self) -> list[str]:
        """Every artefact on file for some item here."""
        return sorted({e.artefact for c in self.items for e in c.on_file})

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "jurisdiction": self.jurisdiction,
            "items": len(self.items),
            "covered": self.covered,
            "missing": [c.item.id for c in self.missing],
            "required_artefacts": self.required_artefacts,
            "artefacts_on_file": self.artefacts_on_file,
        }


def coverage_by_jurisdiction(items: list[ComplianceItem]) -> list[JurisdictionCoverage]:
    """Coverage of the active items, one entry per jurisdiction (sorted by code).

    ``items`` are one system's items (inactive ones may be included: their evidence still counts).
    """
    result: dict[str, JurisdictionCoverage] = {}
    for item in items:
        if not item.active:
            continue
        entry = result.setdefault(item.jurisdiction, JurisdictionCoverage(item.jurisdiction))
        entry.items.append(item_coverage(item, items))
    return [result[k] for k in sorted(result)]
