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
from tongzhou.classify.ruleset import Regime, Rule, RuleSet, default_ruleset
from tongzhou.errors import InputError
from tongzhou.systems.profile import SystemProfile

_PROVIDER_ROLES = frozenset({"provider", "provider_and_deployer"})
_DEPLOYER_ROLES = frozenset({"deployer", "provider_and_deployer"})
_OPS = {">": float.__gt__, ">=": float.__ge__, "<": float.__lt__, "<=": float.__le__}


def _effective_from(rule: Rule, facts: dict[str, Any]) -> dt.date | None:
    """The date the rule's outcome bites, after any transition for systems placed on the market earlier."""
    t = rule.transition
    if t is not None:
        placed = facts.get(t.fact)
        if placed is not None and placed < t.before:
            return t.applies_from
    return rule.applies_from


class Classifier:
    """Classifies profiles with one compiled rule set (reuse it: rules are compiled once)."""

    def __init__(self, ruleset: RuleSet | None = None, crosswalk: Crosswalk | None = None) -> None:
        self.ruleset = ruleset or default_ruleset()
        self.crosswalk = crosswalk if crosswalk is not None else default_crosswalk()
        self._names = {r.jurisdiction: r.jurisdiction_name for r in self.ruleset.regimes}

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
            scopes.setdefault(regime.jurisdiction, []).append(scope)
            if scope is True:
                self._evaluate(regime, rules, facts, day, result, flag_sources)
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
            self._finish(result, facts, role)
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

    def _evaluate(
        self,
        regime: Regime,
        rules: list[Rule],
        facts: dict[str, Any],
        day: dt.date,
        result: JurisdictionResult,
        flag_sources: dict[str, list[str]],
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
            if outcome is True:
                flags = rule.condition.flags
                because = [src for flag in flags for src in flag_sources.get(flag, ())] if flags else []
                for flag in rule.derive:
                    facts["@" + flag] = True
                    flag_sources.setdefault(flag, []).append(rule.id)
                start = _effective_from(rule, facts)
                status = "upcoming" if start is not None and start > day else "applies"
                if rule.tier is not None:
                    t = regime.tiers[rule.tier]
                    result.tiers.append(
                        TierFinding(
                            t.id,
                            t.label,
                            t.label_zh,
                            t.rank,
                            regime.id,
                            rule.id,
                            rule.legal_basis,
                            start,
                            status,
                            because,
                        )
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
                        )
                    else:
                        found.rule_ids.append(rule.id)
                        if start is None or (found.applies_from is not None and start < found.applies_from):
                            found.applies_from, found.status = start, status
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
                result.undetermined.append(
                    UndeterminedFinding(
                        rule.id, regime.id, rule.title, rule.legal_basis, sorted(outcome), would
                    )
                )
                trace.append(TraceEntry(rule, "undetermined", facts))
        result.obligations = list(obligations.values())

    def _finish(self, result: JurisdictionResult, facts: dict[str, Any], role: str) -> None:
        is_provider = role in _PROVIDER_ROLES or facts.get(f"@{result.jurisdiction}.acts_as_provider") is True
        is_deployer = role in _DEPLOYER_ROLES
        evidence = self.crosswalk.evidence_index
        for o in result.obligations:
            o.applies_to_registrant = (
                o.addressee == "any"
                or (o.addressee == "provider" and is_provider)
                or (o.addressee == "deployer" and is_deployer)
            )
            o.evidence = evidence.get(o.id, [])
        if len(result.tiers) > 1:
            # One entry per tier: the earliest-biting rule wins; the others join its "because".
            merged: dict[tuple[str, str], TierFinding] = {}
            for t in result.tiers:
                key = (t.regime, t.id)
                kept = merged.get(key)
                if kept is None:
                    merged[key] = t
                    continue
                if t.applies_from is not None and (
                    kept.applies_from is None or t.applies_from >= kept.applies_from
                ):
                    kept.because.append(t.rule_id)
                else:
                    t.because.append(kept.rule_id)
                    merged[key] = t
            result.tiers = sorted(merged.values(), key=lambda t: -t.rank)


_DEFAULT: Classifier | None = None


def classify(
    profile: SystemProfile, as_of: dt.date | None = None, jurisdictions: str | Iterable[str] | None = None
) -> Classification:
    """Classify with the bundled rules (the classifier is built once per process)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Classifier()
    return _DEFAULT.classify(profile, as_of, _DEFAULT.parse_jurisdictions(jurisdictions))
