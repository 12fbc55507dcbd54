"""The classification engine: evaluate compiled rules over a profile's facts, as of a date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from tongzhou.classify.crosswalk import Crosswalk, default_crosswalk
from tongzhou.classify.findings import (
    Classification,
    JurisdictionResult,
    ObligationFinding,
    ThresholdCheck,
    TierFinding,
    TraceEntry,
    UndeterminedFinding,
)
from tongzhou.classify.qualifiers import (
    ConditionalTier,
    DateBranch,
    NoteFinding,
    PresumptionFinding,
    RefusalFinding,
)
from tongzhou.classify.rule import Presumption, Regime, Rule
from tongzhou.classify.ruleset import RuleSet, default_ruleset
from tongzhou.classify.settle import settle
from tongzhou.errors import InputError
from tongzhou.systems.profile import SystemProfile

_OPS = {">": float.__gt__, ">=": float.__ge__, "<": float.__lt__, "<=": float.__le__}


def _dated(rule: Rule, facts: dict[str, Any], day: dt.date) -> tuple[dt.date | None, str, list[DateBranch]]:
    """When the outcome bites, its status on ``day``, and both branches of a transition whose fact is unknown.

    A transitional provision is never guessed: with the placing-on-market date unknown, the
    finding carries both branches and its status is ``undetermined`` while ``day`` falls between them.
    """
    start = rule.applies_from
    t = rule.transition
    if t is not None:
        placed = facts.get(t.fact)
        if placed is None:
            branches = [
                DateBranch(f"{t.fact} on or after {t.before}", start, rule.legal_basis),
                DateBranch(f"{t.fact} before {t.before}", t.applies_from, t.legal_basis),
            ]
            dates = [d for d in (start, t.applies_from) if d is not None]
            if dates and min(dates) <= day < max(dates):
                return start, "undetermined", branches
            status = "upcoming" if dates and day < min(dates) else "applies"
            return start, status, branches
        if placed < t.before:
            start = t.applies_from
    return start, ("upcoming" if start is not None and start > day else "applies"), []


class Classifier:
    """Classifies profiles with one compiled rule set (reuse it: rules are compiled once)."""

    def __init__(self, ruleset: RuleSet | None = None, crosswalk: Crosswalk | None = None) -> None:
        self.ruleset = ruleset or default_ruleset()
        self.crosswalk = crosswalk if crosswalk is not None else default_crosswalk()
        self._basis = {rule.id: rule.legal_basis for r in self.ruleset.regimes for rule in r.rules}
        self._stop_duties = frozenset(
            oid
            for r in self.ruleset.regimes
            for rule in r.rules
            if rule.tier is not None and r.tiers[rule.tier].exclusive
            for oid in rule.obligations
        )

    def parse_jurisdictions(self, spec: str | Iterable[str] | None) -> frozenset[str] | None:
        """``"eu,cn"`` → ``{"eu", "cn"}``; unknown codes raise :class:`InputError`."""
        if spec is None:
            return None
        codes = [c.strip().lower() for c in (spec.split(",") if isinstance(spec, str) else spec) if c.strip()]
        known = self.ruleset.jurisdictions
        bad = [c for c in codes if c not in known]
        if bad:
            raise InputError(f"--jurisdiction: unknown code(s) {', '.join(bad)}; known: {', '.join(known)}")
        return frozenset(codes) if codes else None

    def classify(
        self,
        profile: SystemProfile,
        as_of: dt.date | None = None,
        jurisdictions: frozenset[str] | None = None,
    ) -> Classification:
        """Classify ``profile`` as of ``as_of`` (default: today, UTC) in every (or the given) jurisdiction."""
        day = as_of or dt.datetime.now(dt.UTC).date()
        facts = profile.facts()
        role = facts["registrant.role"]
        flag_sources: dict[str, list[str]] = {}
        presumed: dict[str, Presumption] = {}
        results: dict[str, JurisdictionResult] = {}
        scopes: dict[str, list[bool | frozenset[str]]] = {}
        for regime, rules in self.ruleset.in_force(day, jurisdictions):
            result = results.get(regime.jurisdiction)
            if result is None:
                result = results[regime.jurisdiction] = JurisdictionResult(
                    regime.jurisdiction, regime.jurisdiction_name, regime.binding, True, [], []
                )
            result.regimes.append(regime.id)
            scope = regime.scope.evaluate(facts)
            if scope is True and regime.exclusions:
                scope = self._excluded(regime, facts, result)
            scopes.setdefault(regime.jurisdiction, []).append(scope)
            if scope is True:
                self._evaluate(regime, rules, facts, day, result, flag_sources, presumed)
        for code, outcomes in scopes.items():
            res = results[code]
            if any(o is True for o in outcomes):
                res.in_scope = True
            elif all(o is False for o in outcomes):
                res.in_scope = False
            else:
                res.in_scope = None
                needs: set[str] = set()
                for o in outcomes:
                    if isinstance(o, frozenset):
                        needs |= o
                res.scope_needs = sorted(needs)
        for result in results.values():
            settle(result, facts, role, self.crosswalk.evidence_index, self._stop_duties)
        thresholds = [
            ThresholdCheck(
                t.id,
                regime.jurisdiction,
                t.fact,
                t.op,
                t.value,
                t.meaning,
                t.legal_basis,
                facts.get(t.fact),
                None if facts.get(t.fact) is None else _OPS[t.op](float(facts[t.fact]), t.value),
            )
            for regime in self.ruleset.regimes
            if jurisdictions is None or regime.jurisdiction in jurisdictions
            for t in regime.thresholds
        ]
        return Classification(
            profile.id, profile.name, role, day, self.ruleset.version, list(results.values()), thresholds
        )

    @staticmethod
    def _excluded(regime: Regime, facts: dict[str, Any], result: JurisdictionResult) -> bool:
        """False (out of scope) if an exclusion holds; an undetermined exclusion is never presumed."""
        for ex in regime.exclusions:
            if ex.condition.evaluate(facts) is True:
                result.excluded_by.append(
                    NoteFinding(ex.id, regime.id, ex.explain or ex.title, ex.legal_basis)
                )
                return False
        return True

    def _cited(self, rule: Rule, because: list[str], facts: dict[str, Any]) -> str:
        """The rule's legal basis down to the point: the points it relied on and the cited fact's term."""
        basis = rule.legal_basis
        extra = [
            self._basis[b]
            for b in dict.fromkeys(because)
            if self._basis.get(b) and self._basis[b] not in basis
        ]
        if rule.cite_terms is not None and rule.cite_fact is not None:
            point = rule.cite_terms.get(facts.get(rule.cite_fact) or "")
            if point:
                extra.append(point)
        return basis if not extra else f"{basis}; {'; '.join(extra)}"

    def _evaluate(
        self,
        regime: Regime,
        rules: list[Rule],
        facts: dict[str, Any],
        day: dt.date,
        result: JurisdictionResult,
        flag_sources: dict[str, list[str]],
        presumed: dict[str, Presumption],
    ) -> None:
        obligations: dict[str, ObligationFinding] = {o.id: o for o in result.obligations}
        result.rules_evaluated += len(rules)
        trace = result.trace
        for rule in rules:
            outcome = rule.condition.evaluate(facts)
            if outcome is False:  # the common case: nothing to record
                continue
            until = rule.applies_until
            if until is not None and day >= until:
                continue  # repealed or lapsed on the as-of date
            if outcome is not True and rule.presume is not None and rule.presume.holds(outcome):
                self._presume(rule, outcome, regime, result, presumed)
                trace.append(TraceEntry(rule, "presumed", facts))
                continue
            if outcome is True:
                flags = rule.condition.flags
                because = [src for flag in flags for src in flag_sources.get(flag, ())] if flags else []
                for flag in rule.derive:
                    facts["@" + flag] = True
                    flag_sources.setdefault(flag, []).append(rule.id)
                start, status, branches = _dated(rule, facts, day)
                basis = self._cited(rule, because, facts) if (because or rule.cite_fact) else rule.legal_basis
                if status == "undetermined":
                    self._date_undetermined(rule, regime, result, start, basis, branches)
                if rule.tier is not None:
                    t = regime.tiers[rule.tier]
                    unless = (
                        [p.text for f in flags if (p := presumed.get(f)) and facts.get("@" + f) is not True]
                        if presumed and flags
                        else []
                    )
                    result.tiers.append(
                        TierFinding(
                            t.id,
                            t.label,
                            t.label_zh,
                            t.rank,
                            regime.id,
                            rule.id,
                            basis,
                            start,
                            status,
                            because,
                            list(dict.fromkeys(unless)),
                            [],
                            None,
                            branches,
                            t.exclusive,
                        )
                    )
                if rule.refuses is not None:
                    r = rule.refuses
                    result.refusals.append(
                        RefusalFinding(rule.id, regime.id, r.exemption, r.reason, rule.legal_basis, r.tier)
                    )
                if rule.explain:
                    result.notes.append(
                        NoteFinding(rule.id, regime.id, rule.explain, rule.legal_basis, rule.explain_zh)
                    )
                for oid in rule.obligations:
                    found = obligations.get(oid)
                    if found is None:
                        o = regime.obligations[oid]
                        obligations[oid] = ObligationFinding(
                            o.id,
                            o.title,
                            o.title_zh,
                            o.legal_basis,
                            regime.id,
                            o.addressee,
                            True,
                            start,
                            until,
                            status,
                            [rule.id],
                            o.note,
                            [],
                            [basis],
                            branches,
                        )
                    else:
                        found.rule_ids.append(rule.id)
                        if basis not in found.grounds:
                            found.grounds.append(basis)
                        if start is None or (found.applies_from is not None and start < found.applies_from):
                            found.applies_from, found.status, found.branches = start, status, branches
                trace.append(TraceEntry(rule, "fired", facts))
            else:
                for flag in rule.derive:
                    key = "@" + flag
                    current = facts.get(key, False)
                    if current is not True:
                        facts[key] = outcome if current is False else current | outcome
                would = (
                    ([rule.tier] if rule.tier else [])
                    + list(rule.obligations)
                    + ["@" + f for f in rule.derive]
                )
                needs = sorted(outcome)
                result.undetermined.append(
                    UndeterminedFinding(rule.id, regime.id, rule.title, rule.legal_basis, needs, would)
                )
                if rule.tier is not None and regime.tiers[rule.tier].conditional_headline:
                    self._conditional(rule, regime, result, facts, day, outcome)
                trace.append(TraceEntry(rule, "undetermined", facts))
        result.obligations = list(obligations.values())

    @staticmethod
    def _presume(
        rule: Rule,
        missing: frozenset[str],
        regime: Regime,
        result: JurisdictionResult,
        presumed: dict[str, Presumption],
    ) -> None:
        p = rule.presume
        assert p is not None
        for flag in rule.derive:
            presumed.setdefault(flag, p)
        for found in result.presumptions:
            if found.id == p.id:
                found.rule_ids.append(rule.id)
                found.rebutted_by = sorted(set(found.rebutted_by) | missing)
                return
        result.presumptions.append(
            PresumptionFinding(p.id, regime.id, p.text, p.legal_basis, [rule.id], sorted(missing))
        )

    @staticmethod
    def _conditional(
        rule: Rule,
        regime: Regime,
        result: JurisdictionResult,
        facts: dict[str, Any],
        day: dt.date,
        missing: frozenset[str],
    ) -> None:
        """An undetermined tier: it would apply unless the exception is shown, or if the trigger is shown."""
        t = regime.tiers[rule.tier or ""]
        start, status, _ = _dated(rule, facts, day)
        needs = sorted(missing)
        if rule.unless is not None and missing <= rule.unless.facts:
            kind, words = "unless", f"{rule.unless.text} (needs fact {', '.join(needs)})"
        else:
            kind, words = "if", f"the facts {', '.join(needs)} meet {rule.legal_basis}"
        result.conditional.append(
            ConditionalTier(
                t.id,
                t.label,
                t.label_zh,
                t.rank,
                regime.id,
                rule.id,
                rule.legal_basis,
                start,
                "upcoming" if status == "upcoming" else "conditional",
                needs,
                words,
                kind,
            )
        )

    @staticmethod
    def _date_undetermined(
        rule: Rule,
        regime: Regime,
        result: JurisdictionResult,
        start: dt.date | None,
        basis: str,
        branches: list[DateBranch],
    ) -> None:
        """A fired rule whose transitional date depends on an unknown fact: ask for it, show both branches."""
        fact = rule.transition.fact if rule.transition else ""
        would = ([rule.tier] if rule.tier else []) + list(rule.obligations)
        title = f"{rule.title}: which transitional date applies"
        result.undetermined.append(UndeterminedFinding(rule.id, regime.id, title, basis, [fact], would))
        if rule.tier is not None and regime.tiers[rule.tier].conditional_headline:
            t = regime.tiers[rule.tier]
            later = "; ".join(
                f"{b.condition} (then from {b.applies_from})" for b in branches if b.applies_from != start
            )
            result.conditional.append(
                ConditionalTier(
                    t.id,
                    t.label,
                    t.label_zh,
                    t.rank,
                    regime.id,
                    rule.id,
                    basis,
                    start,
                    "conditional",
                    [fact],
                    f"{later} (needs fact {fact})",
                    "unless",
                )
            )


_DEFAULT: Classifier | None = None


def classify(
    profile: SystemProfile, as_of: dt.date | None = None, jurisdictions: str | Iterable[str] | None = None
) -> Classification:
    """Classify with the bundled rules (the classifier is built once per process)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Classifier()
    return _DEFAULT.classify(profile, as_of, _DEFAULT.parse_jurisdictions(jurisdictions))
