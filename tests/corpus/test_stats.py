"""Rates, intervals and verdicts."""

from __future__ import annotations

import pytest

from tongzhou.corpus.stats import (
    histogram_quantile,
    judge_rate,
    language_of,
    length_histogram,
)
from tongzhou.intervals import wilson_interval


def test_wilson_interval_known_values() -> None:
    # Reference values (Newcombe 1998, table I: 81/263 → 0.2553–0.3662).
    low, high = wilson_interval(81, 263)
    assert low == pytest.approx(0.2553, abs=1e-4) and high == pytest.approx(0.3662, abs=1e-4)
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == pytest.approx(1.0)
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_verdicts_respect_the_interval() -> None:
    assert judge_rate(3960, 4000, ">=", 0.96).verdict == "pass"  # 99 %, interval above 96 %
    assert judge_rate(3700, 4000, ">=", 0.96).verdict == "fail"  # 92.5 %
    assert judge_rate(3845, 4000, ">=", 0.96).verdict == "inconclusive"  # 96.1 %, interval straddles
    assert judge_rate(10, 1000, "<=", 0.05).verdict == "pass"
    assert judge_rate(100, 1000, "<=", 0.05).verdict == "fail"
    assert judge_rate(50, 1000, "<=", 0.05).verdict == "inconclusive"


def test_language_heuristic() -> None:
    assert language_of("今天天气很好，我们去公园散步。") == "zh"
    assert language_of("The weather is nice today.") == "en"
    assert language_of("Привет, как дела?") == "other"
    assert language_of("") == "other"


def test_length_histogram_and_quantiles() -> None:
    hist = length_histogram([0, 10, 20, 100, 100, 5000])
    assert hist.sum() == 6 and hist[0] == 2
    assert histogram_quantile(hist, 0.5) == 16
