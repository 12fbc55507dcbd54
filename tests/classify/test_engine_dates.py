# ruff: noqa: E501  (data: a regime file read best unwrapped)
"""The engine's date rules at their boundaries: a transitional provision decided by the
placing-on-market date, or left open with both branches while that date is unknown.

Art. 50(2) of the EU AI Act (as amended by Regulation 2026/1744) applies from 2 Aug 2026, but from
2 Dec 2026 to a system placed on the market before 2 Aug 2026 (rules/eu-ai-act.yaml, eu.art50.2).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from tongzhou.classify import Classifier
from tongzhou.classify.findings import JurisdictionResult
from tongzhou.classify.ruleset import RuleSet, parse_regime
from tongzhou.systems.loading import profile_from_data

BASE = yaml.safe_load((Path(__file__).parent / "golden" / "base_profile.yaml").read_text(encoding="utf-8"))
CLASSIFIER = Classifier()
CUTOFF, LATER = dt.date(2026, 8, 2), dt.date(2026, 12, 2)
DAY = dt.timedelta(days=1)


def _eu(placed: dt.date | None, as_of: dt.date) -> JurisdictionResult:
    data: dict[str, Any] = {**BASE, "generated_modalities": ["text"], "placed_on_market": placed}
    return CLASSIFIER.classify(profile_from_data(data, "engine dates"), as_of).jurisdiction("eu")


def _art50_2(result: JurisdictionResult) -> tuple[dt.date | None, str]:
    duty = next(o for o in result.obligations if o.id == "eu.art50_2")
    return duty.applies_from, duty.status


def test_placed_the_day_before_the_cutoff_takes_the_later_date() -> None:
    assert _art50_2(_eu(CUTOFF - DAY, CUTOFF)) == (LATER, "upcoming")
    assert _art50_2(_eu(CUTOFF - DAY, LATER - DAY)) == (LATER, "upcoming")
    assert _art50_2(_eu(CUTOFF - DAY, LATER)) == (LATER, "applies")


def test_placed_on_the_cutoff_day_is_not_before_it() -> None:
    assert _art50_2(_eu(CUTOFF, CUTOFF - DAY)) == (CUTOFF, "upcoming")
    assert _art50_2(_eu(CUTOFF, CUTOFF)) == (CUTOFF, "applies")


def test_an_unknown_placing_date_is_undetermined_exactly_between_the_two_dates() -> None:
    assert _art50_2(_eu(None, CUTOFF - DAY))[1] == "upcoming"
    for day in (CUTOFF, LATER - DAY):
        result = _eu(None, day)
        applies_from, status = _art50_2(result)
        assert (applies_from, status) == (CUTOFF, "undetermined"), day
        asked = [u for u in result.undetermined if u.rule_id == "eu.art50.2"]
        assert [u.needs for u in asked] == [["placed_on_market"]]
        assert asked[0].title.endswith(": which transitional date applies")
    assert _art50_2(_eu(None, LATER))[1] == "applies"
    duty = next(o for o in _eu(None, CUTOFF).obligations if o.id == "eu.art50_2")
    assert sorted((b.condition, b.applies_from) for b in duty.branches) == [
        ("placed_on_market before 2026-08-02", LATER),
        ("placed_on_market on or after 2026-08-02", CUTOFF),
    ]


REGIME = """
regime: test.dates
jurisdiction: tx
title: Dates at their edges
source: tests/classify/test_engine_dates.py
scope: "generated_modalities has_any [text]"
obligations:
  lapsing: {title: A duty that lapses, legal_basis: "Art. 1"}
  transitional: {title: A duty with only a transitional date, legal_basis: "Art. 2"}
rules:
  - {id: r.lapsing, title: Lapses at the end of 2026, when: "generated_modalities has_any [text]", obligations: [lapsing], legal_basis: "Art. 1", applies_from: 2026-01-01, applies_until: 2027-01-01}
  - id: r.transitional
    title: Dated only for systems placed before the cutoff
    when: "generated_modalities has_any [text]"
    obligations: [transitional]
    legal_basis: "Art. 2"
    transition: {fact: placed_on_market, before: 2026-08-02, applies_from: 2026-12-02, legal_basis: "Art. 3"}
"""


def _tx(as_of: dt.date) -> dict[str, tuple[dt.date | None, str]]:
    regime = parse_regime(yaml.safe_load(REGIME), "rules/test.yaml")
    classifier = Classifier(RuleSet([regime]))
    data: dict[str, Any] = {**BASE, "generated_modalities": ["text"], "placed_on_market": None}
    result = classifier.classify(profile_from_data(data, "engine dates"), as_of).jurisdiction("tx")
    return {o.id: (o.applies_from, o.status) for o in result.obligations}


def test_a_duty_lapses_on_its_until_date() -> None:
    assert _tx(dt.date(2026, 12, 31))["lapsing"] == (dt.date(2026, 1, 1), "applies")
    lapsed = _tx(dt.date(2027, 1, 1))
    assert "lapsing" not in lapsed
    assert lapsed["transitional"] == (None, "applies")  # the rules after a lapsed one still count


def test_a_single_transitional_date_applies_from_that_day() -> None:
    # Only one branch carries a date: there is nothing to be undetermined between.
    assert _tx(LATER - DAY)["transitional"] == (None, "upcoming")
    assert _tx(LATER)["transitional"] == (None, "applies")
