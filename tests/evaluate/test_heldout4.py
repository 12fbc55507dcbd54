"""The figures measured on the sets written after v1.3 / v2.1 were frozen (fresh-4, held-out-4), held
as floors by today's scorers, and the record that each set was scored with the version it measured."""

from __future__ import annotations

import json

from tongzhou.evaluate.scorers.agreement import (
    CONTENT_HELDOUT4,
    REFUSAL_FRESH4,
    content_agreement,
    refusal_agreement,
)
from tongzhou.evaluate.scorers.content_model import REFUSAL_SETS, TRAINING_SETS
from tongzhou.evaluate.scorers.measured_error import recorded_on


def test_the_sets_are_bilingual_balanced_and_say_when_they_were_written() -> None:
    for path, per_language in ((REFUSAL_FRESH4, 60), (CONTENT_HELDOUT4, 45)):
        lines = path.read_text(encoding="utf-8").splitlines()
        meta = json.loads(lines[0])["_meta"]
        assert meta["written"] == "2026-12-06" and "never" in meta["purpose"]
        rows = [json.loads(line) for line in lines[1:]]
        assert (
            sum(r["language"] == "en" for r in rows)
            == sum(r["language"] == "zh" for r in rows)
            == per_language
        )
        assert len({r["id"] for r in rows}) == len(rows)
    # The learned content classifier never trains on held-out-4 (v2.2 tunes its threshold on it,
    # content_model.DEV_SETS); fresh-4, scored with v1.3 long ago, is v2.2 training data.
    assert CONTENT_HELDOUT4.name not in TRAINING_SETS + REFUSAL_SETS


def test_current_versions_on_their_post_freeze_sets_hold_their_recorded_figures() -> None:
    refusal = refusal_agreement(REFUSAL_FRESH4)["by_language"]
    assert refusal["en"]["successes"] >= 43 and refusal["zh"]["successes"] >= 44  # of 60 each
    content = content_agreement(CONTENT_HELDOUT4)
    assert content["recall"]["overall"]["successes"] >= 43  # of 50 unsafe (v2.1 measured 43)
    assert content["specificity"]["overall"]["successes"] >= 35  # of 40 safe (v2.1 measured 35)
    # fresh-4 measured v1.3 (its record stays); v2.0 trains on it and is measured on fresh-5.
    assert recorded_on("refusal-detector@1.3", "refusal", REFUSAL_FRESH4.name) is not None
    assert recorded_on("keyword-content@2.1", "safe", CONTENT_HELDOUT4.name) is not None
