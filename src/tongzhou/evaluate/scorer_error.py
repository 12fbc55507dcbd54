"""A rate corrected for the scorer's measured error (Rogan–Gladen), with an interval that carries
both the sampling error of the run and the measurement error of the scorer.

A scorer is an instrument: on labelled data it was not tuned on it has a measured *sensitivity*
``Se`` (share of truly positive responses it labels positive) and *specificity* ``Sp`` (share of
truly negative responses it labels negative), where "positive" is the label the metric counts
(``refusal`` for refusal rates, ``safe`` for the generated-content safe rate). The rate it
observes, ``q``, relates to the true rate ``p`` by ``q = p·Se + (1 − p)(1 − Sp)``, so

    p = (q + Sp − 1) / (Se + Sp − 1)          (Rogan & Gladen 1978, Am J Epidemiol 107:71–76)

clipped to [0, 1]. The interval: the run's ``q`` and the scorer's ``Se`` and ``Sp`` each get a
Wilson interval at level ``1 − α/(3S)`` (Bonferroni over the three estimates in each of the ``S``
strata, e.g. one per language), so all of them hold together with probability ≥ 1 − α. The
interval for ``p`` is every rate that some point of that box explains — ``p`` such that
``p·Se + (1 − p)(1 − Sp) = q`` for some ``q``, ``Se``, ``Sp`` in their intervals — so it covers the
true rate whenever the box does (coverage ≥ 1 − α; conservative, usually well above). Strata
(languages, scorer versions) are combined by their share of the sample. Lang & Reiczigel (2014,
Prev Vet Med 113:13–22) give tighter, approximately exact intervals for the same correction.

Three cases give a stratum the interval [0, 1], so that nothing is concluded from it: the
scorer's error was never measured; the scorer may be no better than chance (``Se + Sp ≤ 1`` inside
the box and the observed rate near ``1 − Sp``); or *no* rate fits — the run's observed rate lies
outside anything the measured error allows (say 100 % refusals from a detector measured to catch
55–75 % of refusals). The last means the scorer behaves differently on this model's answers than on
its held-out set, so its measured error does not describe the run; the stratum is then reported
as ``unexplained`` and people should review a sample.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

from tongzhou.evaluate.contract import CorrectedRate
from tongzhou.intervals import wilson_interval

METHOD = "rogan-gladen, Bonferroni-joint Wilson bounds of the rate, sensitivity and specificity (95%)"
"""The ``method`` string of a corrected rate in the summary."""


@dataclass(frozen=True)
class Stratum:
    """One homogeneous part of a metric's sample: same language, same scorer."""

    positives: int
    """Responses the scorer labelled positive."""
    n: int
    """Responses in the stratum."""
    sensitivity: tuple[int, int] | None
    """``(correct, gold positives)`` on the scorer's held-out set, or None when never measured."""
    specificity: tuple[int, int] | None
    """``(correct, gold negatives)`` on the scorer's held-out set, or None when never measured."""
    label: str = ""
    """What the stratum is (``en refusal-detector@1.2``), for reasons shown to readers."""
    exact: bool = False
    """Labelled by people (human review): no scorer error, only sampling error."""


def rogan_gladen(observed: float, sensitivity: float, specificity: float) -> float:
    """The true rate implied by an observed rate and the scorer's Se/Sp, clipped to [0, 1]."""
    informedness = sensitivity + specificity - 1
    if informedness <= 0:
        raise ValueError("a scorer with sensitivity + specificity <= 1 carries no information")
    return min(1.0, max(0.0, (observed + specificity - 1) / informedness))


def _consistent_rates(
    q: tuple[float, float], se: tuple[float, float], sp: tuple[float, float]
) -> tuple[float, float] | None:
    """Every true rate ``p`` for which some ``Se``, ``Sp`` and observed rate in the box agree.

    For a given ``p`` the observed rate ``p·Se + (1 − p)(1 − Sp)`` can be anything between
    ``A(p) = p·Se_low + (1 − p)(1 − Sp_high)`` and ``B(p) = p·Se_high + (1 − p)(1 − Sp_low)``; ``p`` is
    consistent when that range meets ``[q_low, q_high]``. Both bounds are linear in ``p``, so the
    consistent set is an interval (None when empty).
    """
    low, high = 0.0, 1.0
    for intercept, slope, bound, at_least in (
        (1 - sp[0], se[1] - (1 - sp[0]), q[0], True),  # B(p) >= q_low
        (1 - sp[1], se[0] - (1 - sp[1]), q[1], False),  # A(p) <= q_high
    ):
        if slope == 0:
            if (intercept < bound) if at_least else (intercept > bound):
                return None
            continue
        cut = (bound - intercept) / slope
        if (slope > 0) == at_least:
            low = max(low, cut)
        else:
            high = min(high, cut)
    return (low, high) if low <= high else None


def _stratum_bounds(s: Stratum, z: float) -> tuple[float, float, float, bool]:
    """``(point, low, high, explained)``; ``explained`` is False when no rate fits the measured error."""
    observed = s.positives / s.n
    if s.exact:
        low, high = wilson_interval(s.positives, s.n, z)
        return observed, low, high, True
    if s.sensitivity is None or s.specificity is None or s.sensitivity[1] == 0 or s.specificity[1] == 0:
        return observed, 0.0, 1.0, True
    se, sp = s.sensitivity[0] / s.sensitivity[1], s.specificity[0] / s.specificity[1]
    point = rogan_gladen(observed, se, sp) if se + sp > 1 else observed
    found = _consistent_rates(
        wilson_interval(s.positives, s.n, z),
        wilson_interval(*s.sensitivity, z),
        wilson_interval(*s.specificity, z),
    )
    if found is None:
        return point, 0.0, 1.0, False
    return point, found[0], found[1], True


def corrected_rate(strata: Sequence[Stratum], alpha: float = 0.05) -> CorrectedRate:
    """``{"value", "ci_low", "ci_high", "n", "method"}``: the rate corrected for scorer error.

    An empty sample gives value 0 and the interval [0, 1] (like :func:`tongzhou.intervals.rate`).
    """
    live = [s for s in strata if s.n > 0]
    total = sum(s.n for s in live)
    if total == 0:
        return {"value": 0.0, "ci_low": 0.0, "ci_high": 1.0, "n": 0, "method": METHOD}
    z = NormalDist().inv_cdf(1 - alpha / (2 * 3 * len(live)))
    value = low = high = 0.0
    unexplained = []
    for s in live:
        point, lo, hi, explained = _stratum_bounds(s, z)
        weight = s.n / total
        value, low, high = value + weight * point, low + weight * lo, high + weight * hi
        if not explained:
            unexplained.append(s.label)
    out: CorrectedRate = {
        "value": round(value, 6),
        "ci_low": round(max(0.0, math.floor(low * 1e6) / 1e6), 6),  # rounded outwards, never narrower
        "ci_high": round(min(1.0, math.ceil(high * 1e6) / 1e6), 6),
        "n": total,
        "method": METHOD,
    }
    if unexplained:
        out["unexplained"] = unexplained
    return out


METHOD_WITH_PEOPLE = (
    "rogan-gladen interval (97.5%) intersected with the Wilson interval (97.5%) of the people-labelled "
    "random sample"
)
"""The ``method`` string when a reviewed random sample narrows the corrected rate."""
PEOPLE_DISAGREE = "people's labels on the random sample"
"""The ``unexplained`` entry when people's labels and the scorer-corrected rate do not meet."""


def with_people_sample(
    strata: Sequence[Stratum], successes: int, sample: int, alpha: float = 0.05
) -> CorrectedRate:
    """:func:`corrected_rate` narrowed by people's labels on a simple random sample of the same answers.

    Each interval is built at level ``1 − α/2`` (Bonferroni), so their intersection covers the true
    rate with probability ≥ 1 − α whatever their dependence. The people-labelled sample needs no
    scorer at all: a large enough one settles a rate the scorers cannot. If the two intervals do not
    meet, the scorers and the people disagree about this run: the interval is [0, 1] and the
    disagreement is named in ``unexplained``.
    """
    corrected = corrected_rate(strata, alpha / 2)
    if sample <= 0:
        return corrected
    low, high = wilson_interval(successes, sample, NormalDist().inv_cdf(1 - alpha / 4))
    lo, hi = max(corrected["ci_low"], low), min(corrected["ci_high"], high)
    out: CorrectedRate = {
        **corrected,
        "method": METHOD_WITH_PEOPLE,
        "people_sample": {"n": sample, "successes": successes},
    }
    if lo > hi:
        out["ci_low"], out["ci_high"] = 0.0, 1.0
        out["unexplained"] = [*corrected.get("unexplained", []), PEOPLE_DISAGREE]
        return out
    out["ci_low"] = round(math.floor(lo * 1e6) / 1e6, 6)
    out["ci_high"] = round(math.ceil(hi * 1e6) / 1e6, 6)
    return out
