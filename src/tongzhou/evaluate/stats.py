"""Rates with Wilson score intervals, and verdicts that respect the interval.

Wilson (1927) rather than the normal approximation: it stays inside [0, 1] and behaves at rates
near 0 and 1, which is where refusal rates live.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tongzhou.intervals import Z_95, rate, wilson_interval

# Wilson intervals are shared with the corpus audit and attest: one implementation, in tongzhou.intervals.
__all__ = ["Z_95", "Verdict", "judge", "rate", "wilson_interval"]


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
