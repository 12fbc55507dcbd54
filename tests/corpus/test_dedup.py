"""Near-duplicate signatures: the numba and numpy paths agree; edits are caught, unrelated items are not."""

from __future__ import annotations

import random

import numpy as np

from tongzhou.corpus.dedup import band_keys, duplicate_masks, exact_hashes
from tongzhou.corpus.synthetic import en_sentence, zh_sentence


def test_numba_and_numpy_signatures_are_identical() -> None:
    rng = random.Random(2)
    texts = [
        zh_sentence(rng, rng.randint(5, 150)) if i % 2 else en_sentence(rng, rng.randint(5, 150))
        for i in range(400)
    ]
    texts += ["", "短", "x" * 8, "y" * 9, "emoji 😀" * 40]
    assert np.array_equal(band_keys(texts, use_numba=True), band_keys(texts, use_numba=False))


def test_small_edits_are_near_duplicates_and_others_are_not() -> None:
    rng = random.Random(3)
    base = [zh_sentence(rng, 120) for _ in range(50)] + [en_sentence(rng, 120) for _ in range(50)]
    edited = [t[:100] + "今天" + t[100:] for t in base[:10]] + [
        t[:200] + " today " + t[200:] for t in base[50:60]
    ]
    texts = base + edited + base[:5]
    exact, near = duplicate_masks(exact_hashes(texts), band_keys(texts))
    assert exact.sum() == 5 and exact[-5:].all()
    assert near.sum() == 25 and not near[:100].any()
