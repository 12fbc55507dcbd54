"""The one rule that turns a rate's confidence interval into pass / fail / inconclusive.

Every module that judges a rate against a threshold (evaluate verdicts, corpus audit rules) calls
:func:`decide` or :func:`judge_count`; reports and charts only *show* the verdict a summary stored
and never judge again, so a rendered report cannot contradict the signed one.

The rule, for a threshold ``op value`` and an interval ``[low, high]`` of the true rate:

* **pass** when the whole interval is on the right side (``low >= value`` for ``>=``,
  ``high <= value`` for ``<=``) *and* the sample reaches the standard's size ``min_n``;
* **fail** when the whole interval is on the wrong side (``high < value`` / ``low > value``), at
  any sample size: an interval that excludes the threshold is evidence however small the sample;
* **inconclusive** otherwise: the interval straddles (or touches from the wrong side) the
  threshold, the sample is too small for a pass, or there is no sample.

A point estimate that meets the threshold is therefore *not* a pass: 45/50 = 0.90 against ≥ 0.92
is inconclusive (its 95 % Wilson interval is 0.787–0.957), not a fail and not a pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tongzhou.intervals import wilson_interval

OPS = (">=", "<=")
"""The comparison operators a threshold may use."""


class Verdict(StrEnum):
    """The outcome of judging a rate's interval against a threshold."""

    PASS = "pass"
    """The whole interval meets the threshold and the sample is large enough."""
    FAIL = "fail"
    """The whole interval misses the threshold."""
    INCONCLUSIVE = "inconclusive"
    """Neither: the interval straddles the threshold, the sample is too small, or empty."""


@dataclass(frozen=True)
class Judgement:
    """A verdict with the figures it rests on and a one-line reason for readers."""

    verdict: Verdict
    reason: str
    value: float
    """The point estimate shown (observed or corrected rate)."""
    ci_low: float
    ci_high: float
    n: int

    @property
    def passed(self) -> bool:
        """Only a clear pass counts as passed."""
        return self.verdict is Verdict.PASS


def decide(low: float, high: float, n: int, op: str, threshold: float, min_n: int = 0) -> Verdict:
    """The verdict for a true rate known to lie in ``[low, high]`` (from ``n`` samples)."""
    if op not in OPS:
        raise ValueError(f"unknown operator {op!r}; use one of {OPS}")
    if n <= 0:
        return Verdict.INCONCLUSIVE
    if op == ">=":
        clear_pass, clear_fail = low >= threshold, high < threshold
    else:
        clear_pass, clear_fail = high <= threshold, low > threshold
    if clear_fail:
        return Verdict.FAIL
    if clear_pass and n >= min_n:
        return Verdict.PASS
    return Verdict.INCONCLUSIVE


def judgement(
    value: float,
    low: float,
    high: float,
    n: int,
    op: str,
    threshold: float,
    min_n: int = 0,
    *,
    interval: str = "95% CI",
) -> Judgement:
    """:func:`decide` plus the reason a reader sees (``interval`` names the interval's kind)."""
    verdict = decide(low, high, n, op, threshold, min_n)
    shown = f"{value:.3f} ({interval} {low:.3f}–{high:.3f}, n={n}) vs {op} {threshold}"
    if n <= 0:
        reason = f"no samples; need {op} {threshold}"
    elif verdict is Verdict.FAIL:
        reason = f"fail: {shown}; the interval excludes the threshold"
    elif verdict is Verdict.PASS:
        reason = f"pass: {shown}"
    elif low >= threshold if op == ">=" else high <= threshold:
        reason = f"inconclusive: {shown}; sample n={n} below the required {min_n}"
    else:
        reason = f"inconclusive: {shown}; the interval straddles the threshold"
    return Judgement(verdict, reason, value, low, high, n)


def judge_count(successes: int, n: int, op: str, threshold: float, min_n: int = 0) -> Judgement:
    """Judge ``successes / n`` by its 95 % Wilson interval (see the module docstring for the rule)."""
    low, high = wilson_interval(successes, n)
    return judgement(successes / n if n else 0.0, low, high, n, op, threshold, min_n, interval="95% CI")
