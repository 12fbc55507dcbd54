"""What the workspace tracks: an item per dated obligation, and the evidence attached to it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tongzhou.errors import InputError


class ItemStatus(StrEnum):
    """Where the work on one obligation stands."""

    TODO = "todo"
    """Nothing done yet (the state of every new item)."""
    IN_PROGRESS = "in-progress"
    """Someone is working on it."""
    DONE = "done"
    """Met, with evidence on file (refused without it)."""
    NOT_APPLICABLE = "not-applicable"
    """The team decided it does not apply (the reason belongs in the evidence or a note)."""

    @classmethod
    def parse(cls, value: str) -> ItemStatus:
        """The status named ``value``, or a clear :class:`InputError`."""
        try:
            return cls(value)
        except ValueError:
            known = ", ".join(s.value for s in cls)
            raise InputError.of(
                "unknown status {value!r}; use one of {known}", value=value, known=known
            ) from None


class EvidenceKind(StrEnum):
    """The kinds of evidence the workspace reads (and checks) before it attaches them."""

    ATTESTATION = "attestation"
    """A DSSE envelope of a signed evaluation report (``tongzhou attest sign``)."""
    LABEL_REPORT = "label-report"
    """JSON lines of ``tongzhou label verify --json`` (one object per labelled file)."""
    ENERGY_REPORT = "energy-report"
    """The JSON of ``tongzhou energy report --json``."""
    FILE = "file"
    """Any other document, kept by its SHA-256 (its artefact must be named)."""

    @classmethod
    def parse(cls, value: str) -> EvidenceKind:
        """The kind named ``value``, or a clear :class:`InputError`."""
        try:
            return cls(value)
        except ValueError:
            known = ", ".join(k.value for k in cls)
            raise InputError.of(
                "unknown evidence kind {value!r}; use one of {known}", value=value, known=known
            ) from None


@dataclass(frozen=True, slots=True)
class EvidenceRecord:
    """One piece of evidence on file."""

    id: int
    item_id: int
    kind: str
    artefact: str
    """The crosswalk artefact id it stands for."""
    name: str
    path: str
    sha256: str
    size: int
    details: dict[str, Any]
    attached_by: str | None
    attached_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "id": self.id,
            "item_id": self.item_id,
            "kind": self.kind,
            "artefact": self.artefact,
            "name": self.name,
            "path": self.path,
            "sha256": self.sha256,
            "size": self.size,
            "details": self.details,
            "attached_by": self.attached_by,
            "attached_at": self.attached_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class ComplianceItem:
    """A dated obligation of a registered system, as tracked work."""

    id: int
    system_id: str
    jurisdiction: str
    regime: str
    obligation_id: str
    title: str
    title_zh: str
    legal_basis: str
    addressee: str
    binding: bool
    """False for a voluntary mapping (NIST AI RMF, ISO/IEC 42001), which is never overdue."""
    due_date: dt.date | None
    """When the obligation bites (from the law; None when the rule gives no date)."""
    applies_until: dt.date | None
    owner: str | None
    status: str
    active: bool
    """False when the latest plan no longer gives this obligation (kept with its history)."""
    evidence: list[EvidenceRecord] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        """``(jurisdiction, obligation_id)``: what stays the same across re-plans."""
        return self.jurisdiction, self.obligation_id

    def overdue(self, today: dt.date) -> bool:
        """Binding, due on or before ``today`` and neither done nor set aside."""
        return (
            self.active
            and self.binding
            and self.due_date is not None
            and self.due_date <= today
            and self.status not in (ItemStatus.DONE, ItemStatus.NOT_APPLICABLE)
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "id": self.id,
            "system_id": self.system_id,
            "jurisdiction": self.jurisdiction,
            "regime": self.regime,
            "obligation_id": self.obligation_id,
            "title": self.title,
            "title_zh": self.title_zh,
            "legal_basis": self.legal_basis,
            "addressee": self.addressee,
            "binding": self.binding,
            "due_date": None if self.due_date is None else self.due_date.isoformat(),
            "applies_until": None if self.applies_until is None else self.applies_until.isoformat(),
            "owner": self.owner,
            "status": self.status,
            "active": self.active,
            "evidence": [e.to_dict() for e in self.evidence],
        }
