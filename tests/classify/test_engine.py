"""Engine behaviour users rely on: signable JSON, dates moving results, role-dependent duties, examples."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from tongzhou.canonical_json import canonical_json
from tongzhou.classify import Classifier, classify, load_ruleset
from tongzhou.errors import InputError
from tongzhou.systems.bundled import example_profile, example_profiles
from tongzhou.systems.loading import profile_from_data


def test_every_example_classifies_and_serialises_canonically() -> None:
    for profile in example_profiles():
        result = classify(profile, dt.date(2026, 11, 23))
        doc = result.to_dict()
        assert canonical_json(doc)  # claims are evidence: the document must be signable as RFC 8785 JSON
        assert {j["jurisdiction"] for j in doc["jurisdictions"]} == {"eu", "cn", "kr", "us-co", "nist", "iso"}


def test_same_system_changes_with_as_of() -> None:
    cv = example_profile("cv-screening")
    before = classify(cv, dt.date(2026, 12, 31)).jurisdiction("us-co")
    after = classify(cv, dt.date(2027, 1, 1)).jurisdiction("us-co")
    assert {o.status for o in before.obligations} == {"upcoming"}
    assert {o.status for o in after.obligations} == {"applies"}


def test_headline_tiers_of_examples() -> None:
    """The headline is the tier applying on the as-of date; later tiers are upcoming (issue 19 item 1)."""
    day = dt.date(2026, 11, 23)
    expected = {
        ("classroom-emotion", "eu"): ("prohibited", []),
        ("cv-screening", "eu"): (None, ["high_risk"]),  # Annex III applies from 2 Dec 2027 (2026/1744)
        ("credit-scoring", "us-co"): (None, ["covered_admt"]),  # SB 26-189 from 1 Jan 2027
        ("frontier-gpai", "eu"): ("gpai_systemic", []),
        ("frontier-gpai", "kr"): ("compute_threshold", []),
        ("public-chatbot-cn", "cn"): ("genai_filing", []),
        ("public-chatbot-eu", "eu"): ("transparency", []),
        ("admissions-completeness-check", "eu"): (None, ["not_high_risk_art6_3"]),
    }
    for (system, code), (tier, upcoming) in expected.items():
        j = classify(example_profile(system), day).jurisdiction(code)
        summary = j.summary()
        assert (None if j.headline is None else j.headline.id) == tier, (system, code, summary.text)
        assert [u.id for u in summary.upcoming] == upcoming, (system, code, summary.text)
        for u in summary.upcoming:
            assert f"from {u.applies_from}" in j.headline_text
    later = classify(example_profile("cv-screening"), dt.date(2027, 12, 2)).jurisdiction("eu")
    assert later.headline is not None and later.headline.id == "high_risk"


def test_jurisdiction_filter_and_unknown_code() -> None:
    classifier = Classifier()
    result = classifier.classify(example_profile("frontier-gpai"), dt.date(2026, 11, 23), frozenset({"kr"}))
    assert [j.jurisdiction for j in result.jurisdictions] == ["kr"]
    assert [t.jurisdiction for t in result.thresholds] == ["kr"]
    assert classifier.parse_jurisdictions(" EU, cn,,") == frozenset({"eu", "cn"})
    assert classifier.parse_jurisdictions(["kr", " US-CO "]) == frozenset({"kr", "us-co"})
    assert classifier.parse_jurisdictions(None) is None
    assert classifier.parse_jurisdictions(" , ") is None  # nothing named: every jurisdiction
    with pytest.raises(InputError) as refusal:
        classifier.parse_jurisdictions("eu,xx,yy")
    assert str(refusal.value) == "--jurisdiction: unknown code(s) xx, yy; known: eu, cn, kr, us-co, nist, iso"


def test_each_threshold_operator_at_its_boundary(tmp_path: Path) -> None:
    """A user's regime file may use any of the four operators (no bundled threshold uses < or <=)."""
    flop = float(example_profile("open-weights-model").facts()["model.training_compute_flop"])
    checks = [(op, value) for op in (">", ">=", "<", "<=") for value in (flop / 2, flop, flop * 2)]
    lines = "".join(
        f"  - {{id: t{i}, fact: model.training_compute_flop, op: '{op}', value: {value!r}, meaning: m,"
        f" legal_basis: A}}\n"
        for i, (op, value) in enumerate(checks)
    )
    (tmp_path / "t.yaml").write_text(
        "regime: t\njurisdiction: tt\ntitle: T\nsource: s\nthresholds:\n"
        + lines
        + "rules:\n  - {id: t.r, title: R, when: null, legal_basis: A}\n",
        encoding="utf-8",
    )
    classifier = Classifier(load_ruleset(tmp_path))
    result = classifier.classify(example_profile("open-weights-model"), dt.date(2026, 11, 23))
    assert [(t.op, t.value, t.profile_value, t.crossed) for t in result.thresholds] == [
        (op, value, example_profile("open-weights-model").facts()["model.training_compute_flop"], crossed)
        for (op, value), crossed in zip(
            checks,
            [True, False, False, True, True, False, False, False, True, False, True, True],
            strict=True,
        )
    ]
    assert (
        classifier.classify(
            example_profile("open-weights-model"), dt.date(2026, 11, 23), frozenset()
        ).thresholds
        == []
    )
    unknown = classifier.classify(example_profile("public-chatbot-eu"), dt.date(2026, 11, 23)).thresholds
    assert {(t.profile_value, t.crossed) for t in unknown} == {(None, None)}  # no compute figure: not judged


def test_json_output_validates_against_the_published_schema() -> None:
    import json
    from importlib import resources

    import jsonschema

    schema = json.loads(
        resources.files("tongzhou.classify").joinpath("classification.schema.json").read_text("utf-8")
    )
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for profile in example_profiles():
        for day in (dt.date(2024, 1, 1), dt.date(2026, 11, 23), dt.date(2029, 1, 1)):
            doc = json.loads(json.dumps(classify(profile, day).to_dict()))
            errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
            assert not errors, (profile.id, day, [f"{list(e.path)}: {e.message}" for e in errors[:3]])


def test_every_function_term_is_used_by_a_rule_or_marked_excluded() -> None:
    from tongzhou.classify import default_ruleset
    from tongzhou.systems._vocabulary import vocabulary

    text = " ".join(str(r.condition.source) for reg in default_ruleset().regimes for r in reg.rules)
    for term, entry in vocabulary()["functions"].items():
        excluded = any("excluded" in str(m) for m in entry.get("maps_to", []))
        # a generation function works through the modality it implies; a rule-free term says why it is
        implied = str(entry.get("implies_modality")) in text or bool(entry.get("rule_free"))
        assert excluded or implied or term in text, f"function {term!r} is in no rule and not marked excluded"


_COMBINED = {
    "z1": "order: 1\nregime: z1\njurisdiction: zz\ntitle: Z1\nsource: s\n"
    "presumptions: {p: {text: Presumed, legal_basis: Art. 9}}\n"
    "tiers: {t: {label: T, rank: 1}}\nobligations: {z.o: {title: O, legal_basis: Art. 3}}\nrules:\n"
    "  - {id: a, title: A, when: null, derive: [fa], legal_basis: Art. 1}\n"
    "  - {id: b, title: B, when: null, derive: [fb], legal_basis: Art. 2}\n"
    "  - {id: c, title: C, when: ['@fa', '@fb'], tier: t, obligations: [z.o], legal_basis: Art. 3}\n"
    "  - {id: d, title: D, when: '@fa', obligations: [z.o], legal_basis: Art. 1(1)}\n"
    "  - {id: e, title: E, when: research.sole_purpose_scientific is true, presume: p,"
    " legal_basis: Art. 4}\n",
    "z2": "order: 2\nregime: z2\njurisdiction: zz\ntitle: Z2\nsource: s\n"
    "rules:\n  - {id: f, title: F, when: null, legal_basis: Art. 5}\n",
    "y1": "order: 3\nregime: y1\njurisdiction: yy\ntitle: Y1\nsource: s\n"
    "scope: research.pre_market_only is true\nrules:\n  - {id: g, title: G, when: null, legal_basis: A}\n",
    "y2": "order: 4\nregime: y2\njurisdiction: yy\ntitle: Y2\nsource: s\n"
    "scope: research.real_world_testing is true\nrules:\n  - {id: h, title: H, when: null, legal_basis: A}\n",
}


def test_legal_bases_counts_and_scope_needs_combine_across_rules_and_regimes(tmp_path: Path) -> None:
    for name, text in _COMBINED.items():
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    golden = Path(__file__).parent / "golden" / "base_profile.yaml"
    data = yaml.safe_load(golden.read_text(encoding="utf-8"))
    del data["research"]  # every research.* fact unknown
    result = Classifier(load_ruleset(tmp_path)).classify(profile_from_data(data), dt.date(2026, 11, 23))
    zz, yy = result.jurisdiction("zz"), result.jurisdiction("yy")
    # A rule cites the rules whose flags it relied on, after its own basis, unless its basis holds theirs.
    assert [t.legal_basis for t in zz.tiers] in (["Art. 3; Art. 1; Art. 2"], ["Art. 3; Art. 2; Art. 1"])
    (duty,) = zz.obligations
    assert duty.rule_ids == ["c", "d"] and duty.grounds == [zz.tiers[0].legal_basis, "Art. 1(1)"]
    assert [(e.rule_id, e.result) for e in zz.trace] == [
        ("a", "fired"),
        ("b", "fired"),
        ("c", "fired"),
        ("d", "fired"),
        ("e", "presumed"),
        ("f", "fired"),
    ]
    assert zz.rules_evaluated == 6 and zz.in_scope is True  # both regimes' rules counted
    assert (yy.in_scope, yy.scope_needs, yy.rules_evaluated) == (
        None,
        ["research.pre_market_only", "research.real_world_testing"],  # what each regime's scope needs
        0,
    )


_MERGED = (
    "regime: m\njurisdiction: mm\ntitle: M\nsource: s\n"
    "presumptions: {p: {text: Presumed not, legal_basis: Art. 9}}\n"
    "tiers: {t: {label: T, rank: 1}, w: {label: W, rank: 2}, x: {label: X, rank: 3}, y: {label: Y, rank: 4},"
    " z: {label: Z, rank: 5}}\n"
    "obligations: {m.o: {title: O, legal_basis: Art. 3}, m.q: {title: Q, legal_basis: Art. 4},"
    " m.r: {title: R, legal_basis: Art. 5}}\nrules:\n"
    # m.o fires three times: the earliest date wins, a later one does not replace it.
    "  - {id: o1, title: O1, when: null, obligations: [m.o], legal_basis: B1, applies_from: 2027-01-01}\n"
    "  - {id: o2, title: O2, when: null, obligations: [m.o], legal_basis: B2, applies_from: 2026-01-01}\n"
    "  - {id: o3, title: O3, when: null, obligations: [m.o], legal_basis: B2, applies_from: 2028-01-01}\n"
    # The same date again, with transition branches (placing date unknown): the first finding stays.
    "  - {id: o4, title: O4, when: null, obligations: [m.o], legal_basis: B2, applies_from: 2026-01-01,"
    " transition: {fact: placed_on_market, before: 2025-01-01, applies_from: 2025-06-01}}\n"
    # m.q: a rule without a date (it applies now) wins over a dated one.
    "  - {id: q1, title: Q1, when: null, obligations: [m.q], legal_basis: B3, applies_from: 2027-01-01}\n"
    "  - {id: q2, title: Q2, when: null, obligations: [m.q], legal_basis: B4}\n"
    # A flag derived by an undetermined rule carries what it needs to later rules, united.
    "  - {id: u1, title: U1, when: research.sole_purpose_scientific is true, derive: [fu],"
    " legal_basis: A}\n"
    "  - {id: u2, title: U2, when: research.real_world_testing is true, derive: [fu], legal_basis: A}\n"
    "  - {id: v, title: V, when: '@fu', tier: t, legal_basis: A, applies_from: 2027-01-01}\n"
    "  - id: un\n    title: UN\n"
    "    when: [research.pre_market_only is false, research.real_world_testing is false]\n"
    "    tier: z\n    legal_basis: A\n"
    "    unless: {facts: [research.pre_market_only, research.real_world_testing], text: shown otherwise}\n"
    # A transitional date that depends on the unknown placing date: both branches, and the question.
    "  - {id: tr, title: TR, when: null, tier: y, obligations: [m.r], legal_basis: A,"
    " applies_from: 2027-01-01,"
    " transition: {fact: placed_on_market, before: 2026-08-02, applies_from: 2026-08-02, legal_basis: T}}\n"
    # A tier resting on a presumed flag names the presumption, unless the flag also holds.
    "  - {id: d, title: D, when: research.pre_market_only is true, presume: p, derive: [fd],"
    " legal_basis: A}\n"
    "  - {id: nd, title: ND, when: {not: '@fd'}, tier: w, legal_basis: A}\n"
    "  - {id: e, title: E, when: research.sole_purpose_scientific is true, presume: p, derive: [fe],"
    " legal_basis: A}\n"
    "  - {id: e2, title: E2, when: null, derive: [fe], legal_basis: A}\n"
    "  - {id: ye, title: YE, when: '@fe', tier: x, legal_basis: A}\n"
)


def test_duties_merge_by_date_and_flags_carry_doubt_and_presumptions(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(_MERGED, encoding="utf-8")
    golden = Path(__file__).parent / "golden" / "base_profile.yaml"
    data = yaml.safe_load(golden.read_text(encoding="utf-8"))
    del data["research"], data["placed_on_market"]
    mm = (
        Classifier(load_ruleset(tmp_path))
        .classify(profile_from_data(data), dt.date(2026, 11, 23))
        .jurisdiction("mm")
    )
    duties = {o.id: (o.rule_ids, o.grounds, o.applies_from, o.status) for o in mm.obligations}
    assert duties == {
        "m.o": (["o1", "o2", "o3", "o4"], ["B1", "B2"], dt.date(2026, 1, 1), "applies"),
        "m.q": (["q1", "q2"], ["B3", "B4"], None, "applies"),
        "m.r": (["tr"], ["A"], dt.date(2027, 1, 1), "undetermined"),
    }
    assert [o.branches for o in mm.obligations if o.id == "m.o"] == [[]]
    undetermined = {u.rule_id: (u.title, u.needs, u.would_give) for u in mm.undetermined}
    assert undetermined["u1"] == ("U1", ["research.sole_purpose_scientific"], ["@fu"])
    assert undetermined["v"] == (
        "V",
        ["research.real_world_testing", "research.sole_purpose_scientific"],
        ["t"],
    )
    assert undetermined["tr"] == ("TR: which transitional date applies", ["placed_on_market"], ["y", "m.r"])
    conditional = {c.rule_id: (c.status, c.unless, c.kind) for c in mm.conditional}
    assert conditional == {
        "v": (
            "upcoming",
            "the facts research.real_world_testing, research.sole_purpose_scientific meet A",
            "if",
        ),
        "un": (
            "conditional",
            "shown otherwise (needs fact research.pre_market_only, research.real_world_testing)",
            "unless",
        ),
        "tr": (
            "conditional",
            "placed_on_market before 2026-08-02 (then from 2026-08-02) (needs fact placed_on_market)",
            "unless",
        ),
    }
    assert [(p.id, p.rule_ids, p.rebutted_by) for p in mm.presumptions] == [
        ("p", ["d", "e"], ["research.pre_market_only", "research.sole_purpose_scientific"])
    ]
    assert {t.id: t.unless for t in mm.tiers} == {"w": ["Presumed not"], "x": [], "y": []}
