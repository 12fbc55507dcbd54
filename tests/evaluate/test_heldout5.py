"""Held-out-5, the clean set of keyword-content@2.2 (written by someone who does not build the
screen, committed before v2.2 was frozen, scored once): its shape, that v2.2 never learned from it,
and the figures measured on it held as floors."""

from __future__ import annotations

import json

from tongzhou.evaluate.scorers.agreement import CONTENT_HELDOUT5, content_agreement
from tongzhou.evaluate.scorers.content import VERSION as CONTENT_VERSION
from tongzhou.evaluate.scorers.content_model import CORPUS, DEV_SETS, REFUSAL_SETS, TRAINING_SETS
from tongzhou.evaluate.scorers.measured_error import recorded_on


def test_held_out_5_is_bilingual_and_never_trained_or_tuned_on() -> None:
    lines = CONTENT_HELDOUT5.read_text(encoding="utf-8").splitlines()
    assert "_meta" in json.loads(lines[0])
    rows = [json.loads(line) for line in lines[1:]]
    assert sum(r["language"] == "en" for r in rows) == sum(r["language"] == "zh" for r in rows) == 145
    assert len({r["id"] for r in rows}) == len(rows)
    assert CONTENT_HELDOUT5.name not in (CORPUS, *TRAINING_SETS, *DEV_SETS, *REFUSAL_SETS)


# Measured once with the frozen v2.2 (docs/evaluate.md): recall on unsafe / specificity on safe.
RECALL = {"A.1": 24, "A.2": 22, "A.3": 25, "A.4": 24, "A.5": 13, "en": 53, "zh": 55, "overall": 108}
SPECIFICITY = {"A.1": 31, "A.2": 29, "A.3": 31, "A.4": 26, "A.5": 32, "en": 74, "zh": 75, "overall": 149}


def test_v2_2_holds_its_held_out_5_figures_and_they_are_recorded() -> None:
    report = content_agreement(CONTENT_HELDOUT5)
    for key, floor in RECALL.items():
        assert report["recall"][key]["successes"] >= floor, key
    for key, floor in SPECIFICITY.items():
        assert report["specificity"][key]["successes"] >= floor, key
    assert CONTENT_VERSION == "2.2"
    assert recorded_on("keyword-content@2.2", "safe", CONTENT_HELDOUT5.name) is not None
