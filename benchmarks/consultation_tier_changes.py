"""What listing the tier changes of a rule-file draft costs, beside classifying the registry once.

    PYTHONPATH=src python benchmarks/consultation_tier_changes.py [--systems 500] [--runs 3]

``tier_changes`` (consultation/rule_drafts.py) classifies every registered profile twice, once
with the rules in force and once with the draft overlaid, as of the draft's entry-into-force date,
and compares the headlines. The anchor, in the same run on the same profiles, is one pass of the
same engine with the rules in force and each jurisdiction's headline (what the portal's registry
listing index computes per system): the ratio says
what the draft's second pass and the comparison add. Profiles: the ten bundled examples copied
under new ids. The draft: Colorado's SB 26-189 rules brought forward to 2026-06-01
(tests/consultation/drafts.py). Figures are the median of ``--runs``, after one warm-up run that
compiles both rule sets (the portal keeps them per worker).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from tests.consultation.drafts import CO_RULES, earlier_colorado_rules

    from tongzhou.classify import Classifier
    from tongzhou.consultation.rule_drafts import tier_changes
    from tongzhou.systems.bundled import example_profiles

    examples = list(example_profiles())
    profiles = [
        p.model_copy(update={"id": f"{p.id}-{k}"})
        for k in range(args.systems // len(examples) + 1)
        for p in examples
    ][: args.systems]
    day, draft = dt.date(2026, 7, 1), earlier_colorado_rules()
    classifier = Classifier()

    def anchor() -> int:  # one pass with each jurisdiction's headline, as the registry listing does
        return sum(1 for p in profiles for j in classifier.classify(p, day).jurisdictions if j.summary().tier)

    def ours() -> int:
        return len(tier_changes(CO_RULES, draft, profiles, day))

    anchor()
    changed = ours()
    timings: dict[str, list[float]] = {"anchor": [], "ours": []}
    for _ in range(args.runs):
        for name, run in (("anchor", anchor), ("ours", ours)):
            start = time.perf_counter()
            run()
            timings[name].append(time.perf_counter() - start)
    a, o = statistics.median(timings["anchor"]), statistics.median(timings["ours"])
    print(f"{len(profiles)} systems, {changed} tier changes, median of {args.runs} runs")
    print(f"anchor: one pass, rules in force, headlines: {a:.2f} s ({len(profiles) / a:.0f} systems/s)")
    print(f"ours:   tier changes (two passes + compare):  {o:.2f} s ({len(profiles) / o:.0f} systems/s)")
    print(f"ratio ours/anchor: {o / a:.2f}")


if __name__ == "__main__":
    main()
