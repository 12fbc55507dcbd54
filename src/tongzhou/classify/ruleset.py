"""Rules as data: load every ``rules/*.yaml`` regime file and compile its conditions once.

A regime file names its jurisdiction, scope condition, tiers, obligation catalogue,
thresholds and rules. Each rule: id, title, ``when`` (see :mod:`tongzhou.classify.conditions`),
an outcome (``tier`` and/or ``obligations``, optional ``derive`` flags for later rules),
``legal_basis``, ``applies_from`` / ``applies_until`` (when the outcome bites), optionally
``text_from`` / ``text_until`` (the period in which this statement of the law was the law,
so ``--as-of`` answers under the text in force that day), and ``source``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from tongzhou.classify.conditions import CompiledCondition, ConditionError, compile_condition
from tongzhou.classify.rule import (
    EarlierText,
    ObligationDef,
    Presumption,
    Refusal,
    Regime,
    Rule,
    Threshold,
    TierDef,
    Transition,
    Unless,
)
from tongzhou.errors import InputError
from tongzhou.systems._vocabulary import terms, vocabulary
from tongzhou.systems.profile import FACT_NAMES

ADDRESSEES = ("provider", "deployer", "any")
__all__ = [
    "ADDRESSEES",
    "ObligationDef",
    "Presumption",
    "Regime",
    "Rule",
    "RuleSet",
    "Threshold",
    "TierDef",
    "Transition",
    "default_ruleset",
    "load_ruleset",
    "parse_regime",
]


def _date(value: Any, where: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def _required(data: dict[str, Any], key: str, where: str) -> Any:
    if key not in data or data[key] in (None, ""):
        raise InputError(f"{where}: missing required field {key!r}")
    return data[key]


def _compile(spec: Any, where: str) -> CompiledCondition:
    try:
        return compile_condition(spec, FACT_NAMES, terms)
    except ConditionError as exc:
        raise InputError(f"{where}: {exc}") from None


def parse_regime(data: dict[str, Any], source_name: str) -> Regime:
    """Build a :class:`Regime` from parsed YAML; raise :class:`InputError` naming the file and rule."""
    where = source_name
    regime_id = _required(data, "regime", where)
    jurisdiction = _required(data, "jurisdiction", where)
    tiers = {
        tid: TierDef(
            tid,
            t["label"],
            t.get("label_zh", t["label"]),
            int(t.get("rank", 0)),
            bool(t.get("conditional_headline", True)),
            bool(t.get("exclusive")),
        )
        for tid, t in (data.get("tiers") or {}).items()
    }
    presumptions = {
        pid: Presumption(
            pid,
            _required(p, "text", f"{where}: presumption {pid}"),
            _required(p, "legal_basis", f"{where}: presumption {pid}"),
            frozenset(_known_facts(p.get("when_missing") or (), f"{where}: presumption {pid}")),
            p.get("text_zh", ""),
        )
        for pid, p in (data.get("presumptions") or {}).items()
    }
    obligations: dict[str, ObligationDef] = {}
    for oid, o in (data.get("obligations") or {}).items():
        w = f"{where}: obligation {oid}"
        addressee = o.get("addressee", "any")
        if addressee not in ADDRESSEES:
            raise InputError(f"{w}: addressee {addressee!r} must be one of {ADDRESSEES}")
        obligations[oid] = ObligationDef(
            oid,
            _required(o, "title", w),
            o.get("title_zh", o["title"]),
            _required(o, "legal_basis", w),
            addressee,
            o.get("note", ""),
        )
    thresholds = [
        Threshold(t["id"], t["fact"], t["op"], float(t["value"]), t["meaning"], t["legal_basis"])
        for t in data.get("thresholds") or []
    ]
    regime = Regime(
        id=regime_id,
        jurisdiction=jurisdiction,
        jurisdiction_name=data.get("jurisdiction_name", jurisdiction),
        title=_required(data, "title", where),
        title_zh=data.get("title_zh", data["title"]),
        binding=bool(data.get("binding", True)),
        instrument=data.get("instrument", ""),
        source=_required(data, "source", where),
        version=str(data.get("version", "")),
        scope=_compile(data.get("scope"), f"{where}: scope"),
        tiers=tiers,
        obligations=obligations,
        rules=[],
        thresholds=thresholds,
        presumptions=presumptions,
    )
    for raw in data.get("exclusions") or []:
        eid = _required(raw, "id", f"{where}: an exclusion")
        w = f"{where}: exclusion {eid}"
        regime.exclusions.append(
            Rule(
                id=eid,
                regime=regime_id,
                jurisdiction=jurisdiction,
                title=_required(raw, "title", w),
                condition=_compile(_required(raw, "when", w), w),
                tier=None,
                obligations=(),
                derive=(),
                legal_basis=_required(raw, "legal_basis", w),
                source=raw.get("source", regime.source),
                explain=raw.get("explain", ""),
            )
        )
    seen: set[str] = set()
    for raw in _required(data, "rules", where):
        rid = _required(raw, "id", f"{where}: a rule")
        w = f"{where}: rule {rid}"
        if rid in seen:
            raise InputError(f"{w}: duplicate rule id")
        seen.add(rid)
        tier = raw.get("tier")
        if tier is not None and tier not in tiers:
            raise InputError(f"{w}: tier {tier!r} is not declared under 'tiers'")
        obl = tuple(raw.get("obligations") or ())
        for oid in obl:
            if oid not in obligations:
                raise InputError(f"{w}: obligation {oid!r} is not declared under 'obligations'")
        earlier = None
        if raw.get("earlier_text"):
            et = raw["earlier_text"]
            earlier = EarlierText(
                _date(et["until"], w) or dt.date.min, _date(et["applies_from"], w) or dt.date.min
            )
        trans = raw.get("transition")
        transition = None
        if trans:
            transition = Transition(
                trans["fact"],
                _date(trans["before"], w) or dt.date.min,
                _date(trans["applies_from"], w) or dt.date.min,
                trans.get("legal_basis", ""),
            )
        regime.rules.append(
            _qualified(
                raw,
                w,
                presumptions,
                tiers,
                Rule(
                    id=rid,
                    regime=regime_id,
                    jurisdiction=jurisdiction,
                    title=_required(raw, "title", w),
                    condition=_compile(raw.get("when"), w),
                    tier=tier,
                    obligations=obl,
                    derive=tuple(raw.get("derive") or ()),
                    legal_basis=_required(raw, "legal_basis", w),
                    source=raw.get("source", regime.source),
                    applies_from=_date(raw.get("applies_from"), w),
                    applies_until=_date(raw.get("applies_until"), w),
                    text_from=_date(raw.get("text_from"), w),
                    text_until=_date(raw.get("text_until"), w),
                    transition=transition,
                    earlier_text=earlier,
                    note=raw.get("note", ""),
                ),
            )
        )
    return regime


def _known_facts(names: Any, where: str) -> list[str]:
    bad = [n for n in names if n not in FACT_NAMES]
    if bad:
        raise InputError(f"{where}: unknown fact(s) {bad}")
    return list(names)


def _qualified(
    raw: dict[str, Any],
    where: str,
    presumptions: dict[str, Presumption],
    tiers: dict[str, TierDef],
    rule: Rule,
) -> Rule:
    """Attach the optional legal qualifiers of a rule: presumption, exception, refusal, note, citation."""
    pid = raw.get("presume")
    if pid is not None:
        if pid not in presumptions:
            raise InputError(f"{where}: presumption {pid!r} is not declared under 'presumptions'")
        rule.presume = presumptions[pid]
    unless = raw.get("unless")
    if unless:
        rule.unless = Unless(
            frozenset(_known_facts(unless.get("facts") or (), where)), _required(unless, "text", where)
        )
    refuses = raw.get("refuses")
    if refuses:
        tier = refuses.get("tier")
        if tier is not None and tier not in tiers:
            raise InputError(f"{where}: refuses.tier {tier!r} is not declared under 'tiers'")
        rule.refuses = Refusal(
            _required(refuses, "exemption", where), _required(refuses, "reason", where), tier
        )
    rule.explain = raw.get("explain", "")
    rule.explain_zh = raw.get("explain_zh", "")
    cite_fact = raw.get("cite_fact")
    if cite_fact is not None:
        kind = _CITE_VOCABULARY.get(cite_fact)
        if kind is None:
            raise InputError(f"{where}: cite_fact {cite_fact!r} has no citations in the vocabulary")
        rule.cite_fact = cite_fact
        rule.cite_terms = {k: str(v["cite"]) for k, v in vocabulary()[kind].items() if v.get("cite")}
    return rule


_CITE_VOCABULARY = {"safety_component.product_legislation": "product_legislation"}


class RuleSet:
    """Every regime, in evaluation order, with the rules in force per date cached."""

    def __init__(self, regimes: list[Regime]) -> None:
        self.regimes = regimes
        self._by_date: dict[tuple[dt.date, frozenset[str] | None], list[tuple[Regime, list[Rule]]]] = {}
        self._check_flags()
        self._version = ",".join(f"{r.id}@{r.version}" for r in regimes)

    def _check_flags(self) -> None:
        derived: set[str] = set()
        for regime in self.regimes:
            for flag in regime.scope.flags:
                if flag not in derived:
                    raise InputError(
                        f"regime {regime.id}: scope reads flag @{flag} that no earlier rule derives"
                    )
            for rule in regime.rules:
                for flag in rule.condition.flags:
                    if flag not in derived:
                        raise InputError(
                            f"rule {rule.id}: reads flag @{flag} that no earlier rule derives (order matters)"
                        )
                derived.update(rule.derive)

    @property
    def jurisdictions(self) -> list[str]:
        """Jurisdiction codes in evaluation order."""
        return list(dict.fromkeys(r.jurisdiction for r in self.regimes))

    @property
    def version(self) -> str:
        """A short identity of the rule data (each regime's id@version)."""
        return self._version

    def in_force(
        self, as_of: dt.date, jurisdictions: frozenset[str] | None = None
    ) -> list[tuple[Regime, list[Rule]]]:
        """Regimes (filtered by jurisdiction) with the rules whose text was the law on ``as_of``."""
        key = (as_of, jurisdictions)
        cached = self._by_date.get(key)
        if cached is None:
            cached = [
                (regime, [_as_of_text(r, as_of) for r in regime.rules if r.in_text(as_of)])
                for regime in self.regimes
                if jurisdictions is None or regime.jurisdiction in jurisdictions
            ]
            self._by_date[key] = cached
        return cached

    def obligation(self, obligation_id: str) -> ObligationDef | None:
        """Look an obligation up by id across all regimes."""
        for regime in self.regimes:
            if obligation_id in regime.obligations:
                return regime.obligations[obligation_id]
        return None


def _as_of_text(rule: Rule, as_of: dt.date) -> Rule:
    """The rule as the text in force on ``as_of`` states it (earlier application date before an amendment)."""
    et = rule.earlier_text
    if et is not None and as_of < et.until:
        return dataclasses.replace(rule, applies_from=et.applies_from)
    return rule


RULES_PACKAGE = "tongzhou.classify.rules"


def load_ruleset(directory: Path | None = None, *, overlay: Path | None = None) -> RuleSet:
    """Load every ``*.yaml`` regime in ``directory`` (default: the bundled rules), ordered by ``order``.

    ``overlay`` is a directory of the user's own regime files: a file with the same name as a
    bundled one replaces it (e.g. a corrected threshold), any other file adds a regime.
    """
    files: dict[str, tuple[str, str]] = {}
    if directory is None:
        for f in resources.files(RULES_PACKAGE).iterdir():
            if f.name.endswith(".yaml"):
                files[f.name] = (f"rules/{f.name}", f.read_text(encoding="utf-8"))
    else:
        for p in sorted(Path(directory).glob("*.yaml")):
            files[p.name] = (f"rules/{p.name}", p.read_text(encoding="utf-8"))
    if overlay is not None:
        if not Path(overlay).is_dir():
            raise InputError(f"--rules: {overlay} is not a directory of regime YAML files")
        for p in sorted(Path(overlay).glob("*.yaml")):
            files[p.name] = (str(p), p.read_text(encoding="utf-8"))
    loaded: list[tuple[int, str, dict[str, Any]]] = []
    for name, (where, text) in files.items():
        try:
            data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError as exc:
            raise InputError(f"{where}: not valid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise InputError(f"{where}: a regime file must be a mapping")
        loaded.append((int(data.get("order", 100)), name, data))
    loaded.sort(key=lambda item: (item[0], item[1]))
    return RuleSet([parse_regime(data, files[name][0]) for _, name, data in loaded])


@cache
def default_ruleset() -> RuleSet:
    """The bundled rules, loaded and compiled once per process."""
    return load_ruleset()
