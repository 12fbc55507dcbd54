"""The compiled shape of the law: tiers, obligations, presumptions, rules, regimes (see :mod:`ruleset`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from tongzhou.classify.conditions import CompiledCondition


@dataclass(frozen=True, slots=True)
class TierDef:
    """A tier a regime can assign (e.g. EU "high-risk")."""

    id: str
    label: str
    label_zh: str
    rank: int
    """Higher is more severe; the headline tier of a jurisdiction is the highest-ranked."""
    conditional_headline: bool = True
    """Whether an undecided rule giving this tier may head the answer ("<tier> unless ...")."""
    exclusive: bool = False
    """A tier whose only duty is to stop (EU prohibited practice): when it applies, every other
    duty of the regime is withdrawn and the other tiers are marked superseded."""


@dataclass(frozen=True, slots=True)
class ObligationDef:
    """An obligation in a regime's catalogue."""

    id: str
    title: str
    title_zh: str
    legal_basis: str
    addressee: str
    """provider, deployer, or any (every operator)."""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Transition:
    """A later application date for systems or models placed on the market before a cut-off."""

    fact: str
    before: dt.date
    applies_from: dt.date
    legal_basis: str


@dataclass(frozen=True, slots=True)
class Presumption:
    """What the law presumes when facts a rule needs are not stated (the burden is on whoever claims them).

    A rule that names this presumption and is undetermined is taken as *false*; the finding lists
    the facts that would rebut the presumption. ``when_missing`` narrows it: the presumption holds
    only if every one of those facts is among the missing ones (e.g. nothing at all was said about
    a regulated product).
    """

    id: str
    text: str
    legal_basis: str
    when_missing: frozenset[str] = frozenset()
    text_zh: str = ""

    def holds(self, missing: frozenset[str]) -> bool:
        """Whether the presumption covers an undetermined result missing these facts."""
        return self.when_missing <= missing


@dataclass(frozen=True, slots=True)
class Unless:
    """The exception that would lift a rule's outcome, named in a conditional headline."""

    facts: frozenset[str]
    text: str


@dataclass(frozen=True, slots=True)
class Refusal:
    """An exemption or derogation a firing rule refuses, with the reason stated in the finding."""

    exemption: str
    reason: str
    tier: str | None = None
    """The tier (of this regime) whose finding carries the reason."""


@dataclass(frozen=True, slots=True)
class EarlierText:
    """Before ``until`` (an amendment's entry into force) the outcome bit from another date."""

    until: dt.date
    applies_from: dt.date


@dataclass(frozen=True, slots=True)
class Threshold:
    """A numeric line in the law (e.g. training compute), shown side by side across regimes."""

    id: str
    fact: str
    op: str
    value: float
    meaning: str
    legal_basis: str


@dataclass(slots=True)
class Rule:
    """One compiled rule."""

    id: str
    regime: str
    jurisdiction: str
    title: str
    condition: CompiledCondition
    tier: str | None
    obligations: tuple[str, ...]
    derive: tuple[str, ...]
    legal_basis: str
    source: str
    applies_from: dt.date | None = None
    applies_until: dt.date | None = None
    text_from: dt.date | None = None
    text_until: dt.date | None = None
    transition: Transition | None = None
    earlier_text: EarlierText | None = None
    note: str = ""
    presume: Presumption | None = None
    """When undetermined, the law's presumption decides the rule (as false)."""
    unless: Unless | None = None
    refuses: Refusal | None = None
    explain: str = ""
    """A note shown in the result when the rule fires (e.g. how several filings relate)."""
    explain_zh: str = ""
    cite_terms: dict[str, str] | None = None
    """Fact value → a more precise citation appended to the legal basis (e.g. the Annex I point)."""
    cite_fact: str | None = None

    def in_text(self, as_of: dt.date) -> bool:
        """Whether this statement of the law was the law on ``as_of``."""
        return (self.text_from is None or self.text_from <= as_of) and (
            self.text_until is None or as_of < self.text_until
        )


@dataclass(slots=True)
class Regime:
    """One instrument's rules (e.g. the EU AI Act, China's Deep Synthesis Provisions)."""

    id: str
    jurisdiction: str
    jurisdiction_name: str
    title: str
    title_zh: str
    binding: bool
    instrument: str
    source: str
    version: str
    scope: CompiledCondition
    tiers: dict[str, TierDef]
    obligations: dict[str, ObligationDef]
    rules: list[Rule]
    thresholds: list[Threshold] = field(default_factory=list)
    presumptions: dict[str, Presumption] = field(default_factory=dict)
    exclusions: list[Rule] = field(default_factory=list)
    """Conditions that take a system out of the regime (e.g. EU Art. 2(6) research); only a
    condition that is *true* excludes: an exclusion is never presumed."""
