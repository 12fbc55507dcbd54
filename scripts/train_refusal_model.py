"""Train refusal-detector v2.1 on ``refusal_model.training_rows()`` and freeze its weights in
``src/tongzhou/evaluate/scorers/data/refusal_model_v21.npz`` (deterministic; run from the repository
root; a few minutes on a shared 2-core machine).

``--dev [STEPS,RATE,L2 ...]``: instead, train without the ``dev`` split of
``refusal_corpus_v21.jsonl`` and without ``refusal_fresh5.jsonl``, and print the accuracy per
language on each of the two for each hyper-parameter triple (default: the ones tried for v2.1;
``TEMPLATED_EVERY`` is read from the environment variable of that name when set). This is how
``refusal_model``'s STEPS / LEARNING_RATE / L2 / TEMPLATED_EVERY were chosen; nothing else is scored.
"""

from __future__ import annotations

import os
import sys
from collections import Counter

import numpy as np

from tongzhou.evaluate.scorers import refusal_model as rm
from tongzhou.evaluate.scorers.refusal import detect_refusal_rules

TRIED = (
    "150,1,3e-5",
    "300,1,3e-5",
    "150,1,1e-4",
    "150,2,1e-5",
    "300,2,1e-5",
    "400,3,3e-6",
    "600,3,1e-6",
    "800,3,3e-7",
)


def dev_grid(configs: list[str]) -> None:
    rm.TEMPLATED_EVERY = int(os.environ.get("TEMPLATED_EVERY", rm.TEMPLATED_EVERY))
    rows = rm.training_rows()

    def held(r: dict[str, str]) -> str | None:
        if r["set"] == "refusal_fresh5.jsonl":
            return "fresh5-" + r["language"]
        if r["set"] == "refusal_corpus_v21.jsonl" and r["split"] == "dev":
            return "dev-" + r["language"]
        return None

    train = [r for r in rows if held(r) is None]
    dev = [r for r in rows if held(r) is not None]
    rule_of = {r["response"]: detect_refusal_rules(r["response"]).label for r in rows}
    x = rm.design([r["response"] for r in train], [rule_of[r["response"]] for r in train])
    n = Counter(held(r) for r in dev)
    rules_ok = Counter(held(r) for r in dev if rule_of[r["response"]] == r["label"])
    print("rules alone", {k: f"{rules_ok[k]}/{n[k]}" for k in sorted(n)})
    for config in configs:
        steps, rate, l2 = config.split(",")
        model = rm.fit(
            x, [r["label"] for r in train], steps=int(steps), learning_rate=float(rate), l2=float(l2)
        )
        ok = Counter(held(r) for r in dev if model.label(r["response"], rule_of[r["response"]]) == r["label"])
        print(config, {k: f"{ok[k]}/{n[k]} = {ok[k] / n[k]:.3f}" for k in sorted(n)}, flush=True)


def freeze() -> None:
    rows = rm.training_rows()
    texts = [r["response"] for r in rows]
    x = rm.design(texts, [detect_refusal_rules(t).label for t in texts])
    model = rm.fit(x, [r["label"] for r in rows])
    np.savez_compressed(rm.FROZEN, weights=model.weights.astype(np.float16), bias=model.bias)


if __name__ == "__main__":
    if "--dev" in sys.argv:
        dev_grid([a for a in sys.argv[1:] if a != "--dev"] or list(TRIED))
    else:
        freeze()
