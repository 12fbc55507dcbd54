"""How well an LLM judge or a served guard agrees with human labels, beside our own content screen:
Cohen's κ with a bootstrap interval, accuracy, and sensitivity/specificity per language — the same
measured error (:class:`~tongzhou.evaluate.scorers.measured_error.MeasuredError`) that every verdict
is corrected with (``tongzhou eval check-scorer --judge REF [--guard FORMAT=REF] [--record]``).

Cohen's κ (Cohen 1960, "A coefficient of agreement for nominal scales", Educ Psychol Meas 20:37–46):
κ = (p_o − p_e) / (1 − p_e), p_o the share of items where scorer and label agree, p_e the agreement
expected from their marginals alone. A judge answer that is neither SAFE nor UNSAFE is its own
category (``unparsed``), so it counts against agreement. The interval is a percentile bootstrap over
items (2,000 resamples, seed 0; resamples where κ is undefined are dropped). A judge's error depends
on the model behind it, so it is recorded per served model (:func:`served_scorer_id`).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import zip_longest
from pathlib import Path
from typing import Any

import numpy as np

from tongzhou.evaluate.scorers.measured_error import (
    LanguageError,
    MeasuredError,
    read_labelled,
    set_meta,
)
from tongzhou.evaluate.stats import rate

Classify = Callable[[dict[str, Any]], Awaitable[str]]
"""An async scorer under test: a labelled row → ``safe`` / ``unsafe`` / ``unparsed``."""
POSITIVE = "safe"


def cohen_kappa(gold: Sequence[str], said: Sequence[str]) -> float:
    """Cohen's κ of two labelings of the same items (nan when the marginals leave it undefined)."""
    kappa, _ = _kappas(gold, said, np.arange(len(gold))[None, :])
    return float(kappa[0])


def _kappas(gold: Sequence[str], said: Sequence[str], idx: np.ndarray) -> tuple[np.ndarray, int]:
    cats = sorted(set(gold) | set(said))
    k = len(cats)
    g = np.array([cats.index(x) for x in gold])[idx]
    s = np.array([cats.index(x) for x in said])[idx]
    n = idx.shape[1]
    po = (g == s).mean(axis=1)
    pe = sum((g == c).mean(axis=1) * (s == c).mean(axis=1) for c in range(k))
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = np.where(pe < 1, (po - pe) / (1 - pe), np.nan)
    return kappa, n


def kappa_interval(
    gold: Sequence[str], said: Sequence[str], *, resamples: int = 2000, seed: int = 0, level: float = 0.95
) -> tuple[float, float]:
    """Percentile-bootstrap interval of κ (items resampled with replacement)."""
    if not gold:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(gold), size=(resamples, len(gold)))
    kappas, _ = _kappas(gold, said, idx)
    kappas = kappas[~np.isnan(kappas)]
    if kappas.size == 0:
        return (float("nan"), float("nan"))
    tail = (1 - level) / 2 * 100
    return float(np.percentile(kappas, tail)), float(np.percentile(kappas, 100 - tail))


def interleaved(rows: Sequence[dict[str, Any]], limit: int | None) -> list[dict[str, Any]]:
    """The rows taken in turn from each (language, label) group, so a small ``limit`` still holds
    both languages and both labels; all rows when ``limit`` is None."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["language"], row["label"]), []).append(row)
    order = [r for batch in zip_longest(*groups.values()) for r in batch if r is not None]
    return order if limit is None else order[:limit]


@dataclass(frozen=True)
class Agreement:
    """One scorer against the labels of one set."""

    scorer: str
    n: int
    accuracy: dict[str, Any]
    kappa: float
    kappa_ci: tuple[float, float]
    error: MeasuredError
    """Se/Sp of ``safe`` per language: what a verdict scored by this scorer is corrected with."""
    unparsed: int
    misclassified: list[str]


def agreement(scorer: str, path: Path, rows: Sequence[dict[str, Any]], said: Sequence[str]) -> Agreement:
    """Agreement of ``said`` (one label per row) with the rows' ``label``."""
    gold = [r["label"] for r in rows]
    counts: dict[str, list[int]] = {}
    for row, label in zip(rows, said, strict=True):
        c = counts.setdefault(row["language"], [0, 0, 0, 0])
        if row["label"] == POSITIVE:
            c[0] += label == POSITIVE
            c[1] += 1
        else:
            c[2] += label != POSITIVE
            c[3] += 1
    meta = set_meta(path)
    error = MeasuredError(
        scorer=scorer,
        positive=POSITIVE,
        held_out=path.name,
        held_out_sha256="sha256:" + hashlib.sha256(path.read_bytes()).hexdigest(),
        written=str(meta.get("written", "unknown")),
        measured=datetime.now(UTC).date().isoformat(),
        by_language={lang: LanguageError((c[0], c[1]), (c[2], c[3])) for lang, c in sorted(counts.items())},
    )
    agree = sum(g == s for g, s in zip(gold, said, strict=True))
    return Agreement(
        scorer=scorer,
        n=len(rows),
        accuracy=rate(agree, len(rows)),
        kappa=cohen_kappa(gold, said),
        kappa_ci=kappa_interval(gold, said),
        error=error,
        unparsed=sum(s not in ("safe", "unsafe") for s in said),
        misclassified=[str(r.get("id")) for r, s in zip(rows, said, strict=True) if s != r["label"]],
    )


async def _labels(rows: Sequence[dict[str, Any]], classify: Classify, concurrency: int) -> list[str]:
    gate = asyncio.Semaphore(concurrency)

    async def one(row: dict[str, Any]) -> str:
        async with gate:
            return await classify(row)

    return list(await asyncio.gather(*(one(r) for r in rows)))


async def compare(
    path: Path,
    scorers: dict[str, Classify],
    *,
    limit: int | None = None,
    concurrency: int = 4,
) -> list[Agreement]:
    """Every scorer in ``scorers`` (name → classify) on the same rows of ``path``, in that order."""
    rows = interleaved([r for r in read_labelled(path) if "_meta" not in r], limit)
    out = []
    for name, classify in scorers.items():
        out.append(agreement(name, path, rows, await _labels(rows, classify, concurrency)))
    return out
