"""Profiles with only literal facts (issue 19): the law's presumption or a precise undetermined list.

Each case in ``literal/cases.yaml`` is a whole profile written as a user would write it, with no
neutral base filling in the rest. The expected answer says which presumptions decided what and
exactly which facts are still asked for; a silent guess would show up as a missing need.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tongzhou.classify import Classifier
from tongzhou.systems.loading import profile_from_data

CASES = yaml.safe_load((Path(__file__).parent / "literal" / "cases.yaml").read_text(encoding="utf-8"))[
    "cases"
]
CLASSIFIER = Classifier()


def test_the_literal_set_covers_every_binding_regime_family() -> None:
    covered = {code for case in CASES for code in case["expect"]}
    assert {"eu", "kr", "cn"} <= covered
    assert all("Art." in case["cites"] for case in CASES)


@pytest.mark.parametrize("case", [pytest.param(c, id=c["id"]) for c in CASES])
def test_literal_profile(case: dict[str, Any]) -> None:
    profile = profile_from_data(case["profile"], f"literal case {case['id']}")
    result = CLASSIFIER.classify(profile, case["as_of"])
    for code, want in case["expect"].items():
        j = result.jurisdiction(code)
        summary = j.summary()
        where = f"{case['id']} [{code}]: {summary.text}"
        if "in_scope" in want:
            assert j.in_scope is want["in_scope"], where
        if "headline" in want:
            assert (None if summary.tier is None else summary.tier.id) == want["headline"], where
        if "headline_status" in want:
            assert summary.status == want["headline_status"], where
        for words in want.get("headline_says", []):
            assert words in summary.text, where
        if "presumptions" in want:
            assert sorted(p.id for p in j.presumptions) == sorted(want["presumptions"]), where
        needs = sorted({fact for u in j.undetermined for fact in u.needs})
        assert needs == sorted(want["needs"]), f"{where}\nneeds {needs}"
