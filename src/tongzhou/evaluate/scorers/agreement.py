"""Agreement of a scorer with human labels: accuracy per language (Wilson CI), confusion tables,
per-risk recall/specificity, and the clean held-out set that measures each bundled scorer version."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tongzhou.errors import InputError
from tongzhou.evaluate.scorers.content import NAME as CONTENT_NAME
from tongzhou.evaluate.scorers.content import VERSION as CONTENT_VERSION
from tongzhou.evaluate.scorers.content import classify_content
from tongzhou.evaluate.scorers.measured_error import MeasuredError, measure, read_labelled
from tongzhou.evaluate.scorers.refusal import NAME as REFUSAL_NAME
from tongzhou.evaluate.scorers.refusal import VERSION as REFUSAL_VERSION
from tongzhou.evaluate.scorers.refusal import detect_refusal
from tongzhou.evaluate.stats import rate

REFUSAL_LABELLED = Path(__file__).parent / "data" / "refusal_labelled.jsonl"
"""The tuning set: the rules were developed while looking at it (in-sample)."""
REFUSAL_HELDOUT = Path(__file__).parent / "data" / "refusal_heldout.jsonl"
"""The held-out set, written before the v1.1 rule changes (scored first with v1.0; see docs/evaluate.md)."""
REFUSAL_FRESH = Path(__file__).parent / "data" / "refusal_fresh.jsonl"
"""Written after v1.1 was committed and scored once (clean for v1.1; development data for v1.2)."""
REFUSAL_FRESH2 = Path(__file__).parent / "data" / "refusal_fresh2.jsonl"
"""Written after v1.2 was committed, scored once: the clean estimate for v1.2 (development data for v1.3)."""
REFUSAL_FRESH3 = Path(__file__).parent / "data" / "refusal_fresh3.jsonl"
"""Written and committed before any v1.3 change (c9ae889), scored once with v1.3: its clean estimate."""


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
            if "_meta" in row:  # a set's own description line
                continue
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


CONTENT_DEV = Path(__file__).parent / "data" / "content_dev.jsonl"
"""The content screen's tuning set (v2.0 rules were shaped on it: in-sample)."""
CONTENT_HELDOUT = Path(__file__).parent / "data" / "content_heldout.jsonl"
"""Written and committed before keyword-content v2.0 was tuned; scored once with v2.0."""
CONTENT_HELDOUT2 = Path(__file__).parent / "data" / "content_heldout2.jsonl"
"""Written after v2.0 was frozen (never used to tune it), scored once with v2.0; training data for v2.1."""
CONTENT_HELDOUT3 = Path(__file__).parent / "data" / "content_heldout3.jsonl"
"""Written and committed before v2.1 (e2891ed), scored once with v2.1: its clean estimate."""
CONTENT_HELDOUT4 = Path(__file__).parent / "data" / "content_heldout4.jsonl"
"""Written after v2.1 was frozen and committed (6e7931d) before it was scored once: clean for v2.1;
v2.2's threshold was tuned on it (``content_model.DEV_SETS``)."""
CONTENT_HELDOUT5 = Path(__file__).parent / "data" / "content_heldout5.jsonl"
"""Written by someone who does not build the screen and committed (2a047ac) before v2.2 was frozen
(c449bc2); merged in after the freeze and scored once: clean for v2.2."""
CONTENT_TRAIN22 = Path(__file__).parent / "data" / "content_train22.jsonl"
"""v2.2's training corpus (``split`` train / dev): in-sample for v2.2, never a clean estimate."""
REFUSAL_FRESH4 = Path(__file__).parent / "data" / "refusal_fresh4.jsonl"
"""Written after v1.3 was frozen and committed (6e7931d) before it was scored once: clean for v1.3."""
REFUSAL_FRESH5 = Path(__file__).parent / "data" / "refusal_fresh5.jsonl"
"""Clean set for refusal-detector@2.0: committed (ea6de43) before its training corpus or model existed;
scored once with v2.0, then training data for v2.1."""
REFUSAL_FRESH6 = Path(__file__).parent / "data" / "refusal_fresh6.jsonl"
"""Clean set for refusal-detector@2.1: written by another engineer while v2.1 was built, never read
for it, committed (a2e973c) before v2.1 was frozen and merged after; scored once with v2.1."""


def content_agreement(path: Path = CONTENT_HELDOUT) -> dict[str, Any]:
    """The content screen against a labelled set (``label`` safe/unsafe, ``risk_group`` A.1…A.5).

    Returns ``{"by_language": {lang: accuracy}, "recall": {key: rate of unsafe flagged},
    "specificity": {key: rate of safe passed}, "errors": [ids]}`` where a key is a language, a risk
    group, ``"<group> <language>"`` (e.g. ``"A.1 zh"``) or ``"overall"`` (all pooled).
    """
    ok: Counter[str] = Counter()
    total: Counter[str] = Counter()
    flagged: Counter[str] = Counter()
    unsafe: Counter[str] = Counter()
    passed: Counter[str] = Counter()
    safe: Counter[str] = Counter()
    errors: list[str] = []
    for row in read_labelled(path):
        if "_meta" in row:
            continue
        pred = classify_content(row["response"]).label
        lang, group = row["language"], str(row.get("risk_group", "?"))
        keys = (lang, group, f"{group} {lang}", "overall")
        total[lang] += 1
        ok[lang] += pred == row["label"]
        if pred != row["label"]:
            errors.append(str(row.get("id")))
        for k in keys:
            if row["label"] == "unsafe":
                unsafe[k] += 1
                flagged[k] += pred == "unsafe"
            else:
                safe[k] += 1
                passed[k] += pred == "safe"
    return {
        "by_language": {lang: rate(ok[lang], total[lang]) for lang in sorted(total)},
        "recall": {k: rate(flagged[k], unsafe[k]) for k in sorted(unsafe)},
        "specificity": {k: rate(passed[k], safe[k]) for k in sorted(safe)},
        "errors": errors,
    }


@dataclass(frozen=True)
class CleanSet:
    """The labelled set that measures a bundled scorer's current version: written before that
    version was frozen and never used to tune it (docs/evaluate.md records the history)."""

    scorer: str
    """Scorer name."""
    version: str
    """The version this set is clean for."""
    positive: str
    """The label whose sensitivity is measured."""
    path: Path
    written: str
    """When the set was written (its ``_meta`` line says so where it has one)."""


# Versions are written out, not taken from the scorers: a new version needs a new clean set.
CLEAN_SETS = (
    CleanSet(REFUSAL_NAME, "1.2", "refusal", REFUSAL_FRESH2, "2026-11, after v1.2 was committed (39f80d4)"),
    CleanSet(REFUSAL_NAME, "1.3", "refusal", REFUSAL_FRESH3, "2026-12-06, before v1.3 was written (c9ae889)"),
    CleanSet(CONTENT_NAME, "2.0", "safe", CONTENT_HELDOUT, "2026-12-06, before v2.0 was tuned (ecee501)"),
    CleanSet(CONTENT_NAME, "2.0", "safe", CONTENT_HELDOUT2, "2026-12-06, after v2.0 was frozen (3aa702a)"),
    CleanSet(CONTENT_NAME, "2.1", "safe", CONTENT_HELDOUT3, "2026-12-06, before v2.1 was written (e2891ed)"),
    CleanSet(REFUSAL_NAME, "1.3", "refusal", REFUSAL_FRESH4, "2026-12-06, after v1.3 was frozen (6e7931d)"),
    CleanSet(CONTENT_NAME, "2.1", "safe", CONTENT_HELDOUT4, "2026-12-06, after v2.1 was frozen (6e7931d)"),
    CleanSet(REFUSAL_NAME, "2.0", "refusal", REFUSAL_FRESH5, "2026-12-06, before v2.0 was written (ea6de43)"),
    CleanSet(REFUSAL_NAME, "2.1", "refusal", REFUSAL_FRESH6, "2026-12-06, before v2.1 was frozen (a2e973c)"),
    CleanSet(CONTENT_NAME, "2.2", "safe", CONTENT_HELDOUT5, "2026-12-06, before v2.2 was frozen (2a047ac)"),
)


def current_clean_sets() -> list[CleanSet]:
    """The clean set of each bundled scorer's *current* version (a version without one is missing)."""
    current = {REFUSAL_NAME: REFUSAL_VERSION, CONTENT_NAME: CONTENT_VERSION}
    return [c for c in CLEAN_SETS if current[c.scorer] == c.version]


def measure_clean(clean: CleanSet) -> MeasuredError:
    """Score ``clean``'s set with the bundled scorer it measures; Se/Sp of ``positive`` per language.

    Only the current version can be scored (older versions are not in the code any more).
    """
    current = {REFUSAL_NAME: REFUSAL_VERSION, CONTENT_NAME: CONTENT_VERSION}[clean.scorer]
    if clean.version != current:
        raise InputError(
            f"{clean.scorer} is at version {current}; {clean.path.name} measures {clean.version}"
        )

    predict: Callable[[str], str] = (
        (lambda text: detect_refusal(text).label)
        if clean.scorer == REFUSAL_NAME
        else (lambda text: classify_content(text).label)
    )
    measured = measure(f"{clean.scorer}@{clean.version}", clean.positive, clean.path, predict)
    return replace(measured, written=clean.written)
