"""What classification returns: per jurisdiction, tiers, obligations with dates, undetermined rules, trace."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tongzhou.classify.qualifiers import (
    ConditionalTier,
    DateBranch,
    NoteFinding,
    PresumptionFinding,
    RefusalFinding,
    iso_date,
    tier_fields,
)

if TYPE_CHECKING:
    from tongzhou.classify.headline import Headline
    from tongzhou.classify.rule import Rule

SCHEMA_ID = "https://tongzhou.dev/schemas/classification/v1"


def fact_json(value: Any) -> Any:
    """A fact value as JSON (sets sorted, dates ISO)."""
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@dataclass(slots=True)
class TierFinding:
    """A tier the system falls in under one regime."""

    id: str
    label: str
    label_zh: str
    rank: int
    regime: str
    rule_id: str
    legal_basis: str
    applies_from: dt.date | None
    status: str
    """``applies`` (on the as-of date), ``upcoming`` (bites on ``applies_from``), or
    ``undetermined`` (a transitional date depends on a fact not stated: see ``branches``)."""
    because: list[str] = field(default_factory=list)
    """Rules whose derived flags this tier's rule relied on (e.g. the Annex III point)."""
    unless: list[str] = field(default_factory=list)
    """Presumptions this tier rests on, each naming the way out (e.g. the Art. 6(3) derogation)."""
    refused: list[str] = field(default_factory=list)
    """Exemptions refused for this tier, with the reason (e.g. profiling overrides Art. 6(3))."""
    superseded_by: str | None = None
    """Set when a prohibition applies: the tier is correct but carries no duties."""
    branches: list[DateBranch] = field(default_factory=list)
    """Both branches of a transitional date when the fact deciding it is not stated."""
    exclusive: bool = False
    """The tier replaces every other duty when it applies (a prohibited practice)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            **tier_fields(self),
            "because": self.because,
            "unless": self.unless,
            "refused": self.refused,
            "superseded_by": self.superseded_by,
            "date_branches": [b.to_dict() for b in self.branches],
        }


@dataclass(slots=True)
class EvidenceRef:
    """An evidence artefact that satisfies an obligation, and where else it is recognised."""

    artefact: str
    title: str
    rationale: str
    recognised_elsewhere: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "artefact": self.artefact,
            "title": self.title,
            "rationale": self.rationale,
            "recognised_elsewhere": self.recognised_elsewhere,
        }


@dataclass(slots=True)
class ObligationFinding:
    """An obligation that attaches, to whom, and from when."""

    id: str
    title: str
    title_zh: str
    legal_basis: str
    regime: str
    addressee: str
    applies_to_registrant: bool
    applies_from: dt.date | None
    applies_until: dt.date | None
    status: str
    rule_ids: list[str]
    note: str = ""
    evidence: list[EvidenceRef] = field(default_factory=list)
    grounds: list[str] = field(default_factory=list)
    """The point-level provisions of the rules that gave this duty (e.g. "Art. 5(1)(f)")."""
    branches: list[DateBranch] = field(default_factory=list)
    """Both branches of a transitional date when the fact deciding it is not stated."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "title_zh": self.title_zh,
            "legal_basis": self.legal_basis,
            "regime": self.regime,
            "addressee": self.addressee,
            "applies_to_registrant": self.applies_to_registrant,
            "applies_from": iso_date(self.applies_from),
            "applies_until": iso_date(self.applies_until),
            "status": self.status,
            "rule_ids": self.rule_ids,
            "note": self.note,
            "evidence": [e.to_dict() for e in self.evidence],
            "grounds": self.grounds,
            "date_branches": [b.to_dict() for b in self.branches],
        }


@dataclass(slots=True)
class UndeterminedFinding:
    """A rule that could not be decided: which facts it needs, and what it would give."""

    rule_id: str
    regime: str
    title: str
    legal_basis: str
    needs: list[str]
    would_give: list[str]

    @property
    def message(self) -> str:
        return f"undetermined: needs fact {', '.join(self.needs)}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "regime": self.regime,
            "title": self.title,
            "legal_basis": self.legal_basis,
            "needs": self.needs,
            "would_give": self.would_give,
            "message": self.message,
        }


class TraceEntry:
    """A rule that fired (or could not be decided), with the facts it read.

    The fact values are read lazily from the profile's fact map (facts never change during a
    classification; only derived flags are added), which keeps classification cheap.
    """

    __slots__ = ("_facts", "result", "rule")

    def __init__(self, rule: Rule, result: str, facts: dict[str, Any]) -> None:
        self.rule = rule
        self.result = result
        """``fired``, ``undetermined``, or ``presumed`` (undetermined, decided by the law's presumption)."""
        self._facts = facts

    @property
    def rule_id(self) -> str:
        return self.rule.id

    @property
    def regime(self) -> str:
        return self.rule.regime

    @property
    def legal_basis(self) -> str:
        return self.rule.legal_basis

    @property
    def flags(self) -> list[str]:
        return sorted(self.rule.condition.flags)

    @property
    def facts(self) -> dict[str, Any]:
        """The facts the rule's condition reads, with their values."""
        return {name: self._facts[name] for name in sorted(self.rule.condition.facts)}

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "regime": self.regime,
            "result": self.result,
            "legal_basis": self.legal_basis,
            "facts": {k: fact_json(v) for k, v in self.facts.items()},
            "flags": self.flags,
        }


@dataclass(slots=True)
class ThresholdCheck:
    """A numeric threshold and the profile's value against it."""

    id: str
    jurisdiction: str
    fact: str
    op: str
    value: float
    meaning: str
    legal_basis: str
    profile_value: Any
    crossed: bool | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "jurisdiction": self.jurisdiction,
            "fact": self.fact,
            "op": self.op,
            "value": self.value,
            "meaning": self.meaning,
            "legal_basis": self.legal_basis,
            "profile_value": fact_json(self.profile_value),
            "crossed": self.crossed,
        }


@dataclass(slots=True)
class JurisdictionResult:
    """Everything one jurisdiction says about the system on the as-of date."""

    jurisdiction: str
    name: str
    binding: bool
    in_scope: bool | None
    """True, False, or None when the scope itself is undetermined."""
    scope_needs: list[str]
    regimes: list[str]
    tiers: list[TierFinding] = field(default_factory=list)
    obligations: list[ObligationFinding] = field(default_factory=list)
    undetermined: list[UndeterminedFinding] = field(default_factory=list)
    trace: list[TraceEntry] = field(default_factory=list)
    rules_evaluated: int = 0
    conditional: list[ConditionalTier] = field(default_factory=list)
    """Tiers that apply unless (or if) facts not stated say otherwise."""
    presumptions: list[PresumptionFinding] = field(default_factory=list)
    refusals: list[RefusalFinding] = field(default_factory=list)
    notes: list[NoteFinding] = field(default_factory=list)
    excluded_by: list[NoteFinding] = field(default_factory=list)
    """Exclusions that took the system out of every regime of this jurisdiction (``in_scope`` False)."""

    def summary(self) -> Headline:
        """The headline a professional would sign: the tier applying on the as-of date, a stricter
        tier that applies *unless* a fact rules it out, and the changes still to come."""
        from tongzhou.classify.headline import headline_of

        return headline_of(self)

    @property
    def headline(self) -> TierFinding | ConditionalTier | None:
        """The headline tier: the most severe tier applying on the as-of date, or a stricter
        conditional one ("prohibited unless ..."); ``None`` when nothing applies yet."""
        return self.summary().tier

    @property
    def headline_text(self) -> str:
        """The headline in words, with upcoming changes ("high-risk AI system; from 2027-12-02: ...")."""
        return self.summary().text

    def to_dict(self) -> dict[str, Any]:
        summary = self.summary()
        head = summary.tier
        return {
            "jurisdiction": self.jurisdiction,
            "name": self.name,
            "binding": self.binding,
            "in_scope": self.in_scope,
            "scope_needs": self.scope_needs,
            "regimes": self.regimes,
            "headline_tier": None if head is None else head.id,
            "headline": summary.to_dict(),
            "conditional_tiers": [c.to_dict() for c in self.conditional],
            "presumptions": [p.to_dict() for p in self.presumptions],
            "refusals": [r.to_dict() for r in self.refusals],
            "notes": [n.to_dict() for n in self.notes],
            "excluded_by": [n.to_dict() for n in self.excluded_by],
            "tiers": [t.to_dict() for t in self.tiers],
            "obligations": [o.to_dict() for o in self.obligations],
            "undetermined": [u.to_dict() for u in self.undetermined],
            "trace": [t.to_dict() for t in self.trace],
            "rules_evaluated": self.rules_evaluated,
        }


@dataclass(slots=True)
class Classification:
    """The classification of one system as of one date, across jurisdictions."""

    system_id: str
    system_name: str
    registrant_role: str
    as_of: dt.date
    ruleset_version: str
    jurisdictions: list[JurisdictionResult]
    thresholds: list[ThresholdCheck]
    profile_sha256: str | None = None

    def jurisdiction(self, code: str) -> JurisdictionResult:
        """The result for one jurisdiction code (KeyError if it was not classified)."""
        for j in self.jurisdictions:
            if j.jurisdiction == code:
                return j
        raise KeyError(code)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (schema in docs/classify.md)."""
        return {
            "schema": SCHEMA_ID,
            "system_id": self.system_id,
            "system_name": self.system_name,
            "registrant_role": self.registrant_role,
            "as_of": self.as_of.isoformat(),
            "ruleset_version": self.ruleset_version,
            "profile_sha256": self.profile_sha256,
            "jurisdictions": [j.to_dict() for j in self.jurisdictions],
            "compute_thresholds": [t.to_dict() for t in self.thresholds],
        }
