"""Findings that qualify a classification: presumptions, conditional tiers, refusals, notes, date branches.

A professional answer says not only *which* tier, but on what footing: a tier the law presumes
until rebutted, a stricter tier that applies *unless* a fact rules it out, an exemption refused
and why, a transitional date that depends on when the system was placed on the market.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol


def iso_date(value: dt.date | None) -> str | None:
    """A date as ISO 8601 text, or None."""
    return None if value is None else value.isoformat()


class _TierIdentity(Protocol):
    id: str
    label: str
    label_zh: str
    rank: int
    regime: str
    rule_id: str
    legal_basis: str
    applies_from: dt.date | None
    status: str


def tier_fields(tier: _TierIdentity) -> dict[str, Any]:
    """The JSON a decided and a conditional tier share: which tier, under which rule, from when."""
    return {
        "id": tier.id,
        "label": tier.label,
        "label_zh": tier.label_zh,
        "rank": tier.rank,
        "regime": tier.regime,
        "rule_id": tier.rule_id,
        "legal_basis": tier.legal_basis,
        "applies_from": iso_date(tier.applies_from),
        "status": tier.status,
    }


@dataclass(slots=True)
class DateBranch:
    """One branch of a transitional provision: under this condition the outcome bites from this date."""

    condition: str
    applies_from: dt.date | None
    legal_basis: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "if": self.condition,
            "applies_from": iso_date(self.applies_from),
            "legal_basis": self.legal_basis,
        }


@dataclass(slots=True)
class PresumptionFinding:
    """The law presumes a rule false because the facts it needs are not stated; they are the way out."""

    id: str
    regime: str
    text: str
    legal_basis: str
    rule_ids: list[str]
    rebutted_by: list[str]
    """The facts that, stated, would decide the rule instead of the presumption."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "regime": self.regime,
            "text": self.text,
            "legal_basis": self.legal_basis,
            "rule_ids": self.rule_ids,
            "rebutted_by": self.rebutted_by,
        }


@dataclass(slots=True)
class ConditionalTier:
    """A tier whose rule could not be decided: it applies unless (or if) the missing facts say otherwise."""

    id: str
    label: str
    label_zh: str
    rank: int
    regime: str
    rule_id: str
    legal_basis: str
    applies_from: dt.date | None
    status: str
    """``conditional`` (would bite on the as-of date unless/if the facts say otherwise) or ``upcoming``."""
    needs: list[str]
    unless: str
    """What would lift it, in words naming the facts ("... medical or safety reasons (needs fact ...)")."""
    kind: str = "unless"
    """``unless`` (an exception the facts must establish) or ``if`` (a trigger the facts must establish)."""

    @property
    def text(self) -> str:
        return f"{self.label} {self.kind} {self.unless}"

    def to_dict(self) -> dict[str, Any]:
        return {
            **tier_fields(self),
            "needs": self.needs,
            "kind": self.kind,
            "unless": self.unless,
            "text": self.text,
        }


@dataclass(slots=True)
class RefusalFinding:
    """An exemption or derogation that does not apply, with the reason and the provision that refuses it."""

    rule_id: str
    regime: str
    exemption: str
    reason: str
    legal_basis: str
    tier: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "regime": self.regime,
            "exemption": self.exemption,
            "reason": self.reason,
            "legal_basis": self.legal_basis,
            "tier": self.tier,
        }


@dataclass(slots=True)
class NoteFinding:
    """An explanation a professional adds (how filings relate, why duties are withdrawn, an exclusion)."""

    rule_id: str
    regime: str
    text: str
    legal_basis: str
    text_zh: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "regime": self.regime,
            "text": self.text,
            "text_zh": self.text_zh,
            "legal_basis": self.legal_basis,
        }


@dataclass(slots=True)
class UpcomingChange:
    """A tier that does not apply on the as-of date but will (or may, depending on a date fact)."""

    id: str
    label: str
    applies_from: dt.date | None
    legal_basis: str
    branches: list[DateBranch] = field(default_factory=list)
    label_zh: str = ""

    @property
    def text(self) -> str:
        if self.branches:
            dates = " or ".join(
                f"{b.applies_from} ({b.condition})" for b in self.branches if b.applies_from is not None
            )
            return f"from {dates}: {self.label}"
        return f"from {self.applies_from}: {self.label}"

    @property
    def text_zh(self) -> str:
        if self.branches:
            dates = "或".join(
                f"{b.applies_from}（{b.condition}）" for b in self.branches if b.applies_from is not None
            )
            return f"自{dates}起：{self.label_zh}"
        return f"自{self.applies_from}起：{self.label_zh}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "applies_from": iso_date(self.applies_from),
            "legal_basis": self.legal_basis,
            "branches": [b.to_dict() for b in self.branches],
            "text": self.text,
            "label_zh": self.label_zh,
            "text_zh": self.text_zh,
        }
