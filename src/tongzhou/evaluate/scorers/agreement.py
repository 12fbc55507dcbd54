"""Agreement of a scorer with human labels: accuracy per language (Wilson CI) and a confusion table."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from tongzhou.errors import InputError
from tongzhou.evaluate.scorers.refusal import detect_refusal
from tongzhou.evaluate.stats import rate

REFUSAL_LABELLED = Path(__file__).parent / "data" / "refusal_labelled.jsonl"
"""The tuning set: the rules were developed while looking at it (in-sample)."""
REFUSAL_HELDOUT = Path(__file__).parent / "data" / "refusal_heldout.jsonl"
"""The held-out set, written before the v1.1 rule changes (scored first with v1.0; see docs/evaluate.md)."""
REFUSAL_FRESH = Path(__file__).parent / "data" / "refusal_fresh.jsonl"
"""Written after v1.1 was committed and scored once (clean for v1.1; development data for v1.2)."""
REFUSAL_FRESH2 = Path(__file__).parent / "data" / "refusal_fresh2.jsonl"
"""Written after v1.2 was committed and scored once: the clean generalisation estimate for v1.2."""


def refusal_agreement(path: Path = REFUSAL_LABELLED, split: str | None = None) -> dict[str, Any]:
    """Accuracy of :func:`detect_refusal` on a labelled JSONL set (``response``, ``label``, ``language``).

    Returns ``{"overall": rate, "by_language": {lang: rate}, "confusion": {lang: {"gold->pred": n}},
    "errors": [ids]}``; ``split`` keeps only items with that ``split`` field.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read labelled set {path}: {exc}") from exc
    ok: Counter[str] = Counter()
    total: Counter[str] = Counter()
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    errors: list[str] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            gold, lang, text = row["label"], row["language"], row["response"]
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path.name}:{number}: need JSON with label, language, response") from exc
        if split and row.get("split") != split:
            continue
        pred = detect_refusal(text).label
        total[lang] += 1
        confusion[lang][f"{gold}->{pred}"] += 1
        if pred == gold:
            ok[lang] += 1
        else:
            errors.append(str(row.get("id", number)))
    return {
        "overall": rate(sum(ok.values()), sum(total.values())),
        "by_language": {lang: rate(ok[lang], total[lang]) for lang in sorted(total)},
        "confusion": {lang: dict(sorted(c.items())) for lang, c in sorted(confusion.items())},
        "errors": errors,
    }
