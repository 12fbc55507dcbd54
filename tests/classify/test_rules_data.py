"""The rule data: every rule is sourced; bad rule files are refused naming the file and the rule."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
import yaml

from tongzhou.classify import default_ruleset, load_ruleset
from tongzhou.classify.rule import (
    EarlierText,
    ObligationDef,
    Presumption,
    Refusal,
    Rule,
    Threshold,
    TierDef,
    Transition,
    Unless,
)
from tongzhou.classify.ruleset import parse_regime
from tongzhou.errors import InputError
from tongzhou.systems._vocabulary import vocabulary

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


# -- Every field of a regime file, read exactly (issue 20: mutation testing of the rule loader) ----

FULL_REGIME = """\
regime: full
jurisdiction: fx
jurisdiction_name: Fullland
title: Full
title_zh: 全
binding: false
instrument: Act 1/2026
source: https://example.org/full
version: 3
scope: "markets has JP"
tiers:
  high: {label: High, label_zh: 高, rank: 3, conditional_headline: false, exclusive: true}
  low: {label: Low}
presumptions:
  p1: {text: Presumed, legal_basis: Art. 9, when_missing: [functions], text_zh: 推定}
  p2: {text: Plain, legal_basis: Art. 10}
obligations:
  f.o: {title: O, title_zh: 义务, legal_basis: Art. 2, addressee: provider, note: a note}
  f.p: {title: P, legal_basis: Art. 3}
thresholds:
  - {id: th, fact: model.training_compute_flop, op: ">=", value: 1e25, meaning: big, legal_basis: Art. 4}
exclusions:
  - id: ex1
    title: Excluded
    when: "functions has social_scoring"
    legal_basis: Art. 5
    source: s-ex
    explain: why
  - {id: ex2, title: Excluded 2, when: "functions has social_scoring", legal_basis: Art. 6}
rules:
  - id: r1
    title: R1
    when: "functions has social_scoring"
    tier: high
    obligations: [f.o, f.p]
    derive: [big]
    legal_basis: Art. 7
    source: s-r1
    applies_from: 2025-01-02
    applies_until: 2030-01-01
    text_from: 2024-01-01
    text_until: 2031-01-01
    transition: {fact: placed_on_market, before: 2025-08-02, applies_from: 2027-08-02, legal_basis: Art. 111}
    earlier_text: {until: 2026-01-01, applies_from: 2026-08-02}
    note: n
    presume: p1
    unless: {facts: [functions], text: unless text}
    refuses: {exemption: E, reason: why not, tier: low}
    explain: e
    explain_zh: 解释
    cite_fact: safety_component.product_legislation
  - {id: r2, title: R2, when: "@big", legal_basis: Art. 8}
  - id: r3
    title: R3
    when: null
    legal_basis: Art. 9
    transition: {fact: f, before: 2025-01-01, applies_from: 2026-01-01}
    refuses: {exemption: E2, reason: R}
"""


def _rule_fields(rule: Rule) -> dict[str, object]:
    fields = {f.name: getattr(rule, f.name) for f in dataclasses.fields(rule)}
    fields["condition"] = rule.condition.source
    return fields


def test_every_field_of_a_regime_file_is_read() -> None:
    regime = parse_regime(yaml.safe_load(FULL_REGIME), "rules/full.yaml")
    assert (
        regime.id,
        regime.jurisdiction,
        regime.jurisdiction_name,
        regime.title,
        regime.title_zh,
        regime.binding,
        regime.instrument,
        regime.source,
        regime.version,
        regime.scope.source,
    ) == (
        "full",
        "fx",
        "Fullland",
        "Full",
        "全",
        False,
        "Act 1/2026",
        "https://example.org/full",
        "3",
        "markets has JP",
    )
    assert regime.tiers == {
        "high": TierDef("high", "High", "高", 3, False, True),
        "low": TierDef("low", "Low", "Low", 0, True, False),
    }
    assert regime.presumptions == {
        "p1": Presumption("p1", "Presumed", "Art. 9", frozenset({"functions"}), "推定"),
        "p2": Presumption("p2", "Plain", "Art. 10", frozenset(), ""),
    }
    assert regime.obligations == {
        "f.o": ObligationDef("f.o", "O", "义务", "Art. 2", "provider", "a note"),
        "f.p": ObligationDef("f.p", "P", "P", "Art. 3", "any", ""),
    }
    assert regime.thresholds == [Threshold("th", "model.training_compute_flop", ">=", 1e25, "big", "Art. 4")]
    bare = {"tier": None, "obligations": (), "derive": (), "applies_from": None, "applies_until": None}
    bare |= {"text_from": None, "text_until": None, "transition": None, "earlier_text": None, "note": ""}
    bare |= {"presume": None, "unless": None, "refuses": None, "explain_zh": ""}
    bare |= {"cite_terms": None, "cite_fact": None}
    excluded = {"regime": "full", "jurisdiction": "fx", "condition": "functions has social_scoring"}
    assert [_rule_fields(r) for r in regime.exclusions] == [
        bare
        | excluded
        | {"id": "ex1", "title": "Excluded", "legal_basis": "Art. 5", "source": "s-ex"}
        | {"explain": "why"},
        bare
        | excluded
        | {"id": "ex2", "title": "Excluded 2", "legal_basis": "Art. 6"}
        | {"source": "https://example.org/full", "explain": ""},
    ]
    r1, r2, r3 = (_rule_fields(r) for r in regime.rules)
    product_cites = {
        k: str(v["cite"]) for k, v in vocabulary()["product_legislation"].items() if v.get("cite")
    }
    assert product_cites["toys"] == "Annex I Section A point 2"
    assert r1 == {
        "id": "r1",
        "regime": "full",
        "jurisdiction": "fx",
        "title": "R1",
        "condition": "functions has social_scoring",
        "tier": "high",
        "obligations": ("f.o", "f.p"),
        "derive": ("big",),
        "legal_basis": "Art. 7",
        "source": "s-r1",
        "applies_from": dt.date(2025, 1, 2),
        "applies_until": dt.date(2030, 1, 1),
        "text_from": dt.date(2024, 1, 1),
        "text_until": dt.date(2031, 1, 1),
        "transition": Transition("placed_on_market", dt.date(2025, 8, 2), dt.date(2027, 8, 2), "Art. 111"),
        "earlier_text": EarlierText(dt.date(2026, 1, 1), dt.date(2026, 8, 2)),
        "note": "n",
        "presume": regime.presumptions["p1"],
        "unless": Unless(frozenset({"functions"}), "unless text"),
        "refuses": Refusal("E", "why not", "low"),
        "explain": "e",
        "explain_zh": "解释",
        "cite_terms": product_cites,
        "cite_fact": "safety_component.product_legislation",
    }
    assert r2 == bare | {
        "id": "r2",
        "regime": "full",
        "jurisdiction": "fx",
        "title": "R2",
        "condition": "@big",
    } | {
        "legal_basis": "Art. 8",
        "source": "https://example.org/full",
        "explain": "",
    }
    assert r3["transition"] == Transition("f", dt.date(2025, 1, 1), dt.date(2026, 1, 1), "")
    assert r3["refuses"] == Refusal("E2", "R", None)


def test_a_minimal_regime_file_gets_the_documented_defaults() -> None:
    regime = parse_regime(
        {
            "regime": "m",
            "jurisdiction": "mx",
            "title": "M",
            "source": "s",
            "rules": [{"id": "r", "title": "R", "legal_basis": "A"}],
        },
        "rules/m.yaml",
    )
    assert (regime.jurisdiction_name, regime.title_zh, regime.binding, regime.instrument, regime.version) == (
        "mx",
        "M",
        True,
        "",
        "",
    )
    assert (regime.tiers, regime.obligations, regime.presumptions, regime.thresholds, regime.exclusions) == (
        {},
        {},
        {},
        [],
        [],
    )
    assert regime.scope.source is None and regime.scope.flags == frozenset()


def test_which_rules_are_in_force_on_a_date_and_under_which_text(tmp_path: Path) -> None:
    (tmp_path / "full.yaml").write_text(FULL_REGIME, encoding="utf-8")
    ruleset = load_ruleset(tmp_path)
    assert ruleset.version == "full@3" and ruleset.jurisdictions == ["fx"]

    def rules(day: dt.date, jurisdictions: frozenset[str] | None = None) -> dict[str, dt.date | None]:
        return {r.id: r.applies_from for regime, rs in ruleset.in_force(day, jurisdictions) for r in rs}

    assert rules(dt.date(2023, 12, 31)) == {"r2": None, "r3": None}  # r1's text is not the law yet
    assert rules(dt.date(2024, 1, 1))["r1"] == dt.date(2026, 8, 2)  # the earlier text's date
    assert rules(dt.date(2025, 12, 31))["r1"] == dt.date(2026, 8, 2)
    assert rules(dt.date(2026, 1, 1))["r1"] == dt.date(2025, 1, 2)  # amended on this day
    assert "r1" in rules(dt.date(2030, 12, 31)) and "r1" not in rules(dt.date(2031, 1, 1))
    assert rules(dt.date(2026, 1, 1), frozenset({"fx"})) == rules(dt.date(2026, 1, 1))
    assert ruleset.in_force(dt.date(2026, 1, 1), frozenset({"other"})) == []
    once = ruleset.in_force(dt.date(2026, 1, 1))
    assert ruleset.in_force(dt.date(2026, 1, 1)) is once  # computed once per date
    assert ruleset.obligation("f.p") == ObligationDef("f.p", "P", "P", "Art. 3", "any", "")
    assert ruleset.obligation("nope") is None


def test_regimes_are_ordered_by_order_then_file_name(tmp_path: Path) -> None:
    def regime(name: str, order: int | None) -> None:
        head = f"order: {order}\n" if order is not None else ""
        (tmp_path / f"{name}.yaml").write_text(
            head + f"regime: {name}\njurisdiction: {name}\ntitle: T\nsource: s\n"
            "rules:\n  - {id: " + name + ".r, title: R, when: null, legal_basis: A}\n",
            encoding="utf-8",
        )

    regime("d", 101)
    regime("c", None)  # 100
    regime("e", 99)
    regime("a", 101)
    (tmp_path / "notes.txt").write_text("not a regime", encoding="utf-8")
    ruleset = load_ruleset(tmp_path)
    assert [r.id for r in ruleset.regimes] == ["e", "c", "a", "d"]
    assert ruleset.version == "e@,c@,a@,d@" and ruleset.jurisdictions == ["e", "c", "a", "d"]


def test_a_flag_may_be_read_only_after_a_rule_derives_it_even_across_regimes(tmp_path: Path) -> None:
    first = (
        "order: 1\nregime: a\njurisdiction: a\ntitle: A\nsource: s\n"
        "rules:\n  - {id: a.r, title: R, when: null, derive: [fa], legal_basis: A}\n"
    )
    second = (
        "order: 2\nregime: b\njurisdiction: b\ntitle: B\nsource: s\nscope: '@fa'\n"
        "rules:\n  - {id: b.r, title: R, when: '@fa', legal_basis: A}\n"
    )
    (tmp_path / "a.yaml").write_text(first, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(second, encoding="utf-8")
    assert [r.id for r in load_ruleset(tmp_path).regimes] == ["a", "b"]
    (tmp_path / "b.yaml").write_text(second.replace("order: 2", "order: 0"), encoding="utf-8")
    with pytest.raises(InputError) as refusal:
        load_ruleset(tmp_path)
    assert str(refusal.value) == "regime b: scope reads flag @fa that no earlier rule derives"
    (tmp_path / "b.yaml").write_text(second.replace("scope: '@fa'\n", ""), encoding="utf-8")
    (tmp_path / "a.yaml").write_text(first.replace("order: 1", "order: 3"), encoding="utf-8")
    with pytest.raises(InputError) as refusal:
        load_ruleset(tmp_path)
    assert str(refusal.value) == "rule b.r: reads flag @fa that no earlier rule derives (order matters)"


_HEAD = (
    "regime: x\njurisdiction: xx\ntitle: X\nsource: test\ntiers: {t: {label: T, rank: 1}}\n"
    "presumptions: {p: {text: P, legal_basis: A}}\nobligations: {x.o: {title: O, legal_basis: Art. 1}}\n"
)
_RULE = "rules:\n  - {id: r1, title: R, when: null, legal_basis: A, %s}\n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "missing required field 'rules'"),
        (
            "rules:\n  - {id: r1, title: '', when: null, legal_basis: A}\n",
            "rule r1: missing required field 'title'",
        ),
        ("rules:\n  - {title: R, when: null, legal_basis: A}\n", "a rule: missing required field 'id'"),
        (
            "rules:\n  - {id: r1, title: R, when: null, legal_basis: A}\n"
            "  - {id: r1, title: R, when: null, legal_basis: A}\n",
            "rule r1: duplicate rule id",
        ),
        (_RULE % "applies_until: someday", "rule r1: 'someday' is not a date (YYYY-MM-DD)"),
        (_RULE % "tier: nope", "rule r1: tier 'nope' is not declared under 'tiers'"),
        (_RULE % "obligations: [x.zz]", "rule r1: obligation 'x.zz' is not declared under 'obligations'"),
        (_RULE % "presume: q", "rule r1: presumption 'q' is not declared under 'presumptions'"),
        (_RULE % "unless: {facts: [nope], text: T}", "rule r1: unknown fact(s) ['nope']"),
        (_RULE % "unless: {facts: [functions]}", "rule r1: missing required field 'text'"),
        (
            _RULE % "refuses: {exemption: E, reason: R, tier: nope}",
            "rule r1: refuses.tier 'nope' is not declared under 'tiers'",
        ),
        (_RULE % "refuses: {reason: R}", "rule r1: missing required field 'exemption'"),
        (_RULE % "cite_fact: functions", "rule r1: cite_fact 'functions' has no citations in the vocabulary"),
        (
            "presumptions: {q: {text: Q, legal_basis: A, when_missing: [nope]}}\n" + _RULE % "note: n",
            "presumption q: unknown fact(s) ['nope']",
        ),
        (
            "presumptions: {q: {legal_basis: A}}\n" + _RULE % "note: n",
            "presumption q: missing required field 'text'",
        ),
        (
            "presumptions: {q: {text: Q}}\n" + _RULE % "note: n",
            "presumption q: missing required field 'legal_basis'",
        ),
        (
            "scope: functions has chatbot\n" + _RULE % "note: n",
            "scope: 'functions has chatbot': ['chatbot'] not in the functions vocabulary",
        ),
        (
            "rules:\n  - {id: r1, title: R, when: 'functions has chatbot', legal_basis: A}\n",
            "rule r1: 'functions has chatbot': ['chatbot'] not in the functions vocabulary",
        ),
        (
            "obligations: {x.o: {title: O, legal_basis: A, addressee: nobody}}\n" + _RULE % "note: n",
            "obligation x.o: addressee 'nobody' must be one of ('provider', 'deployer', 'any')",
        ),
        (
            "obligations: {x.o: {title: O}}\n" + _RULE % "note: n",
            "obligation x.o: missing required field 'legal_basis'",
        ),
        (
            "exclusions:\n  - {title: E, when: null, legal_basis: A}\n" + _RULE % "note: n",
            "an exclusion: missing required field 'id'",
        ),
        (
            "exclusions:\n  - {id: e1, title: E, legal_basis: A}\n" + _RULE % "note: n",
            "exclusion e1: missing required field 'when'",
        ),
    ],
)
def test_each_refusal_names_the_file_the_rule_and_the_fault(tmp_path: Path, body: str, message: str) -> None:
    # A key given again in ``body`` replaces the head's (PyYAML keeps the last of the same name).
    (tmp_path / "x.yaml").write_text(_HEAD + body, encoding="utf-8")
    with pytest.raises(InputError) as refusal:
        load_ruleset(tmp_path)
    assert str(refusal.value) == f"rules/x.yaml: {message}"


def test_files_that_are_not_regimes_are_refused_by_their_path(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("regime: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"^rules/x\.yaml: not valid YAML: "):
        load_ruleset(tmp_path)
    (tmp_path / "x.yaml").write_text("- a list\n", encoding="utf-8")
    with pytest.raises(InputError) as refusal:
        load_ruleset(tmp_path)
    assert str(refusal.value) == "rules/x.yaml: a regime file must be a mapping"
    overlay = tmp_path / "mine"
    overlay.mkdir()
    (overlay / "eu-ai-act.yaml").write_text("just text\n", encoding="utf-8")
    with pytest.raises(InputError) as refusal:
        load_ruleset(overlay=overlay)
    assert (
        str(refusal.value) == f"{overlay / 'eu-ai-act.yaml'}: a regime file must be a mapping"
    )  # the user's path
    with pytest.raises(InputError) as refusal:
        load_ruleset(overlay=tmp_path / "missing")
    assert str(refusal.value) == f"--rules: {tmp_path / 'missing'} is not a directory of regime YAML files"
