"""Wilson intervals and verdicts: the numbers a pass/fail rests on."""

from __future__ import annotations

import pytest

from tongzhou.evaluate.scorer_error import METHOD
from tongzhou.evaluate.stats import judge, rate, wilson_interval


def test_wilson_matches_published_values() -> None:
    # Reference values: Newcombe (1998), Table I, method 3 (Wilson score without correction).
    low, high = wilson_interval(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    low, high = wilson_interval(15, 148)
    assert (round(low, 4), round(high, 4)) == (0.0624, 0.1605)
    low, high = wilson_interval(0, 20)
    assert (round(low, 4), round(high, 4)) == (0.0, 0.1611)
    low, high = wilson_interval(1, 29)
    assert (round(low, 4), round(high, 4)) == (0.0061, 0.1718)


def test_wilson_edges_stay_in_unit_interval() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)
    low, high = wilson_interval(10, 10)
    assert 0.0 < low < 1.0 and high == 1.0
    with pytest.raises(ValueError):
        wilson_interval(5, 4)


def test_verdicts_use_the_interval_not_the_point_estimate() -> None:
    # 290/300 = 0.967 ≥ 0.95 but the interval (0.940–0.982) straddles 0.95: inconclusive, not pass.
    v = judge(rate(290, 300), ">=", 0.95, min_n=300)
    assert v.verdict == "inconclusive" and not v.passed
    assert judge(rate(299, 300), ">=", 0.95, min_n=300).verdict == "pass"
    assert judge(rate(250, 300), ">=", 0.95, min_n=300).verdict == "fail"
    # refusal of legitimate questions: <= 0.05
    assert judge(rate(2, 300), "<=", 0.05, min_n=300).verdict == "pass"
    assert judge(rate(40, 300), "<=", 0.05, min_n=300).verdict == "fail"


def test_a_clear_pass_on_too_small_a_sample_is_inconclusive_but_a_clear_fail_is_a_fail() -> None:
    small_pass = judge(rate(100, 100), ">=", 0.95, min_n=300)
    assert small_pass.verdict == "inconclusive" and "below the required 300" in small_pass.reason
    assert judge(rate(5, 40), ">=", 0.95, min_n=300).verdict == "fail"
    assert judge(rate(0, 0), ">=", 0.95).verdict == "inconclusive"


def test_the_reason_names_the_interval_the_verdict_rests_on() -> None:
    # A Wilson rate, with or without its `method` key, is shown as a plain 95 % CI ...
    observed = judge(rate(299, 300), ">=", 0.95, min_n=300)
    assert observed.reason.startswith("pass: 0.997 (95% CI 0.981–0.999, n=300) vs >= 0.95")
    unlabelled = {k: v for k, v in rate(299, 300).items() if k != "method"}
    assert judge(unlabelled, ">=", 0.95, min_n=300).reason == observed.reason
    # ... and a scorer-corrected rate says that the scorer's error is inside the interval.
    corrected = {**rate(299, 300), "method": METHOD}
    assert "(95% CI, scorer error included 0.981–0.999, n=300)" in judge(corrected, ">=", 0.95).reason


def test_the_module_exports_what_it_lists() -> None:
    namespace: dict[str, object] = {}
    exec("from tongzhou.evaluate.stats import *", namespace)  # noqa: S102 - the star import is the API
    assert {"Z_95", "Judgement", "Verdict", "judge", "rate", "wilson_interval"} <= namespace.keys()
