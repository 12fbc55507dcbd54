"""Rates with Wilson score intervals, and verdicts on them through the one shared rule.

Wilson (1927) rather than the normal approximation: it stays inside [0, 1] and behaves at rates
near 0 and 1, which is where refusal rates live. The pass / fail / inconclusive rule itself lives
in :mod:`tongzhou.verdicts` (one implementation for evaluate, corpus and the reports).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tongzhou.intervals import Z_95, rate, wilson_interval
from tongzhou.verdicts import Judgement, Verdict, judgement

__all__ = ["Z_95", "Judgement", "Verdict", "judge", "rate", "wilson_interval"]


def judge(metric: Mapping[str, Any], op: str, threshold: float, min_n: int = 0) -> Judgement:
    """Judge a rate dict (``value``, ``n``, ``ci_low``, ``ci_high``) by its stored interval.

    The interval is whichever the dict carries: the Wilson interval of the observed rate, or the
    scorer-corrected interval (``method`` names it). See :func:`tongzhou.verdicts.decide`.
    """
    label = "95% CI" if metric.get("method", "wilson") == "wilson" else "95% CI, scorer error included"
    return judgement(
        float(metric["value"]),
        float(metric["ci_low"]),
        float(metric["ci_high"]),
        int(metric["n"]),
        op,
        threshold,
        min_n,
        interval=label,
    )
