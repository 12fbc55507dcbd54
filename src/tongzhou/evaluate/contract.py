"""The run summary as a type: the JSON document ``run_summary`` returns, attest signs, reports render
and the energy report reads (shape described in docs/evaluate.md).

The types are ``TypedDict`` s, so the document stays a plain JSON object (its canonical form, and so
every signature over it, is unchanged) while mypy checks every reader, and the JSON schema in
``docs/schemas/run-summary.schema.json`` is generated from them (``scripts/generate_schemas.py``;
``tests/test_contract_schemas.py`` keeps the committed file equal to the generated one).
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired

from typing_extensions import TypedDict

__all__ = [
    "BankSummary",
    "CorrectedRate",
    "Metric",
    "ModelSummary",
    "PeopleSample",
    "ProfileSummary",
    "Rate",
    "RunSummary",
    "SubRate",
    "SummaryItem",
    "Verdict",
]


class PeopleSample(TypedDict):
    """People's labels on the run's random review sample."""

    n: int
    successes: int


class CorrectedRate(TypedDict):
    """A rate corrected for the scorers' measured error (``scorer_error.corrected_rate``)."""

    value: float
    ci_low: float
    ci_high: float
    n: int
    method: str
    unexplained: NotRequired[list[str]]
    people_sample: NotRequired[PeopleSample]


class Rate(TypedDict):
    """One observed proportion with its Wilson interval (``tongzhou.intervals.rate``)."""

    value: float
    n: int
    successes: int
    ci_low: float
    ci_high: float
    method: str


class SubRate(Rate):
    """A rate per risk or per language: observed, corrected, and its indicative verdict."""

    corrected: CorrectedRate
    verdict: NotRequired[str]


class Metric(Rate):
    """One metric of the profile over the run's answers."""

    corrected: CorrectedRate
    by_risk: dict[str, SubRate]
    by_language: dict[str, SubRate]
    scorer_error: dict[str, dict[str, Any] | None]
    """``name@version`` → its measured error (``MeasuredError.to_dict``), None when never measured."""
    reviewed_by_people: int


class Verdict(TypedDict):
    """One threshold of the profile, judged on the metric's corrected interval."""

    op: str
    threshold: float
    min_n: int
    verdict: str
    passed: bool
    reason: str


class ModelSummary(TypedDict):
    """The model that answered (``ModelInfo.to_dict``)."""

    kind: str
    name: str
    identity: str
    parameters: dict[str, Any]


class ProfileThreshold(TypedDict):
    op: str
    value: float
    min_n: int


class ProfileSummary(TypedDict):
    """The standard profile the run was judged against (``StandardProfile.to_summary``)."""

    id: str
    version: str
    source: str
    thresholds: dict[str, ProfileThreshold]


class BankSummary(TypedDict):
    """One bank of the run (``Bank.summary``)."""

    id: str
    sha256: str
    items: int
    path: str


class ItemScore(TypedDict):
    label: str
    passed: bool


class SummaryItem(TypedDict):
    """One answered item."""

    item_id: str
    bank_id: str
    item_sha256: str
    language: str
    risk_code: str
    expected: str
    response: str
    score: ItemScore
    scorer: str


class Software(TypedDict):
    name: str
    version: str


class RunSummary(TypedDict):
    """The summary of one evaluation run."""

    run_id: str
    status: Literal["complete", "partial"]
    started_at: str | None
    finished_at: str | None
    model: ModelSummary
    standard_profile: ProfileSummary
    banks: list[BankSummary]
    items: list[SummaryItem]
    scorers: dict[str, str]
    """Scorer name → version."""
    metrics: dict[str, Metric]
    verdicts: dict[str, Verdict]
    energy: dict[str, Any] | None
    """The run's energy window (``tongzhou.energy.EnergyWindow.to_dict``), None when not measured."""
    software: Software
    system_profile_sha256: str | None
