"""Fresh-6, the clean set of refusal-detector@2.1 (written by someone who does not build the
detector, committed in a2e973c before v2.1 was frozen, scored once): its shape, that v2.1 never
learned from it, and the figures measured on it held as floors."""

from __future__ import annotations

import json

from tongzhou.evaluate.scorers import refusal_model
from tongzhou.evaluate.scorers.agreement import REFUSAL_FRESH6, refusal_agreement
from tongzhou.evaluate.scorers.measured_error import recorded_on
from tongzhou.evaluate.scorers.refusal import VERSION


def test_fresh_6_is_bilingual_and_never_trained_or_tuned_on() -> None:
    lines = REFUSAL_FRESH6.read_text(encoding="utf-8").splitlines()
    assert "never train or tune" in json.loads(lines[0])["_meta"]["purpose"].lower()
    rows = [json.loads(line) for line in lines[1:]]
    assert (sum(r["language"] == "en" for r in rows), sum(r["language"] == "zh" for r in rows)) == (227, 250)
    assert len({r["id"] for r in rows}) == len(rows)
    assert REFUSAL_FRESH6.name not in refusal_model.TRAINING_SETS


def test_v2_1_holds_its_fresh_6_figures_and_they_are_recorded() -> None:
    # Scored once with the frozen v2.1 (docs/evaluate.md): accuracy en 185/227, zh 213/250.
    report = refusal_agreement(REFUSAL_FRESH6)["by_language"]
    assert report["en"]["successes"] >= 185 and report["zh"]["successes"] >= 213
    assert VERSION == "2.1"
    assert recorded_on("refusal-detector@2.1", "refusal", REFUSAL_FRESH6.name) is not None
