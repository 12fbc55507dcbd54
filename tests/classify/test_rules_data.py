"""The rule data: every rule is sourced; bad rule files are refused naming the file and the rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from tongzhou.classify import default_ruleset, load_ruleset
from tongzhou.errors import InputError

EXPECTED_REGIMES = {
    "eu-ai-act",
    "cn-algorithm-recommendation",
    "cn-deep-synthesis",
    "cn-genai-measures",
    "cn-labeling",
    "kr-ai-framework-act",
    "us-co-sb26-189",
    "nist-ai-rmf",
    "iso-42001",
}


def test_every_regime_and_rule_is_sourced() -> None:
    ruleset = default_ruleset()
    assert {r.id for r in ruleset.regimes} == EXPECTED_REGIMES
    assert ruleset.jurisdictions == ["eu", "cn", "kr", "us-co", "nist", "iso"]
    for regime in ruleset.regimes:
        assert regime.source and regime.version
        for rule in regime.rules:
            assert rule.legal_basis, rule.id
            assert rule.source, rule.id
            if rule.tier or rule.obligations:
                # an outcome that bites needs the date it bites (pure classification flags need none)
                assert rule.applies_from is not None or rule.id in {"eu.minimal"}, rule.id


def test_voluntary_frameworks_are_marked_non_binding() -> None:
    binding = {r.id: r.binding for r in default_ruleset().regimes}
    assert binding["nist-ai-rmf"] is False and binding["iso-42001"] is False
    assert all(v for k, v in binding.items() if k not in {"nist-ai-rmf", "iso-42001"})


def _write(tmp_path: Path, body: str) -> Path:
    (tmp_path / "x.yaml").write_text(
        "regime: x\njurisdiction: xx\ntitle: X\nsource: test\n"
        "tiers: {t: {label: T, rank: 1}}\nobligations: {x.o: {title: O, legal_basis: Art. 1}}\n" + body,
        encoding="utf-8",
    )
    return tmp_path


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            "rules:\n  - {id: r1, title: R, when: 'functions has chatbot', legal_basis: Art. 1}\n",
            "rules/x.yaml: rule r1: 'functions has chatbot'",
        ),
        (
            "rules:\n  - {id: r1, title: R, when: null, tier: nope, legal_basis: Art. 1}\n",
            "tier 'nope' is not declared",
        ),
        (
            "rules:\n  - {id: r1, title: R, when: null, obligations: [x.zz], legal_basis: Art. 1}\n",
            "obligation 'x.zz' is not declared",
        ),
        (
            "rules:\n  - {id: r1, title: R, when: '@later', legal_basis: Art. 1}\n"
            "  - {id: r2, title: R, when: null, derive: [later], legal_basis: Art. 1}\n",
            "no earlier rule derives",
        ),
        ("rules:\n  - {id: r1, title: R, when: null}\n", "missing required field 'legal_basis'"),
        (
            "rules:\n  - {id: r1, title: R, when: null, legal_basis: A, applies_from: someday}\n",
            "is not a date",
        ),
    ],
)
def test_bad_rule_files_are_refused(tmp_path: Path, body: str, reason: str) -> None:
    with pytest.raises(InputError, match=reason):
        load_ruleset(_write(tmp_path, body))


def test_a_user_can_add_a_regime_without_python(tmp_path: Path) -> None:
    rules = _write(
        tmp_path,
        "scope: markets has JP\nrules:\n"
        "  - {id: jp.r1, title: Any AI, when: null, tier: t, obligations: [x.o], legal_basis: Art. 1,"
        " applies_from: 2025-06-04}\n",
    )
    ruleset = load_ruleset(rules)
    assert ruleset.jurisdictions == ["xx"]


def test_overlay_replaces_a_bundled_regime_by_file_name(tmp_path: Path) -> None:
    from importlib import resources

    from tongzhou.classify import Classifier
    from tongzhou.systems.bundled import example_profile

    bundled = (
        resources.files("tongzhou.classify.rules").joinpath("kr-ai-framework-act.yaml").read_text("utf-8")
    )
    assert "model.training_compute_flop >= 1e26" in bundled
    (tmp_path / "kr-ai-framework-act.yaml").write_text(
        bundled.replace("model.training_compute_flop >= 1e26", "model.training_compute_flop >= 1e23"), "utf-8"
    )
    open_weights = example_profile("open-weights-model")  # 6e23 FLOP
    default = Classifier().classify(open_weights).jurisdiction("kr")
    changed = Classifier(load_ruleset(overlay=tmp_path)).classify(open_weights).jurisdiction("kr")
    assert "compute_threshold" not in {t.id for t in default.tiers}
    assert "compute_threshold" in {t.id for t in changed.tiers}
    with pytest.raises(InputError, match="not a directory"):
        load_ruleset(overlay=tmp_path / "missing")
