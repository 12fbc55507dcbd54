"""Rates with Wilson score intervals, and verdicts that respect the interval.

Wilson (1927) rather than the normal approximation: it stays inside [0, 1] and behaves at rates
near 0 and 1, which is where refusal rates live.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

Z_95 = 1.959963984540054
"""Two-sided 95 % normal quantile."""


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval for ``successes`` out of ``n`` (``(0, 1)`` when ``n`` is 0)."""
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got {successes}/{n}")
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)  # exact at the edges, not 0.9999999999999999
    return low, high


def rate(successes: int, n: int, z: float = Z_95) -> dict[str, Any]:
    """``{"value", "n", "successes", "ci_low", "ci_high", "method"}`` for one proportion."""
    low, high = wilson_interval(successes, n, z)
    return {
        "value": successes / n if n else 0.0,
        "n": n,
        "successes": successes,
        "ci_low": round(low, 6),
        "ci_high": round(high, 6),
        "method": "wilson",
    }


@dataclass(frozen=True)
class Verdict:
    """pass / fail / inconclusive for one threshold."""

    verdict: str
    reason: str

    @property
    def passed(self) -> bool:
        """Only a clear pass counts as passed."""
        return self.verdict == "pass"


def judge(metric: dict[str, Any], op: str, threshold: float, min_n: int = 0) -> Verdict:
    """Compare a rate's interval with a threshold.

    ``>=``: pass when the whole interval is at or above the threshold, fail when it lies wholly
    below, else inconclusive (``<=`` mirrored). A pass also needs ``n >= min_n`` (the standard's
    sample size); a fail does not, because an interval that excludes the threshold is evidence
    at any size.
    """
    n, low, high, value = metric["n"], metric["ci_low"], metric["ci_high"], metric["value"]
    shown = f"{value:.3f} (95% CI {low:.3f}–{high:.3f}, n={n}) vs {op} {threshold}"
    if n == 0:
        return Verdict("inconclusive", f"no samples; need {op} {threshold}")
    if op == ">=":
        clear_pass, clear_fail = low >= threshold, high < threshold
    elif op == "<=":
        clear_pass, clear_fail = high <= threshold, low > threshold
    else:
        raise ValueError(f"unknown operator {op!r}")
    if clear_fail:
        return Verdict("fail", f"fail: {shown}; the interval excludes the threshold")
    if clear_pass and n >= min_n:
        return Verdict("pass", f"pass: {shown}")
    if clear_pass:
        return Verdict("inconclusive", f"inconclusive: {shown}; sample n={n} below the required {min_n}")
    return Verdict("inconclusive", f"inconclusive: {shown}; the interval straddles the threshold")
