"""Rates with Wilson intervals, verdicts against thresholds, language mix, length and diversity measures."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from tongzhou.corpus.contract import RateVerdictEntry
from tongzhou.intervals import Z_95
from tongzhou.verdicts import judge_count

Z95 = Z_95
"""Two-sided 95 % normal quantile."""

LENGTH_BUCKETS = (0, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536)
"""Lower bounds (characters) of the length histogram buckets; the last bucket is open-ended."""


@dataclass(frozen=True)
class RateVerdict:
    """A sampled or counted rate judged against a threshold with its interval."""

    value: float
    """Observed proportion."""
    successes: int
    """Count in the numerator."""
    n: int
    """Sample size."""
    ci_low: float
    """Wilson lower bound."""
    ci_high: float
    """Wilson upper bound."""
    op: str
    """``>=`` (rate must reach the threshold) or ``<=`` (must not exceed it)."""
    threshold: float
    """The standard's threshold."""
    verdict: str
    """``pass``, ``fail`` or ``inconclusive`` (interval straddles the threshold)."""

    def to_dict(self) -> RateVerdictEntry:
        """JSON-ready form."""
        return {
            "value": self.value,
            "successes": self.successes,
            "n": self.n,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "method": "wilson",
            "op": self.op,
            "threshold": self.threshold,
            "verdict": self.verdict,
        }


def judge_rate(successes: int, n: int, op: str, threshold: float) -> RateVerdict:
    """Verdict on ``successes / n`` against ``op threshold`` by the shared rule (:mod:`tongzhou.verdicts`)."""
    j = judge_count(successes, n, op, threshold)
    return RateVerdict(j.value, successes, n, j.ci_low, j.ci_high, op, threshold, str(j.verdict))


def language_of(text: str) -> str:
    """``zh`` (mostly CJK), ``en`` (mostly ASCII), ``mixed`` or ``other``, from UTF-8 byte widths.

    A cheap heuristic, not a language identifier: it reads the share of three-byte (CJK) and one-byte
    (ASCII) characters, which separates Chinese from English text at memory speed.
    """
    chars = len(text)
    if chars == 0:
        return "other"
    nbytes = len(text.encode("utf-8", "surrogatepass"))
    if nbytes == chars:
        return "en"
    ascii_chars = len(text.encode("ascii", "ignore"))
    wide = chars - ascii_chars
    # Most non-ASCII characters here are 3 bytes (CJK); 2-byte ones (Latin accents, Cyrillic) lower the mean.
    mean_wide = (nbytes - ascii_chars) / wide
    if wide / chars >= 0.3 and mean_wide >= 2.9:
        return "zh"
    if ascii_chars / chars >= 0.9:
        return "en"
    if mean_wide >= 2.9:
        return "mixed"
    return "other"


def length_histogram(lengths: list[int]) -> np.ndarray:
    """Counts per :data:`LENGTH_BUCKETS` bucket."""
    idx = np.searchsorted(np.asarray(LENGTH_BUCKETS), np.asarray(lengths, dtype=np.int64), side="right") - 1
    return np.bincount(idx, minlength=len(LENGTH_BUCKETS)).astype(np.int64)


def histogram_quantile(hist: list[int] | np.ndarray, q: float) -> int:
    """Lower bound of the bucket holding the ``q`` quantile (an approximation by bucket)."""
    counts = np.asarray(hist)
    total = int(counts.sum())
    if total == 0:
        return 0
    idx = int(np.searchsorted(np.cumsum(counts), q * total, side="left"))
    return LENGTH_BUCKETS[min(idx, len(LENGTH_BUCKETS) - 1)]


def shannon_entropy(counts: Counter[str] | dict[str, int]) -> float:
    """Entropy in bits of a frequency table."""
    total = sum(counts.values())
    if total == 0:
        return 0.0
    return -sum((c / total) * math.log2(c / total) for c in counts.values() if c)


def simpson_diversity(counts: Counter[str] | dict[str, int]) -> float:
    """Gini–Simpson index 1 − Σ p² (probability two random draws differ)."""
    total = sum(counts.values())
    if total == 0:
        return 0.0
    return 1.0 - sum((c / total) ** 2 for c in counts.values())


CHAR_BINS = 0x10000
"""Character histogram bins: one per BMP code point; all supplementary-plane characters share the last."""


def char_histogram(texts: list[str]) -> np.ndarray:
    """Counts per code point (BMP; astral characters in the last bin) over ``texts``."""
    cps = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return np.bincount(np.minimum(cps, CHAR_BINS - 1), minlength=CHAR_BINS).astype(np.int64)


def histogram_entropy(hist: np.ndarray) -> float:
    """Entropy in bits of a count histogram."""
    counts = hist[hist > 0].astype(np.float64)
    total = counts.sum()
    if total == 0:
        return 0.0
    p = counts / total
    return float(-(p * np.log2(p)).sum())
