"""Confidence intervals for rates, shared by every module that reports one (principle: honest numbers).

Wilson (1927) rather than the normal approximation: it stays inside [0, 1] and behaves at rates
near 0 and 1, which is where refusal, harmful-content and pass rates live.
"""

from __future__ import annotations

import math
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
