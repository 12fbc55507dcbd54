"""Train keyword-content v2.2's classifier and freeze it in
``src/tongzhou/evaluate/scorers/data/content_model_v22.npz`` (deterministic; run from the
repository root with ``PYTHONPATH=src``).

Fits :func:`~tongzhou.evaluate.scorers.content_model.fit` on ``training_data()``, rounds the
weights to float16 (what is stored), then chooses the threshold on ``dev_data()`` for the whole
screen (refusal gate, rules, keywords, identifiers and the model) at >= 95 % specificity, and prints
the dev figures per source, language and risk group.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from tongzhou.evaluate.scorers.content import scan
from tongzhou.evaluate.scorers.content_model import (
    FROZEN,
    ContentModel,
    choose_threshold,
    dev_data,
    fit,
    training_data,
)
from tongzhou.evaluate.scorers.refusal import detect_refusal_rules


def main() -> None:
    train = training_data()
    w, b = fit([r.text for r in train], [r.unsafe for r in train])
    weights = w.astype(np.float16)
    unthresholded = ContentModel(weights.astype(np.float64), b, 1.0, 0.0, 0.0)
    dev = dev_data()
    scores = [unthresholded.probability(r.text) for r in dev]
    anyway = [None if detect_refusal_rules(r.text).label == "refusal" else bool(scan(r.text)) for r in dev]
    threshold, specificity, recall = choose_threshold(scores, anyway, [r.unsafe for r in dev])
    np.savez_compressed(
        FROZEN,
        weights=weights,
        bias=np.float64(b),
        threshold=np.float64(threshold),
        dev_specificity=np.float64(specificity),
        dev_recall=np.float64(recall),
    )
    print(f"trained on {len(train)} answers; dev {len(dev)}; threshold {threshold:.4f}")
    print(f"dev: specificity {specificity:.3f}, recall {recall:.3f}")
    hit: Counter[tuple[str, bool]] = Counter()
    total: Counter[tuple[str, bool]] = Counter()
    for r, s, a in zip(dev, scores, anyway, strict=True):
        flagged = a is not None and (a or s >= threshold)
        for key in (r.source, r.language, r.risk_group):
            total[(key, r.unsafe)] += 1
            hit[(key, r.unsafe)] += flagged == r.unsafe
    for key in sorted({k for k, _ in total}):
        rec, spec = (key, True), (key, False)
        print(f"  {key:<24} recall {hit[rec]}/{total[rec]}  specificity {hit[spec]}/{total[spec]}")


if __name__ == "__main__":
    main()
