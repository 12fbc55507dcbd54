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
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from tongzhou.classify.conditions import CompiledCondition, ConditionError, compile_condition
from tongzhou.errors import InputError
from tongzhou.systems._vocabulary import terms
from tongzhou.systems.profile import FACT_NAMES

ADDRESSEES = ("provider", "deployer", "any")


@dataclass(frozen=True, slots=True)
class TierDef:
    """A tier a regime can assign (e.g. EU "high-risk")."""

    id: str
    label: str
    label_zh: str
    rank: int
    """Higher is more severe; the headline tier of a jurisdiction is the highest-ranked."""


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
        tid: TierDef(tid, t["label"], t.get("label_zh", t["label"]), int(t.get("rank", 0)))
        for tid, t in (data.get("tiers") or {}).items()
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
            )
        )
    return regime


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
