"""Golden cases: expected outcomes written from the legal text (each case cites its article).

Cases live in ``golden/*.yaml``; each overrides parts of ``golden/base_profile.yaml`` (mappings
merge, lists replace) and states what must (and must not) come out per jurisdiction.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from tongzhou.classify import Classifier
from tongzhou.classify.findings import Classification
from tongzhou.systems.loading import profile_from_data

GOLDEN = Path(__file__).parent / "golden"
BASE = yaml.safe_load((GOLDEN / "base_profile.yaml").read_text(encoding="utf-8"))
CLASSIFIER = Classifier()


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _cases() -> list[Any]:
    cases = []
    for path in sorted(GOLDEN.glob("*.yaml")):
        if path.name == "base_profile.yaml":
            continue
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            cases.append(pytest.param(case, id=case["id"]))
    return cases


CASES = _cases()


def test_there_are_at_least_forty_cases_each_citing_its_article() -> None:
    assert len(CASES) >= 40
    for param in CASES:
        case = param.values[0]
        assert any(k in case["cites"] for k in ("Art", "Annex", "SB 26-189", "NIST")), case["id"]


def _check(result: Classification, code: str, want: dict[str, Any], case_id: str) -> None:
    j = result.jurisdiction(code)
    tiers = {t.id for t in j.tiers}
    obligations = {o.id: o for o in j.obligations}
    needs = {fact for u in j.undetermined for fact in u.needs}
    undetermined_rules = {u.rule_id for u in j.undetermined}
    where = f"{case_id} [{code}]"
    if "in_scope" in want:
        assert j.in_scope is want["in_scope"], where
    if "scope_needs" in want:
        assert set(want["scope_needs"]) <= set(j.scope_needs), where
    if "binding" in want:
        assert j.binding is want["binding"], where
    for tier in want.get("tiers", []):
        assert tier in tiers, f"{where}: tier {tier} missing; got {sorted(tiers)}"
    for tier in want.get("not_tiers", []):
        assert tier not in tiers, f"{where}: tier {tier} must not be there"
    for oid in want.get("obligations", []):
        assert oid in obligations, f"{where}: obligation {oid} missing; got {sorted(obligations)}"
    for oid in want.get("not_obligations", []):
        assert oid not in obligations, f"{where}: obligation {oid} must not be there"
    for oid, status in (want.get("status") or {}).items():
        assert obligations[oid].status == status, (
            f"{where}: {oid} status {obligations[oid].status} != {status}"
        )
    for oid, date in (want.get("applies_from") or {}).items():
        assert obligations[oid].applies_from == date, f"{where}: {oid} from {obligations[oid].applies_from}"
    for oid, flag in (want.get("registrant") or {}).items():
        assert obligations[oid].applies_to_registrant is flag, f"{where}: {oid} applies_to_registrant"
    for fact in want.get("undetermined_needs", []):
        assert fact in needs, f"{where}: expected 'undetermined: needs fact {fact}', got {sorted(needs)}"
    for rule_id in want.get("not_undetermined", []):
        assert rule_id not in undetermined_rules, f"{where}: {rule_id} should be decided"


@pytest.mark.parametrize("case", CASES)
def test_golden_case(case: dict[str, Any]) -> None:
    data = _merge(BASE, case.get("profile") or {})
    data["id"] = "golden"
    profile = profile_from_data(data, f"golden case {case['id']}")
    as_of = case["as_of"]
    assert isinstance(as_of, dt.date)
    result = CLASSIFIER.classify(profile, as_of)
    expect = dict(case["expect"])
    thresholds = expect.pop("thresholds", {})
    for code, want in expect.items():
        _check(result, code, want, case["id"])
    crossed = {t.id: t.crossed for t in result.thresholds}
    for threshold_id, flag in thresholds.items():
        assert crossed[threshold_id] is flag, f"{case['id']}: threshold {threshold_id}"
