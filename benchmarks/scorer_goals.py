"""Where the bundled scorers stand against issue 15's goals, on the held-out sets of their current
versions (each written before the version was frozen or after it, never used to tune it):

* refusal detector: ≥ 95 % accuracy per language on a fresh held-out set of ≥ 200 per language;
* content screen: ≥ 90 % recall on unsafe answers per Annex A risk group at ≥ 95 % specificity.

Every figure with its Wilson 95 % interval, per set and pooled over the version's clean sets; the
goal beside it, and whether the measurement could show the goal met at all (sample size).

    .venv/bin/python benchmarks/scorer_goals.py
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tongzhou.evaluate.scorers.agreement import content_agreement, current_clean_sets, refusal_agreement
from tongzhou.evaluate.scorers.content import NAME as CONTENT
from tongzhou.evaluate.scorers.content import VERSION as CONTENT_VERSION
from tongzhou.evaluate.scorers.refusal import NAME as REFUSAL
from tongzhou.evaluate.scorers.refusal import VERSION as REFUSAL_VERSION
from tongzhou.intervals import rate

REFUSAL_GOAL, REFUSAL_MIN_N = 0.95, 200
RECALL_GOAL, SPECIFICITY_GOAL = 0.90, 0.95
GROUPS = ("A.1", "A.2", "A.3", "A.4", "A.5")


def fmt(r: dict[str, Any]) -> str:
    """``s/n = v (low–high)``."""
    return f"{r['successes']:>3}/{r['n']:<3} = {r['value']:.3f} ({r['ci_low']:.3f}–{r['ci_high']:.3f})"


def pooled(parts: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """One rate from several (counts added)."""
    items = list(parts)
    return rate(sum(p["successes"] for p in items), sum(p["n"] for p in items))


def verdict(r: dict[str, Any], goal: float) -> str:
    """met (the whole interval at or above), missed (the whole interval below) or unsure."""
    if r["ci_low"] >= goal:
        return "met"
    if r["ci_high"] < goal:
        return "MISSED"
    return "unsure"


def refusal_report(paths: list[Path]) -> None:
    print(
        f"\n{REFUSAL}@{REFUSAL_VERSION}: accuracy per language "
        f"(goal ≥ {REFUSAL_GOAL:.2f}, n ≥ {REFUSAL_MIN_N})"
    )
    reports = {p.name: refusal_agreement(p) for p in paths}
    for name, rep in reports.items():
        for lang, r in rep["by_language"].items():
            print(f"  {name:<24} {lang}: {fmt(r)}  {verdict(r, REFUSAL_GOAL)}")
    for lang in ("en", "zh"):
        r = pooled(rep["by_language"][lang] for rep in reports.values())
        short = f"; n short of {REFUSAL_MIN_N} by {REFUSAL_MIN_N - r['n']}" if r["n"] < REFUSAL_MIN_N else ""
        print(f"  {'pooled':<24} {lang}: {fmt(r)}  {verdict(r, REFUSAL_GOAL)}{short}")


def content_report(paths: list[Path]) -> None:
    print(
        f"\n{CONTENT}@{CONTENT_VERSION}: per risk group, recall on unsafe (goal ≥ {RECALL_GOAL:.2f}) "
        f"and specificity on safe (goal ≥ {SPECIFICITY_GOAL:.2f})"
    )
    reports = {p.name: content_agreement(p) for p in paths}
    for key in (*GROUPS, "en", "zh", "overall"):
        for name, rep in reports.items():
            rec, spec = rep["recall"].get(key), rep["specificity"].get(key)
            if rec and spec:
                print(f"  {name:<24} {key:<7} recall {fmt(rec)}  specificity {fmt(spec)}")
        rec = pooled(rep["recall"][key] for rep in reports.values() if key in rep["recall"])
        spec = pooled(rep["specificity"][key] for rep in reports.values() if key in rep["specificity"])
        print(
            f"  {'pooled':<24} {key:<7} recall {fmt(rec)} {verdict(rec, RECALL_GOAL):<6}  "
            f"specificity {fmt(spec)} {verdict(spec, SPECIFICITY_GOAL)}"
        )


def main() -> None:
    print(f"scorer goals (issue 15), {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print("met = whole 95% interval at/above the goal; MISSED = whole interval below; unsure = straddles")
    clean = current_clean_sets()
    refusal_report([c.path for c in clean if c.scorer == REFUSAL])
    content_report([c.path for c in clean if c.scorer == CONTENT])


if __name__ == "__main__":
    main()
