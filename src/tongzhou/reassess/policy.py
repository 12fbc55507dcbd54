"""The review policy as data: how often a public-sector system is reviewed, by jurisdiction and tier.

A policy file names a default interval and rules ``{id, jurisdiction, tiers, interval_days,
grace_days, basis}``. A system matches a rule when, in that jurisdiction, the tier heading its
classification (the tier that applies on the as-of date, or a stricter conditional one) is one of
the rule's tiers. The shortest matching interval wins; ``basis`` says whether a law sets it (with
the provision) or the site chose it. A malformed policy is refused with the field that is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from tongzhou.errors import InputError

POLICY_ID = "tongzhou-review-policy/v1"
CHECKS = ("classification", "attestations", "evaluation", "overdue")
"""What a review can re-check (docs/reassess.md describes each)."""
MAX_POLICY_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class ReviewInterval:
    """How often, with how much grace, and why."""

    rule_id: str
    interval_days: int
    grace_days: int
    basis: str


@dataclass(frozen=True, slots=True)
class IntervalRule:
    """One rule of the policy: a jurisdiction, the tiers it covers, and the interval for them."""

    id: str
    jurisdiction: str
    tiers: frozenset[str]
    interval: ReviewInterval


@dataclass(frozen=True, slots=True)
class ReviewPolicy:
    """A whole review policy: default interval, rules, and the checks each review runs."""

    name: str
    default: ReviewInterval
    rules: tuple[IntervalRule, ...]
    checks: tuple[str, ...]
    source: str

    def interval_for(self, headline_tiers: dict[str, str | None]) -> ReviewInterval:
        """The interval for a system whose headline tier per jurisdiction is ``headline_tiers``."""
        matching = [
            rule.interval for rule in self.rules if headline_tiers.get(rule.jurisdiction) in rule.tiers
        ]
        if not matching:
            return self.default
        return min(matching, key=lambda i: (i.interval_days, i.grace_days, i.rule_id))


def _int(raw: dict[str, Any], key: str, where: str, *, low: int, high: int) -> int:
    value = raw.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InputError(f"{where}.{key}: must be a whole number of days from {low} to {high}, got {value!r}")
    return value


def _interval(raw: Any, where: str, rule_id: str) -> ReviewInterval:
    if not isinstance(raw, dict):
        raise InputError(f"{where}: must be a mapping with interval_days, grace_days and basis")
    basis = raw.get("basis")
    if not isinstance(basis, str) or not basis.strip():
        raise InputError(f"{where}.basis: say where the interval comes from (a provision, or 'Site policy')")
    return ReviewInterval(
        rule_id,
        _int(raw, "interval_days", where, low=1, high=3660),
        _int(raw, "grace_days", where, low=0, high=365) if "grace_days" in raw else 0,
        " ".join(basis.split()),
    )


def policy_from_dict(raw: Any, source: str = "<memory>") -> ReviewPolicy:
    """Parse a review policy; :class:`InputError` names the field that is wrong."""
    if not isinstance(raw, dict):
        raise InputError(f"{source}: a review policy must be a mapping")
    if raw.get("policy") != POLICY_ID:
        raise InputError(f"{source}: policy: must be exactly {POLICY_ID!r}, got {raw.get('policy')!r}")
    checks = raw.get("checks", list(CHECKS))
    if not isinstance(checks, list) or not all(c in CHECKS for c in checks):
        raise InputError(f"{source}: checks: a list of {', '.join(CHECKS)}, got {checks!r}")
    rules_raw = raw.get("rules") or []
    if not isinstance(rules_raw, list):
        raise InputError(f"{source}: rules: must be a list")
    rules: list[IntervalRule] = []
    seen: set[str] = set()
    for n, item in enumerate(rules_raw):
        where = f"{source}: rules[{n}]"
        if not isinstance(item, dict):
            raise InputError(f"{where}: must be a mapping")
        rule_id = item.get("id")
        if not isinstance(rule_id, str) or not rule_id or rule_id in seen or rule_id == "default":
            raise InputError(f"{where}.id: a unique, non-empty id other than 'default', got {rule_id!r}")
        seen.add(rule_id)
        jurisdiction = item.get("jurisdiction")
        tiers = item.get("tiers")
        if not isinstance(jurisdiction, str) or not jurisdiction:
            raise InputError(f"{where}.jurisdiction: a jurisdiction code (eu, cn, kr, us-co, ...)")
        if not isinstance(tiers, list) or not tiers or not all(isinstance(t, str) for t in tiers):
            raise InputError(f"{where}.tiers: a non-empty list of tier ids")
        rules.append(IntervalRule(rule_id, jurisdiction, frozenset(tiers), _interval(item, where, rule_id)))
    return ReviewPolicy(
        name=str(raw.get("name") or source),
        default=_interval(raw.get("default"), f"{source}: default", "default"),
        rules=tuple(rules),
        checks=tuple(checks),
        source=source,
    )


def load_policy(path: Path | None = None) -> ReviewPolicy:
    """The policy in ``path``, or the bundled default policy (``reassess/review_policy.yaml``)."""
    if path is None:
        text = resources.files("tongzhou.reassess").joinpath("review_policy.yaml").read_text(encoding="utf-8")
        source = "review_policy.yaml (bundled)"
    else:
        try:
            if path.stat().st_size > MAX_POLICY_BYTES:
                raise InputError(f"{path}: review policies over {MAX_POLICY_BYTES} bytes are refused")
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError.of("cannot read review policy {path}: {exc}", path=path, exc=exc) from None
        source = str(path)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"{source}: not valid YAML: {exc}") from None
    return policy_from_dict(raw, source)
