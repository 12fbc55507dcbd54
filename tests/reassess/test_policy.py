"""The review policy as data: the bundled file parses, every rule names a real tier, the shortest
matching interval wins, and a malformed policy is refused with the field that is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from tongzhou.classify import default_ruleset
from tongzhou.errors import InputError
from tongzhou.reassess.policy import load_policy, policy_from_dict


def test_the_bundled_policy_names_only_tiers_the_rules_have_and_says_its_basis() -> None:
    policy = load_policy()
    tiers = {(r.jurisdiction, t) for r in default_ruleset().regimes for t in r.tiers}
    for rule in policy.rules:
        assert {(rule.jurisdiction, t) for t in rule.tiers} <= tiers, rule.id
        assert rule.interval.basis.startswith(("Site policy", "Law")), rule.id
    assert policy.default.basis.startswith("Site policy")


def test_the_shortest_matching_interval_wins() -> None:
    policy = load_policy()
    assert policy.interval_for({"eu": "high_risk", "us-co": "covered_admt"}).rule_id == "eu.high_risk"
    assert policy.interval_for({"eu": "prohibited", "kr": "high_impact"}).interval_days == 30
    assert policy.interval_for({"eu": "minimal"}).rule_id == "default"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"policy": "other"}, "policy"),
        (
            {"policy": "tongzhou-review-policy/v1", "default": {"interval_days": 0, "basis": "x"}},
            "interval_days",
        ),
        ({"policy": "tongzhou-review-policy/v1", "default": {"interval_days": 30}}, "basis"),
        (
            {
                "policy": "tongzhou-review-policy/v1",
                "default": {"interval_days": 30, "basis": "Site policy"},
                "rules": [
                    {"id": "x", "jurisdiction": "eu", "tiers": "high_risk", "interval_days": 9, "basis": "b"}
                ],
            },
            "tiers",
        ),
        (
            {
                "policy": "tongzhou-review-policy/v1",
                "default": {"interval_days": 30, "basis": "b"},
                "checks": ["x"],
            },
            "checks",
        ),
    ],
)
def test_a_malformed_policy_names_the_field(raw: dict[str, object], field: str) -> None:
    with pytest.raises(InputError, match=field):
        policy_from_dict(raw, "mine.yaml")


def test_a_policy_file_that_is_not_yaml_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "policy.yaml"
    bad.write_text("policy: [unclosed", encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML"):
        load_policy(bad)
    with pytest.raises(InputError, match="cannot read"):
        load_policy(tmp_path / "missing.yaml")
